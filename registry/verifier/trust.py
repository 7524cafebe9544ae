"""The keys a verification trusts: pinned by the user, or (weaker) the feed's own keys.json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.canonical import loads_strict
from registry.errors import InvalidValue
from registry.ledger.checkpoint import Checkpoint, InvalidCheckpoint, parse_and_verify
from registry.ledger.note import parse_verifier_key
from registry.signing.keys import VerificationKey


def parse_keys_document(data: bytes) -> list[VerificationKey]:
    """Read a keys.json document (`{"keys": [records]}`), checking every record."""
    document = loads_strict(data)
    records = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(records, list) or not records:
        raise InvalidValue("keys", "expected an object with a non-empty 'keys' list")
    keys = []
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            raise InvalidValue(f"keys[{position}]", "must be a key record object")
        try:
            keys.append(VerificationKey.from_record(record))
        except InvalidValue as error:
            raise error.at(f"keys[{position}].{error.field}") from None
    return keys


def check_vkey(vkey: str) -> str:
    """Return `vkey` if it is a well-formed signed-note verifier key."""
    parse_verifier_key(vkey)
    return vkey


@dataclass(frozen=True)
class TrustedKeys:
    """Keys for entry and index signatures, and the checkpoint verifier keys."""

    keys: tuple[VerificationKey, ...]
    checkpoint_vkeys: tuple[str, ...]

    @classmethod
    def from_keys(cls, keys: Sequence[VerificationKey], vkey: str | None = None) -> TrustedKeys:
        """Trust `keys`; checkpoints use `vkey` if given, else the checkpoint keys among them."""
        if vkey is not None:
            vkeys: tuple[str, ...] = (check_vkey(vkey),)
        else:
            vkeys = tuple(key.note_vkey for key in keys if key.note_vkey is not None)
        return cls(tuple(keys), vkeys)

    def open_checkpoint(self, note: str | bytes) -> Checkpoint:
        """Verify a checkpoint note against the trusted checkpoint keys (current or retired)."""
        if not self.checkpoint_vkeys:
            raise InvalidCheckpoint("no checkpoint verifier key is trusted")
        refusals = []
        for vkey in self.checkpoint_vkeys:
            try:
                return parse_and_verify(note, vkey)
            except InvalidCheckpoint as error:
                refusals.append(error)
        # A signature that names a trusted key but does not verify says more than "no key".
        telling = [
            e for e in refusals if not e.reason.startswith("no signature by the trusted key")
        ]
        raise InvalidCheckpoint.carrying(telling[0] if telling else refusals[0])
