"""Log checkpoints (c2sp.org/tlog-checkpoint): origin, size and root, in a signed note."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import InvalidValue
from registry.ledger.hashing import HASH_SIZE
from registry.ledger.note import (
    InvalidNote,
    check_key_name,
    open_note,
    parse_verifier_key,
    sign_note,
    strict_b64decode,
)

_SIZE = re.compile(r"(0|[1-9][0-9]*)\Z")


class InvalidCheckpoint(InvalidNote):
    """A checkpoint note is malformed, tampered with or not signed by the log's key."""

    code = "invalid_checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """A verified tree head: the log's origin, its size and its root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def root_b64(self) -> str:
        """The root hash in standard base64, as written in the note."""
        return base64.b64encode(self.root).decode("ascii")


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """Return the checkpoint note text `origin\\nsize\\nbase64(root)\\n`."""
    if not origin or any(ch < " " for ch in origin):
        raise InvalidValue("origin", "must be a non-empty line without control characters")
    if size < 0:
        raise InvalidValue(
            "size",
            "must not be negative, got %(size)s",
            size=size,
        )
    if len(root) != HASH_SIZE:
        raise InvalidValue(
            "root",
            "must be %(HASH_SIZE)s bytes, got %(root_count)s",
            HASH_SIZE=HASH_SIZE,
            root_count=len(root),
        )
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


class KeyWithUse(Protocol):
    """A stored signing key: what it is for, its id, and its private half."""

    @property
    def use(self) -> str: ...

    @property
    def kid(self) -> str: ...

    @property
    def private_key(self) -> Ed25519PrivateKey: ...


def sign_checkpoint(
    origin: str, size: int, root: bytes, key: KeyWithUse | Ed25519PrivateKey, note_name: str
) -> str:
    """Return the signed checkpoint note for the log at `size` with `root`."""
    check_key_name(note_name)
    if not isinstance(key, Ed25519PrivateKey):
        if key.use != "checkpoint":
            raise InvalidValue(
                "key",
                "key %(kid)s is for %(use)r, not 'checkpoint'",
                kid=key.kid,
                use=key.use,
            )
        key = key.private_key
    return sign_note(checkpoint_body(origin, size, root), key, note_name)


def parse_checkpoint_text(text: str) -> Checkpoint:
    """Parse checkpoint note text (already verified) into a Checkpoint."""
    lines = text.removesuffix("\n").split("\n")
    if len(lines) < 3:
        raise InvalidCheckpoint("a checkpoint has an origin, a size and a root hash line")
    if any(not line for line in lines):
        raise InvalidCheckpoint("checkpoint lines must not be empty")
    origin, size_line, root_line, *extensions = lines
    if not _SIZE.match(size_line):
        raise InvalidCheckpoint(
            "tree size %(size_line)r is not a decimal without leading zeros",
            size_line=size_line,
        )
    try:
        root = strict_b64decode(root_line, "root")
    except InvalidValue as error:
        raise InvalidCheckpoint(
            "root hash: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    if len(root) != HASH_SIZE:
        raise InvalidCheckpoint(
            "root hash is %(root_count)s bytes, not %(HASH_SIZE)s",
            root_count=len(root),
            HASH_SIZE=HASH_SIZE,
        )
    return Checkpoint(origin, int(size_line), root, tuple(extensions))


def parse_and_verify(note_text: str | bytes, vkey: str, origin: str | None = None) -> Checkpoint:
    """Verify a checkpoint note against the log's verifier key and return its contents."""
    verifier = parse_verifier_key(vkey)
    try:
        text = open_note(note_text, verifier)
    except InvalidCheckpoint:
        raise
    except InvalidNote as error:
        raise InvalidCheckpoint.carrying(error) from None
    checkpoint = parse_checkpoint_text(text)
    if origin is not None and checkpoint.origin != origin:
        raise InvalidCheckpoint(
            "origin is %(checkpoint_origin)r, expected %(origin)r",
            checkpoint_origin=checkpoint.origin,
            origin=origin,
        )
    return checkpoint
