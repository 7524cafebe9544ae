"""The witness: verify a submitted checkpoint against the log's key and history, then cosign."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from registry.errors import InvalidValue
from registry.ledger.cosignature import add_signature_lines, cosign, cosigner_vkey
from registry.ledger.hashing import EMPTY_ROOT
from registry.ledger.note import InvalidNote, NoteVerifier, open_note, parse_verifier_key
from registry.ledger.proofs import InvalidProof, verify_consistency
from registry.signing.keys import raw_public_key
from registry.witness.state import Latest, WitnessState
from registry.witness.submission import (
    InconsistentCheckpoint,
    StaleOldSize,
    UnknownLog,
    UntrustedCheckpoint,
    parse_submission,
    read_checkpoint,
)


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The witness's Ed25519 key from a PEM file, generated (mode 0600) on first use."""
    if path.exists():
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidValue(
                "key_file",
                "%(path)s does not hold an Ed25519 private key",
                path=path,
            )
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key


def origin_hash(origin: str) -> str:
    """The lowercase hex SHA-256 of a log origin, as in the monitoring URL."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


class Witness:
    """A named witness key, the logs it follows (origin = log key name), and its database."""

    def __init__(
        self, name: str, key: Ed25519PrivateKey, logs: Iterable[str], state: WitnessState
    ) -> None:
        self.name = name
        self.key = key
        self.state = state
        self.logs: dict[str, NoteVerifier] = {}
        for vkey in logs:
            verifier = parse_verifier_key(vkey)
            self.logs[verifier.name] = verifier

    @property
    def vkey(self) -> str:
        """This witness's cosigner verifier key, for the logs' and verifiers' policies."""
        return cosigner_vkey(self.name, raw_public_key(self.key))

    def add_checkpoint(self, body: bytes, now: dt.datetime) -> str:
        """Check an `add-checkpoint` request and return the cosignature line, or raise why not."""
        submission = parse_submission(body)
        verifier = self.logs.get(submission.origin)
        if verifier is None:
            raise UnknownLog(
                "this witness does not follow the log %(submission_origin)r",
                submission_origin=submission.origin,
            )
        try:
            open_note(submission.note, verifier)
        except InvalidNote as error:
            raise UntrustedCheckpoint(
                "checkpoint: %(error_reason)s",
                error_reason=error.reason,
            ) from None
        checkpoint = read_checkpoint(submission)
        try:
            self._check_consistency(
                submission.old,
                submission.proof,
                checkpoint.size,
                checkpoint.root,
                submission.origin,
            )
        except InconsistentCheckpoint as error:
            self.state.keep_evidence(submission.origin, error.message, body.decode(), now)
            raise
        line = cosign(submission.text, self.key, self.name, int(now.timestamp()))
        cosigned = Latest(
            checkpoint.size, checkpoint.root, add_signature_lines(submission.note, line)
        )
        latest = self.state.advance(submission.origin, submission.old, cosigned, now)
        if latest is not None:
            raise StaleOldSize(submission.old, latest)
        return line

    def _check_consistency(
        self, old: int, proof: tuple[bytes, ...], size: int, root: bytes, origin: str
    ) -> None:
        if size == 0 and root != EMPTY_ROOT:
            raise InconsistentCheckpoint("a checkpoint of size 0 must have the empty tree's root")
        latest = self.state.latest(origin)
        latest_size = 0 if latest is None else latest.size
        if old != latest_size:
            raise StaleOldSize(old, latest_size)
        if old == 0 or latest is None:
            if proof:
                raise InconsistentCheckpoint("a consistency proof from size 0 must be empty")
            return
        if old == size:
            if proof or root != latest.root:
                raise InconsistentCheckpoint(
                    "size %(size)s was cosigned with another root: the log forked",
                    size=size,
                )
            return
        try:
            verify_consistency(old, size, proof, latest.root, root)
        except InvalidProof as error:
            raise InconsistentCheckpoint(
                "consistency proof: %(error_reason)s",
                error_reason=error.reason,
            ) from None
