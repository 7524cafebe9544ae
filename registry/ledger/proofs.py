"""Merkle tree roots, and inclusion and consistency proofs (RFC 9162 section 2.1).

Proof generation asks a `SubtreeHash` callback for the hashes it needs, so the same code
serves a list of leaf hashes in a test and a million-leaf tiled log in production.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from registry.errors import DomainError, InvalidValue, fill, translatable
from registry.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

SubtreeHash = Callable[[int, int], bytes]
"""`subtree_hash(start, end)` returns MTH(D[start:end]) of the log's leaves."""


class InvalidProof(DomainError):
    """A Merkle proof does not prove what it claims; `reason` says why."""

    code = "invalid_proof"

    frame = translatable("proof rejected: %(reason)s")

    def __init__(self, reason: str, /, **params: object) -> None:
        super().__init__(reason, None, **params)
        self.reason = fill(reason, params)
        self._framed(self.reason)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of a list of leaf hashes (any size, empty included)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        # An unpaired last node moves up unchanged, which matches RFC 9162's split at the
        # largest power of two below n.
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def list_subtree_hash(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """Return a SubtreeHash over an in-memory list of leaf hashes (rehashes; for small trees)."""
    return lambda start, end: root_of(leaf_hashes[start:end])


def split_point(n: int) -> int:
    """Return the largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """Return the audit path for leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1)."""
    if size < 1:
        raise InvalidValue("tree_size", "an inclusion proof needs a tree with at least one leaf")
    if not 0 <= index < size:
        raise InvalidValue(
            "index",
            "must be between 0 and %(last)s for a tree of size %(size)s",
            last=size - 1,
            size=size,
        )
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(subtree_hash(start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k))
            start += k
    path.reverse()  # the sibling nearest the leaf comes first
    return path


def consistency_proof(size1: int, size2: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """Return the proof that the tree of size1 is a prefix of size2 (RFC 9162 2.1.4.1)."""
    if size1 < 1:
        raise InvalidValue(
            "size1", "must be at least 1: every tree is consistent with the empty one"
        )
    if size1 > size2:
        raise InvalidValue(
            "size1",
            "must not exceed size2 (%(size1)s > %(size2)s)",
            size1=size1,
            size2=size2,
        )
    path: list[bytes] = []
    start, end, m = 0, size2, size1
    complete = True  # whether the subtree of size m is a complete prefix of the old tree
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            path.append(subtree_hash(start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        path.append(subtree_hash(start, end))
    path.reverse()
    return path


def _check_hashes(proof: Sequence[bytes]) -> None:
    for position, item in enumerate(proof):
        if len(item) != HASH_SIZE:
            raise InvalidProof(
                "proof element %(position)s is %(item_count)s bytes, not %(HASH_SIZE)s",
                position=position,
                item_count=len(item),
                HASH_SIZE=HASH_SIZE,
            )


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `leaf` (a leaf hash) is at `index` in the tree with `root`; raise InvalidProof."""
    if not 0 <= index < size:
        raise InvalidProof(
            "index %(index)s is outside a tree of size %(size)s",
            index=index,
            size=size,
        )
    if len(leaf) != HASH_SIZE or len(root) != HASH_SIZE:
        raise InvalidProof(
            "the leaf hash and the root must be %(HASH_SIZE)s bytes each",
            HASH_SIZE=HASH_SIZE,
        )
    _check_hashes(proof)
    fn, sn, result = index, size - 1, leaf
    for item in proof:
        if sn == 0:
            raise InvalidProof(
                "proof has %(proof_count)s elements, too many for this tree",
                proof_count=len(proof),
            )
        if fn & 1 or fn == sn:
            result = node_hash(item, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof(
            "proof has %(proof_count)s elements, too few for this tree",
            proof_count=len(proof),
        )
    if result != root:
        raise InvalidProof("the computed root does not match the expected root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that root1 (size1) is a prefix of root2 (size2); raise InvalidProof."""
    if size1 < 1:
        raise InvalidProof(
            "size1 must be at least 1: consistency with the empty tree proves nothing"
        )
    if size1 > size2:
        raise InvalidProof(
            "size1 (%(size1)s) is larger than size2 (%(size2)s)",
            size1=size1,
            size2=size2,
        )
    if size1 == size2:
        if proof:
            raise InvalidProof("trees of equal size need an empty proof")
        if root1 != root2:
            raise InvalidProof("trees of equal size have different roots")
        return
    if not proof:
        raise InvalidProof("the proof is empty")
    if len(root1) != HASH_SIZE or len(root2) != HASH_SIZE:
        raise InvalidProof(
            "both roots must be %(HASH_SIZE)s bytes",
            HASH_SIZE=HASH_SIZE,
        )
    _check_hashes(proof)
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # the old tree is a complete subtree: its root starts the path
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old, new = path[0], path[0]
    for item in path[1:]:
        if sn == 0:
            raise InvalidProof(
                "proof has %(proof_count)s elements, too many for these sizes",
                proof_count=len(proof),
            )
        if fn & 1 or fn == sn:
            old = node_hash(item, old)
            new = node_hash(item, new)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new = node_hash(new, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof(
            "proof has %(proof_count)s elements, too few for these sizes",
            proof_count=len(proof),
        )
    if old != root1:
        raise InvalidProof("the proof does not lead to the old root")
    if new != root2:
        raise InvalidProof("the proof does not lead to the new root")
