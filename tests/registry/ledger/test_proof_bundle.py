"""Proof bundles (c2sp.org/tlog-proof): the spec's layout, round trips, and every refusal."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.ledger.cosignature import add_signature_lines, cosign, cosigner_vkey
from registry.ledger.hashing import leaf_hash
from registry.ledger.policy import parse_policy
from registry.ledger.proof_bundle import InvalidBundle, format_bundle, parse_bundle, verify_bundle
from registry.ledger.proofs import inclusion_proof, list_subtree_hash
from registry.signing.keys import raw_public_key
from tests.witnessing import LOG_VKEY, SmallLog

WITNESS = Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32)
POLICY = parse_policy(
    f"log {LOG_VKEY}\nwitness W {cosigner_vkey('w.example', raw_public_key(WITNESS))}\nquorum W\n"
)

# The head of the example in c2sp.org/tlog-proof (its signatures are elided there).
SPEC_HEAD = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

"""


def leaf(i: int) -> bytes:
    return b"event" + str(i).encode()


def bundle_for(index: int, log: SmallLog, cosigned: bool = True) -> str:
    note = log.checkpoint()
    if cosigned:
        text = note.split("\n\n")[0] + "\n"
        note = add_signature_lines(note, cosign(text, WITNESS, "w.example", 1_700_000_000))
    proof = inclusion_proof(index, len(log.leaves), list_subtree_hash(log.leaves))
    return format_bundle(index, proof, note, leaf(index))


def test_the_spec_example_layout_parses_and_formats_back() -> None:
    note = "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n— x y\n"
    bundle = parse_bundle(SPEC_HEAD + note)
    assert bundle.index == 73894 and len(bundle.proof) == 5
    assert bundle.extra is not None and bundle.extra.startswith(b"age-v1.2.1-darwin-arm64")
    assert format_bundle(bundle.index, bundle.proof, note, bundle.extra) == SPEC_HEAD + note


def test_a_bundle_verifies_for_every_leaf_of_a_witnessed_checkpoint() -> None:
    log = SmallLog().grow(13)
    assert log.leaves[0] == leaf_hash(leaf(0))
    for index in range(13):
        proved = verify_bundle(parse_bundle(bundle_for(index, log)), leaf(index), POLICY)
        assert (proved.checkpoint.size, proved.witnesses) == (13, ("W",))


def test_without_the_quorum_the_bundle_is_refused() -> None:
    log = SmallLog().grow(5)
    with pytest.raises(InvalidBundle, match="quorum 'W' is not met: cosigned by no witness"):
        verify_bundle(parse_bundle(bundle_for(2, log, cosigned=False)), leaf(2), POLICY)


def test_another_leaf_or_another_log_is_refused() -> None:
    log = SmallLog().grow(5)
    with pytest.raises(InvalidBundle, match="inclusion"):
        verify_bundle(parse_bundle(bundle_for(2, log)), leaf(3), POLICY)
    other = SmallLog(origin="other.example/log").grow(5)
    with pytest.raises(InvalidBundle, match=r"no log with origin 'other\.example/log'"):
        verify_bundle(parse_bundle(bundle_for(2, other)), leaf(2), POLICY)
    forged = SmallLog(key=Ed25519PrivateKey.from_private_bytes(bytes([5]) * 32)).grow(5)
    with pytest.raises(InvalidBundle, match="checkpoint: no signature by the trusted key"):
        verify_bundle(parse_bundle(bundle_for(2, forged)), leaf(2), POLICY)


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda t: t[:10], "line 1"),
        (lambda t: t.split("\n\n")[0], "truncated"),
        (lambda t: t.split("\n\n")[0] + "\n\n", "truncated"),
        (lambda t: t.replace("index 2", "index 02"), "line 3 must be 'index <N>'"),
        (lambda t: t.replace("index 2\n", "index 2\nAAA=\n"), "line 4: a proof hash is 32 bytes"),
        (lambda t: t.replace("index 2\n", "index 2\n!!\n"), "line 4: '!!' is not valid base64"),
        (lambda t: t.replace("extra ", "extra !"), "line 2"),
    ],
)
def test_truncated_or_malformed_bundles_are_refused_naming_the_line(cut, message) -> None:  # type: ignore[no-untyped-def]
    text = bundle_for(2, SmallLog().grow(5))
    with pytest.raises(InvalidBundle) as caught:
        verify_bundle(parse_bundle(cut(text)), leaf(2), POLICY)
    assert message in caught.value.message


def test_a_cut_off_checkpoint_is_refused() -> None:
    text = bundle_for(2, SmallLog().grow(5))
    with pytest.raises(InvalidBundle, match="checkpoint"):
        verify_bundle(parse_bundle(text[:-30]), leaf(2), POLICY)
