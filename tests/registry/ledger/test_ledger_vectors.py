"""RFC 6962 / RFC 9162 proofs against the transparency-dev test vectors."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from registry.ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from registry.ledger.proofs import (
    InvalidProof,
    consistency_proof,
    inclusion_proof,
    list_subtree_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import MemoryTileStore
from tests.conftest import TESTVECTORS

VECTORS = TESTVECTORS / "rfc6962"
LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
LEAF_HASHES = [leaf_hash(leaf) for leaf in LEAVES]


def load(kind: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(path.relative_to(VECTORS)), json.loads(path.read_text())) for path in files]


INCLUSION = load("inclusion")
CONSISTENCY = load("consistency")


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def proof_of(case: dict[str, Any]) -> list[bytes]:
    return [b64(item) for item in case["proof"] or []]


def test_vector_sets_are_complete() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert sum(not case["wantErr"] for _, case in INCLUSION) == 6
    assert sum(not case["wantErr"] for _, case in CONSISTENCY) == 6


@pytest.mark.parametrize(("name", "case"), INCLUSION, ids=[name for name, _ in INCLUSION])
def test_inclusion_vector(name: str, case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            case["leafIdx"],
            case["treeSize"],
            b64(case["leafHash"]),
            proof_of(case),
            b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(InvalidProof):
            verify()
    else:
        verify()


@pytest.mark.parametrize(("name", "case"), CONSISTENCY, ids=[name for name, _ in CONSISTENCY])
def test_consistency_vector(name: str, case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            case["size1"], case["size2"], proof_of(case), b64(case["root1"]), b64(case["root2"])
        )

    if case["wantErr"]:
        with pytest.raises(InvalidProof):
            verify()
    else:
        verify()


def test_root_of_the_eight_leaves_follows_the_recursive_definition() -> None:
    def mth(hashes: list[bytes]) -> bytes:
        if len(hashes) == 1:
            return hashes[0]
        k = 1 << ((len(hashes) - 1).bit_length() - 1)
        return node_hash(mth(hashes[:k]), mth(hashes[k:]))

    assert root_of([]) == EMPTY_ROOT
    for size in range(1, 9):
        assert root_of(LEAF_HASHES[:size]) == mth(LEAF_HASHES[:size])


def from_eight_leaves(case: dict[str, Any], size_key: str, root_key: str) -> bool:
    size = case[size_key]
    return 1 <= size <= 8 and root_of(LEAF_HASHES[:size]) == b64(case[root_key])


GOOD_INCLUSION = [
    (name, case)
    for name, case in INCLUSION
    if not case["wantErr"] and from_eight_leaves(case, "treeSize", "root")
]
GOOD_CONSISTENCY = [
    (name, case)
    for name, case in CONSISTENCY
    if not case["wantErr"]
    and from_eight_leaves(case, "size1", "root1")
    and from_eight_leaves(case, "size2", "root2")
]


def eight_leaf_log() -> TiledLog:
    log = TiledLog(MemoryTileStore())
    log.extend(LEAVES)
    return log


def test_the_happy_paths_come_from_the_eight_leaves() -> None:
    assert [name for name, _ in GOOD_INCLUSION] == [
        f"inclusion/{n}/happy-path.json" for n in range(5)
    ]
    assert [name for name, _ in GOOD_CONSISTENCY] == [
        f"consistency/{n}/happy-path.json" for n in range(5)
    ]


@pytest.mark.parametrize(("name", "case"), GOOD_INCLUSION, ids=[n for n, _ in GOOD_INCLUSION])
def test_generates_the_vector_inclusion_proofs(name: str, case: dict[str, Any]) -> None:
    index, size = case["leafIdx"], case["treeSize"]
    assert LEAF_HASHES[index] == b64(case["leafHash"])
    assert inclusion_proof(index, size, list_subtree_hash(LEAF_HASHES)) == proof_of(case)
    assert eight_leaf_log().inclusion_proof(index, size) == proof_of(case)


@pytest.mark.parametrize(("name", "case"), GOOD_CONSISTENCY, ids=[n for n, _ in GOOD_CONSISTENCY])
def test_generates_the_vector_consistency_proofs(name: str, case: dict[str, Any]) -> None:
    size1, size2 = case["size1"], case["size2"]
    assert consistency_proof(size1, size2, list_subtree_hash(LEAF_HASHES)) == proof_of(case)
    assert eight_leaf_log().consistency_proof(size1, size2) == proof_of(case)


def test_every_proof_among_the_eight_leaves_verifies() -> None:
    source = list_subtree_hash(LEAF_HASHES)
    for size in range(1, 9):
        root = root_of(LEAF_HASHES[:size])
        for index in range(size):
            proof = inclusion_proof(index, size, source)
            verify_inclusion(index, size, LEAF_HASHES[index], proof, root)
        for size1 in range(1, size + 1):
            proof = consistency_proof(size1, size, source)
            verify_consistency(size1, size, proof, root_of(LEAF_HASHES[:size1]), root)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: inclusion_proof(8, 8, s), "index"),
        (lambda s: inclusion_proof(-1, 8, s), "index"),
        (lambda s: inclusion_proof(0, 0, s), "tree_size"),
        (lambda s: consistency_proof(0, 8, s), "size1"),
        (lambda s: consistency_proof(5, 4, s), "size1"),
    ],
)
def test_generation_refuses_impossible_requests(call: Any, field: str) -> None:
    from registry.errors import InvalidValue

    with pytest.raises(InvalidValue) as caught:
        call(list_subtree_hash(LEAF_HASHES))
    assert caught.value.field == field


def test_rejections_say_why() -> None:
    root = root_of(LEAF_HASHES)
    proof = inclusion_proof(3, 8, list_subtree_hash(LEAF_HASHES))
    with pytest.raises(InvalidProof, match="too few"):
        verify_inclusion(3, 8, LEAF_HASHES[3], proof[:-1], root)
    with pytest.raises(InvalidProof, match="too many"):
        verify_inclusion(3, 8, LEAF_HASHES[3], [*proof, proof[0]], root)
    with pytest.raises(InvalidProof, match="does not match the expected root"):
        verify_inclusion(3, 8, LEAF_HASHES[4], proof, root)
    with pytest.raises(InvalidProof, match="element 1 is 31 bytes"):
        verify_inclusion(3, 8, LEAF_HASHES[3], [proof[0], proof[1][:31], proof[2]], root)
    consistency = consistency_proof(3, 8, list_subtree_hash(LEAF_HASHES))
    with pytest.raises(InvalidProof, match="old root"):
        verify_consistency(3, 8, consistency, root_of(LEAF_HASHES[:4]), root)
    with pytest.raises(InvalidProof, match="new root"):
        verify_consistency(3, 8, consistency, root_of(LEAF_HASHES[:3]), root_of(LEAF_HASHES[:7]))
