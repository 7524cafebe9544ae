"""Witness cosignatures on checkpoints (c2sp.org/tlog-cosignature, `cosignature/v1`, Ed25519).

A cosignature is a note signature line whose bytes are `key ID || u64 timestamp || Ed25519
signature` over `cosignature/v1\\ntime <timestamp>\\n` followed by the checkpoint's note text.
Cosigner keys are verifier keys of signature type 0x04.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.ledger.note import (
    SIGNATURE_PREFIX,
    InvalidNote,
    NoteVerifier,
    check_key_name,
    check_note_text,
    key_id,
    parse_verifier_key,
    split_note,
    verifier_key,
)

COSIGNATURE_TYPE = b"\x04"  # the signed-note signature type byte of Ed25519 cosignatures
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1
SIGNATURE_SIZE = 4 + 8 + 64  # key ID, timestamp, Ed25519 signature


class InvalidCosignature(InvalidNote):
    """A cosignature is malformed or does not verify; `reason` says which and why."""

    code = "invalid_cosignature"


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: which cosigner, and when it says it signed."""

    name: str
    key_id: bytes
    timestamp: int


def cosigner_vkey(name: str, public_key: bytes) -> str:
    """Return the cosigner's verifier key `<name>+<hex key ID>+<base64(0x04 || key)>`."""
    return verifier_key(name, public_key, COSIGNATURE_TYPE)


def parse_cosigner_vkey(vkey: str) -> NoteVerifier:
    """Parse a cosigner verifier key (signature type 0x04)."""
    return parse_verifier_key(vkey, COSIGNATURE_TYPE)


def signed_message(checkpoint_text: str, timestamp: int) -> bytes:
    """Return the bytes a `cosignature/v1` signs: header, time line, checkpoint note text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidCosignature(
            "timestamp %(timestamp)s is outside 0..2^63-1",
            timestamp=timestamp,
        )
    check_note_text(checkpoint_text)
    return f"{HEADER}time {timestamp}\n{checkpoint_text}".encode()


def cosign(checkpoint_text: str, private_key: Ed25519PrivateKey, name: str, timestamp: int) -> str:
    """Return the cosignature line (ending in a newline) of `name` on the checkpoint text."""
    check_key_name(name)
    public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = private_key.sign(signed_message(checkpoint_text, timestamp))
    raw = key_id(name, public_key, COSIGNATURE_TYPE) + timestamp.to_bytes(8, "big") + signature
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(raw).decode('ascii')}\n"


def check_cosignature(
    checkpoint_text: str, name: str, signature: bytes, cosigner: NoteVerifier
) -> Cosignature | None:
    """Verify one signature line against one cosigner; None if the line is not that cosigner's."""
    if name != cosigner.name or signature[:4] != cosigner.key_id:
        return None
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidCosignature(
            "the cosignature by %(name)s is %(signature_count)s bytes, not %(SIGNATURE_SIZE)s",
            name=name,
            signature_count=len(signature),
            SIGNATURE_SIZE=SIGNATURE_SIZE,
        )
    timestamp = int.from_bytes(signature[4:12], "big")
    try:
        Ed25519PublicKey.from_public_bytes(cosigner.public_key).verify(
            signature[12:], signed_message(checkpoint_text, timestamp)
        )
    except InvalidSignature:
        raise InvalidCosignature(
            "the cosignature by %(name)s does not verify",
            name=name,
        ) from None
    return Cosignature(name, cosigner.key_id, timestamp)


def verify_cosignatures(note: str | bytes, cosigners: Iterable[NoteVerifier]) -> list[Cosignature]:
    """Return the valid cosignatures on a note by the given cosigners; lines of others are ignored.

    A line that names a known cosigner with its key ID but does not verify makes the note
    malformed (c2sp.org/signed-note), so it raises instead of being skipped.
    """
    text, signatures = split_note(note)
    known: Sequence[NoteVerifier] = list(cosigners)
    found: dict[tuple[str, bytes], Cosignature] = {}
    for name, signature in signatures:
        for cosigner in known:
            cosignature = check_cosignature(text, name, signature, cosigner)
            if cosignature is not None:
                found.setdefault((cosigner.name, cosigner.key_id), cosignature)
    return list(found.values())


def add_signature_lines(note: str, lines: str) -> str:
    """Append signature lines (each ending in a newline) to a signed note, skipping repeats."""
    present = set(note.split("\n"))
    extra = [line for line in lines.split("\n") if line and line not in present]
    for line in extra:
        if not line.startswith(SIGNATURE_PREFIX):
            raise InvalidCosignature(
                "%(line)r is not a signature line",
                line=line[:40],
            )
    return note + "".join(f"{line}\n" for line in extra)
