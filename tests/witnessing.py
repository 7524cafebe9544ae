"""A small signed log for witness, proof-bundle and policy tests: leaves, checkpoints, proofs."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.hashing import leaf_hash
from registry.ledger.note import verifier_key
from registry.ledger.proofs import consistency_proof, list_subtree_hash, root_of
from registry.signing.keys import raw_public_key

ORIGIN = "registry.example/patent-infringers/v1"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(32))
LOG_VKEY = verifier_key(ORIGIN, raw_public_key(LOG_KEY))


@dataclass
class SmallLog:
    """An in-memory log whose checkpoints are signed by LOG_KEY (or another key)."""

    leaves: list[bytes] = field(default_factory=list)
    key: Ed25519PrivateKey = LOG_KEY
    origin: str = ORIGIN

    def grow(self, count: int, tag: bytes = b"event") -> SmallLog:
        """Append `count` leaves."""
        start = len(self.leaves)
        self.leaves += [leaf_hash(tag + str(start + i).encode()) for i in range(count)]
        return self

    def checkpoint(self, size: int | None = None) -> str:
        """The signed checkpoint note at `size` (default: the whole log)."""
        size = len(self.leaves) if size is None else size
        return sign_checkpoint(
            self.origin, size, root_of(self.leaves[:size]), self.key, self.origin
        )

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        """The consistency proof from `old` to `new` (empty from 0)."""
        new = len(self.leaves) if new is None else new
        if old == 0:
            return []
        return consistency_proof(old, new, list_subtree_hash(self.leaves))

    def submission(self, old: int, new: int | None = None) -> bytes:
        """An `add-checkpoint` body from `old` to `new`."""
        lines = [f"old {old}"] + [base64.b64encode(h).decode() for h in self.proof(old, new)]
        return ("\n".join(lines) + "\n\n" + self.checkpoint(new)).encode()
