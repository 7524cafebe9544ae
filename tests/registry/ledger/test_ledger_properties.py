"""Tiled log properties: any batches and sizes, proofs always verify, tampering never does."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.ledger.hashing import leaf_hash
from registry.ledger.proofs import (
    InvalidProof,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import MemoryTileStore


def entry(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()[: 1 + i % 32]


@cache
def naive_hashes(size: int) -> tuple[bytes, ...]:
    return tuple(leaf_hash(entry(i)) for i in range(size))


@cache
def naive_root(size: int) -> bytes:
    return root_of(naive_hashes(size))


def build(batches: list[int]) -> tuple[TiledLog, MemoryTileStore]:
    """Append the batches, flushing and reopening the log from its tiles after each."""
    store = MemoryTileStore()
    size = 0
    for batch in batches:
        log = TiledLog(store, size)
        size = log.extend(entry(i) for i in range(size, size + batch))
        log.flush()
    return TiledLog(store, size), store


def flip(data: bytes, bit: int) -> bytes:
    position = bit % (len(data) * 8)
    return (
        data[: position // 8]
        + bytes([data[position // 8] ^ (1 << position % 8)])
        + data[position // 8 + 1 :]
    )


batches = st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=4).filter(
    lambda b: sum(b) > 0
)


@settings(max_examples=40, deadline=None)
@given(batches=batches, data=st.data())
def test_proofs_between_any_sizes_verify(batches: list[int], data: st.DataObject) -> None:
    log, _ = build(batches)
    size = log.size
    sizes = st.integers(min_value=1, max_value=size)
    for _ in range(8):
        tree_size = data.draw(sizes)
        index = data.draw(st.integers(min_value=0, max_value=tree_size - 1))
        root = log.root(tree_size)
        assert root == naive_root(tree_size)
        proof = log.inclusion_proof(index, tree_size)
        verify_inclusion(index, tree_size, log.leaf_hash(index), proof, root)
        size1 = data.draw(st.integers(min_value=1, max_value=tree_size))
        proof = log.consistency_proof(size1, tree_size)
        verify_consistency(size1, tree_size, proof, naive_root(size1), root)


@settings(max_examples=40, deadline=None)
@given(batches=batches, data=st.data())
def test_a_flipped_bit_never_verifies(batches: list[int], data: st.DataObject) -> None:
    log, _ = build(batches)
    tree_size = data.draw(st.integers(min_value=1, max_value=log.size))
    index = data.draw(st.integers(min_value=0, max_value=tree_size - 1))
    bit = data.draw(st.integers(min_value=0, max_value=2**16))
    root, leaf = log.root(tree_size), log.leaf_hash(index)
    proof = log.inclusion_proof(index, tree_size)
    target = data.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    with pytest.raises(InvalidProof):
        if target == "leaf":
            verify_inclusion(index, tree_size, flip(leaf, bit), proof, root)
        elif target == "root":
            verify_inclusion(index, tree_size, leaf, proof, flip(root, bit))
        else:
            position = bit % len(proof)
            tampered = [*proof[:position], flip(proof[position], bit), *proof[position + 1 :]]
            verify_inclusion(index, tree_size, leaf, tampered, root)

    size1 = data.draw(st.integers(min_value=1, max_value=tree_size))
    consistency = log.consistency_proof(size1, tree_size)
    if consistency:
        position = bit % len(consistency)
        tampered = [*consistency[:position], flip(consistency[position], bit)]
        tampered += consistency[position + 1 :]
        with pytest.raises(InvalidProof):
            verify_consistency(size1, tree_size, tampered, log.root(size1), root)


@settings(max_examples=25, deadline=None)
@given(batches=batches)
def test_roots_equal_naive_recomputation(batches: list[int]) -> None:
    log, _ = build(batches)
    # Every size near a tile edge, and a spread of sizes in between.
    edges = {edge + delta for edge in range(0, log.size + 2, 256) for delta in (-1, 0, 1)}
    sizes = (edges | set(range(0, log.size, 13)) | {log.size}) & set(range(log.size + 1))
    for size in sorted(sizes):
        assert log.root(size) == naive_root(size)


def test_a_log_past_two_tile_levels_proves_from_its_tiles() -> None:
    # 65,536 leaves complete a level-2 node; go past it so all three levels are in play.
    store = MemoryTileStore()
    log = TiledLog(store)
    size = log.extend(entry(i) for i in range(65_536 + 300))
    log.flush()
    assert log.root() == naive_root(size)
    reopened = TiledLog(store, size)
    for index, tree_size in [
        (0, size),
        (65_535, 65_536),
        (65_536, size),
        (size - 1, size),
        (1234, 65_537),
        (40_000, 65_800),
    ]:
        proof = reopened.inclusion_proof(index, tree_size)
        verify_inclusion(index, tree_size, naive_hashes(size)[index], proof, naive_root(tree_size))
    for size1, size2 in [(1, size), (256, 65_536), (65_536, size), (300, 65_537), (65_535, size)]:
        proof = reopened.consistency_proof(size1, size2)
        verify_consistency(size1, size2, proof, naive_root(size1), naive_root(size2))
