"""Checkpoints in signed notes: byte-identical to the vectors, and nothing else verifies."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import InvalidValue
from registry.ledger.checkpoint import (
    Checkpoint,
    InvalidCheckpoint,
    checkpoint_body,
    parse_and_verify,
    sign_checkpoint,
)
from registry.ledger.hashing import leaf_hash
from registry.ledger.note import key_id, parse_verifier_key, sign_note, verifier_key
from registry.ledger.proofs import root_of
from registry.signing.keys import generate_key, raw_public_key
from tests.conftest import TESTVECTORS

VECTORS = json.loads((TESTVECTORS / "checkpoint" / "checkpoints.json").read_text(encoding="utf-8"))
ORIGIN = VECTORS["origin"]
VKEY = VECTORS["vkey"]
ZERO_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTORS["private_seed_hex"]))
LEAF_HASHES = [leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaves_hex"]]
NOTES = [(c["tree_size"], c["note"]) for c in VECTORS["checkpoints"]]
NOW = dt.datetime(2026, 1, 31, 8, 0, tzinfo=dt.UTC)


def test_verifier_key_matches_the_vector() -> None:
    assert verifier_key(ORIGIN, raw_public_key(ZERO_KEY)) == VKEY
    parsed = parse_verifier_key(VKEY)
    assert parsed.name == ORIGIN
    assert parsed.key_id == key_id(ORIGIN, raw_public_key(ZERO_KEY)) == bytes.fromhex("b7171906")


@pytest.mark.parametrize(("size", "note"), NOTES)
def test_signs_byte_identical_notes(size: int, note: str) -> None:
    assert sign_checkpoint(ORIGIN, size, root_of(LEAF_HASHES[:size]), ZERO_KEY, ORIGIN) == note


@pytest.mark.parametrize(("size", "note"), NOTES)
def test_verifies_the_vectors(size: int, note: str) -> None:
    checkpoint = parse_and_verify(note, VKEY, origin=ORIGIN)
    assert checkpoint == Checkpoint(ORIGIN, size, root_of(LEAF_HASHES[:size]))
    assert parse_and_verify(note.encode("utf-8"), VKEY).size == size


def test_signs_with_a_store_key_and_publishes_its_vkey() -> None:
    key = generate_key("checkpoint", NOW, note_name=ORIGIN)
    note = sign_checkpoint(ORIGIN, 3, root_of(LEAF_HASHES[:3]), key, ORIGIN)
    vkey = key.verification_key().note_vkey
    assert vkey is not None
    assert parse_and_verify(note, vkey).size == 3
    with pytest.raises(InvalidValue, match="not 'checkpoint'"):
        sign_checkpoint(ORIGIN, 3, root_of(LEAF_HASHES[:3]), generate_key("entry", NOW), ORIGIN)


def rejected(note: str | bytes, vkey: str = VKEY, **kwargs: Any) -> str:
    with pytest.raises(InvalidCheckpoint) as caught:
        parse_and_verify(note, vkey, **kwargs)
    return caught.value.reason


NOTE = NOTES[1][1]


@pytest.mark.parametrize("position", range(len(NOTE.split("\n\n")[0])))
def test_every_changed_body_byte_is_rejected(position: int) -> None:
    original = NOTE[position]
    replacement = "A" if original != "A" else "B"
    tampered = NOTE[:position] + replacement + NOTE[position + 1 :]
    assert rejected(tampered)


def test_a_changed_signature_is_rejected() -> None:
    body, signature_line = NOTE.split("\n\n")
    name, encoded = signature_line.removeprefix("— ").rstrip("\n").split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    tampered = f"{body}\n\n— {name} {base64.b64encode(bytes(raw)).decode()}\n"
    assert "does not verify" in rejected(tampered)


def test_an_unknown_key_is_rejected() -> None:
    other = verifier_key(ORIGIN, raw_public_key(Ed25519PrivateKey.generate()))
    assert "no signature by the trusted key" in rejected(NOTE, other)
    renamed = verifier_key("other.example/log", raw_public_key(ZERO_KEY))
    assert "no signature by the trusted key" in rejected(NOTE, renamed)


def test_bytes_that_are_not_utf8_are_rejected() -> None:
    assert "not UTF-8: bad byte at offset 0" in rejected(b"\xff" + NOTE.encode())


def test_other_signers_are_ignored_but_the_log_must_sign() -> None:
    witness = Ed25519PrivateKey.generate()
    body = checkpoint_body(ORIGIN, 3, root_of(LEAF_HASHES[:3]))
    witness_line = sign_note(body, witness, "witness.example/w1").split("\n\n")[1]
    cosigned = NOTE + witness_line
    assert parse_and_verify(cosigned, VKEY).size == 3
    only_witness = body + "\n" + witness_line
    assert "no signature by the trusted key" in rejected(only_witness)


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (NOTE.split("\n\n")[0] + "\n", "no blank line"),
        (NOTE.split("\n\n")[0] + "\n\n", "no signature line"),
        (NOTE.rstrip("\n"), "the note must end with a newline"),
        (NOTE.replace("— ", "-- "), "does not start with an em dash"),
        (NOTE.replace("— ", "—  "), "is not '— <key name> <signature>'"),
        # The text ends at the last blank line, so an extra one changes what was signed.
        (NOTE.replace("\n\n", "\n\n\n"), "does not verify"),
        (NOTE.replace(" txcZB", " !!!!!"), "not valid base64"),
        (NOTE.replace(" txcZB", " txcZA"), "no signature by the trusted key"),
        (NOTE.replace("\n", "\r\n"), "control character U+000D"),
        ("\n\n— x AAAAAAA=\n", "must be non-empty"),
        ("a\ud800\n\n— x AAAAAAA=\n", "lone surrogate at position 1"),
    ],
)
def test_malformed_notes_are_rejected(note: str, reason: str) -> None:
    assert reason in rejected(note)


def signed(body: str) -> str:
    return sign_note(body, ZERO_KEY, ORIGIN)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (f"{ORIGIN}\n3\n", "an origin, a size and a root hash line"),
        (f"{ORIGIN}\n03\n{base64.b64encode(bytes(32)).decode()}\n", "without leading zeros"),
        (f"{ORIGIN}\n-3\n{base64.b64encode(bytes(32)).decode()}\n", "without leading zeros"),
        (f"{ORIGIN}\n3\n{base64.b64encode(bytes(31)).decode()}\n", "31 bytes"),
        (f"{ORIGIN}\n3\nnot base64\n", "root hash"),
        (f"{ORIGIN}\n3\n{base64.b64encode(bytes(32)).decode()}\n\next\n", "must not be empty"),
    ],
)
def test_malformed_checkpoint_bodies_are_rejected(body: str, reason: str) -> None:
    assert reason in rejected(signed(body))


def test_extension_lines_are_kept_and_origin_is_checked() -> None:
    root = base64.b64encode(bytes(32)).decode()
    checkpoint = parse_and_verify(signed(f"{ORIGIN}\n0\n{root}\nextension one\n"), VKEY)
    assert checkpoint.extensions == ("extension one",)
    assert checkpoint.root_b64 == root
    assert "expected 'elsewhere.example/log'" in rejected(NOTE, origin="elsewhere.example/log")


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        ("no-plus-signs", r"expected <name>\+<hex key ID>\+<base64 key>"),
        (VKEY.replace("+b7171906+", "+B7171906+"), "8 lowercase hex digits"),
        (VKEY.replace("+b7171906+", "+b7171907+"), "does not match"),
        (VKEY.replace("Wdop", "Wdoq"), "does not match"),
        (VKEY.replace("+ATtq", "+AjTq"), "0x01 followed"),
        (VKEY[:-1], "not valid base64"),
        (f"{ORIGIN}+00000000+" + base64.b64encode(b"\x02" + bytes(32)).decode(), "0x01 followed"),
    ],
)
def test_bad_verifier_keys_are_refused(vkey: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        parse_and_verify(NOTE, vkey)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", 1, bytes(32)), "origin"),
        (("a\nb", 1, bytes(32)), "origin"),
        ((ORIGIN, -1, bytes(32)), "size"),
        ((ORIGIN, 1, bytes(31)), "root"),
    ],
)
def test_signing_refuses_impossible_checkpoints(args: tuple[str, int, bytes], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        sign_checkpoint(*args, ZERO_KEY, ORIGIN)
    assert caught.value.field == field


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there"])
def test_key_names_are_checked(name: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        sign_checkpoint(ORIGIN, 1, bytes(32), ZERO_KEY, name)
    assert caught.value.field == "note_name"
