"""Offline proofs of logging (c2sp.org/tlog-proof): index, inclusion proof, cosigned checkpoint.

```
c2sp.org/tlog-proof@v1
extra <base64 of the event's leaf bytes>
index <N>
<base64 hash>...            (from the leaf's sibling up to the root's child)

<the checkpoint note, with the log's signature and the witnesses' cosignatures>
```
The registry puts the `ipl.event/v1` leaf in `extra`: it is not trusted as such, but its
leaf hash must be the one the inclusion proof binds to the signed root.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from registry.errors import DomainError, InvalidValue, fill, translatable
from registry.ledger.checkpoint import Checkpoint, InvalidCheckpoint, parse_checkpoint_text
from registry.ledger.cosignature import InvalidCosignature
from registry.ledger.hashing import HASH_SIZE, leaf_hash
from registry.ledger.note import InvalidNote, open_note, strict_b64decode
from registry.ledger.policy import Policy
from registry.ledger.proofs import InvalidProof, verify_inclusion

HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 63
_INDEX = re.compile(r"index (0|[1-9][0-9]*)\Z")


class InvalidBundle(DomainError):
    """A proof bundle is malformed or does not prove what it claims; the message says where."""

    code = "invalid_bundle"

    frame = translatable("proof bundle rejected: %(reason)s")

    def __init__(self, reason: str, /, **params: object) -> None:
        super().__init__(reason, None, **params)
        self.reason = fill(reason, params)
        self._framed(self.reason)


@dataclass(frozen=True)
class ProofBundle:
    """A parsed bundle: opaque extra data, leaf index, inclusion proof and checkpoint note."""

    extra: bytes | None
    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str


@dataclass(frozen=True)
class ProvedInclusion:
    """What a verified bundle proves: the checkpoint and the witnesses that cosigned it."""

    checkpoint: Checkpoint
    witnesses: tuple[str, ...]


def format_bundle(
    index: int, proof: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None
) -> str:
    """Return the `.tlog-proof` text for leaf `index` under the checkpoint note."""
    if index < 0:
        raise InvalidValue(
            "index",
            "must not be negative, got %(index)s",
            index=index,
        )
    lines = [HEADER]
    if extra is not None:
        lines.append(f"extra {base64.b64encode(extra).decode('ascii')}")
    lines.append(f"index {index}")
    lines += [base64.b64encode(item).decode("ascii") for item in proof]
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_bundle(text: str | bytes) -> ProofBundle:
    """Parse a `.tlog-proof` file; raise InvalidBundle naming the line that is wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidBundle(
                "not UTF-8: bad byte at offset %(error_start)s",
                error_start=error.start,
            ) from None
    head, separator, note = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise InvalidBundle(
            "line 1 must be %(HEADER)r",
            HEADER=HEADER,
        )
    if not separator or not note:
        raise InvalidBundle("truncated: no blank line followed by a checkpoint")
    number, extra = 2, None
    if len(lines) > 1 and lines[1].startswith("extra "):
        extra = _base64(lines[1][len("extra ") :], 2)
        number = 3
    if len(lines) < number:
        raise InvalidBundle(
            "line %(number)s must be 'index <N>'",
            number=number,
        )
    match = _INDEX.match(lines[number - 1])
    if match is None:
        raise InvalidBundle(
            "line %(number)s must be 'index <N>' without leading zeros",
            number=number,
        )
    hashes = lines[number:]
    if len(hashes) > MAX_PROOF_HASHES:
        raise InvalidBundle(
            "more than %(MAX_PROOF_HASHES)s inclusion proof lines",
            MAX_PROOF_HASHES=MAX_PROOF_HASHES,
        )
    proof = []
    for offset, line in enumerate(hashes, start=number + 1):
        item = _base64(line, offset)
        if len(item) != HASH_SIZE:
            raise InvalidBundle(
                "line %(offset)s: a proof hash is %(HASH_SIZE)s bytes, not %(item_count)s",
                offset=offset,
                HASH_SIZE=HASH_SIZE,
                item_count=len(item),
            )
        proof.append(item)
    return ProofBundle(extra, int(match.group(1)), tuple(proof), note)


def _base64(text: str, number: int) -> bytes:
    try:
        return strict_b64decode(text, "line")
    except InvalidValue as error:
        raise InvalidBundle(
            "line %(number)s: %(error_reason)s",
            number=number,
            error_reason=error.reason,
        ) from None


def verify_bundle(bundle: ProofBundle, leaf: bytes, policy: Policy) -> ProvedInclusion:
    """Check the log signature, the witness quorum and the inclusion of `leaf` (leaf bytes)."""
    origin = bundle.checkpoint_note.split("\n", 1)[0]
    log = policy.log_for(origin)
    if log is None:
        raise InvalidBundle(
            "the policy trusts no log with origin %(origin)r",
            origin=origin,
        )
    try:
        checkpoint = parse_checkpoint_text(open_note(bundle.checkpoint_note, log))
        witnesses = tuple(policy.cosigned_by(bundle.checkpoint_note))
    except (InvalidNote, InvalidCheckpoint, InvalidCosignature) as error:
        raise InvalidBundle(
            "checkpoint: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    if not policy.satisfied_by(witnesses):
        named = ", ".join(witnesses) or "no witness"
        raise InvalidBundle(
            "the witness quorum %(quorum)r is not met: cosigned by %(named)s",
            quorum=policy.quorum,
            named=named,
        )
    try:
        verify_inclusion(
            bundle.index, checkpoint.size, leaf_hash(leaf), bundle.proof, checkpoint.root
        )
    except InvalidProof as error:
        raise InvalidBundle(
            "inclusion: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    return ProvedInclusion(checkpoint, witnesses)
