"""Cosignatures (c2sp.org/tlog-cosignature): the spec example, and a verifier from the spec."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.errors import InvalidValue
from registry.ledger.cosignature import (
    Cosignature,
    InvalidCosignature,
    add_signature_lines,
    cosign,
    cosigner_vkey,
    parse_cosigner_vkey,
    signed_message,
    verify_cosignatures,
)
from registry.ledger.note import InvalidNote, sign_note, verifier_key
from registry.signing.keys import raw_public_key

# The example checkpoint and cosignature line of c2sp.org/tlog-cosignature.
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_COSIGNATURE = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
    "mbIUBkBIfZ+qnA=="
)
WITNESS = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG = Ed25519PrivateKey.from_private_bytes(bytes(32))
NAME = "witness.example/w1"


def spec_verify(text: str, line: str, name: str, public_key: bytes) -> int:
    """Verify a cosignature line using only the specification's definitions; return its time."""
    expected_id = hashlib.sha256(name.encode() + b"\n\x04" + public_key).digest()[:4]
    prefix = "\u2014 " + name + " "
    assert line.startswith(prefix) and line.endswith("\n")
    raw = base64.b64decode(line[len(prefix) : -1])
    assert raw[:4] == expected_id and len(raw) == 76
    timestamp = int.from_bytes(raw[4:12], "big")
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text.encode()
    Ed25519PublicKey.from_public_bytes(public_key).verify(raw[12:], message)
    return timestamp


def test_the_spec_example_is_a_timestamped_signature_of_the_right_size() -> None:
    raw = base64.b64decode(SPEC_COSIGNATURE)
    assert len(raw) == 4 + 8 + 64
    # The spec's signed-message example has `time 1679315147` for this very checkpoint.
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    assert signed_message(SPEC_TEXT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + SPEC_TEXT.encode()
    )


def test_a_cosignature_verifies_with_a_verifier_written_from_the_spec() -> None:
    line = cosign(SPEC_TEXT, WITNESS, NAME, 1679315147)
    assert spec_verify(SPEC_TEXT, line, NAME, raw_public_key(WITNESS)) == 1679315147
    # Ed25519 is deterministic: the same key, text and time give the same bytes.
    assert line == cosign(SPEC_TEXT, WITNESS, NAME, 1679315147)


def test_cosigned_checkpoint_verifies_for_the_cosigner_and_ignores_others() -> None:
    note = sign_note(SPEC_TEXT, LOG, "example.com/behind-the-sofa")
    cosigned = add_signature_lines(note, cosign(SPEC_TEXT, WITNESS, NAME, 1700000000))
    vkey = parse_cosigner_vkey(cosigner_vkey(NAME, raw_public_key(WITNESS)))
    other = parse_cosigner_vkey(cosigner_vkey("other.example/w", raw_public_key(LOG)))
    found = verify_cosignatures(cosigned, [vkey, other])
    assert found == [Cosignature(NAME, vkey.key_id, 1700000000)]
    assert verify_cosignatures(note, [vkey]) == []


def test_a_cosignature_by_another_key_under_the_same_name_is_ignored() -> None:
    impostor = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
    note = sign_note(SPEC_TEXT, LOG, "example.com/behind-the-sofa")
    cosigned = add_signature_lines(note, cosign(SPEC_TEXT, impostor, NAME, 1700000000))
    vkey = parse_cosigner_vkey(cosigner_vkey(NAME, raw_public_key(WITNESS)))
    assert verify_cosignatures(cosigned, [vkey]) == []


def test_a_tampered_cosignature_of_a_known_key_is_refused() -> None:
    note = sign_note(SPEC_TEXT, LOG, "example.com/behind-the-sofa")
    line = cosign(SPEC_TEXT, WITNESS, NAME, 1700000000)
    # Change the timestamp: the key ID still matches, so the line must verify or be refused.
    prefix, encoded = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[11] ^= 1
    forged = f"{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    vkey = parse_cosigner_vkey(cosigner_vkey(NAME, raw_public_key(WITNESS)))
    with pytest.raises(InvalidCosignature, match="does not verify"):
        verify_cosignatures(note + forged, [vkey])
    short = f"{prefix} {base64.b64encode(bytes(raw[:40])).decode()}\n"
    with pytest.raises(InvalidCosignature, match="40 bytes, not 76"):
        verify_cosignatures(note + short, [vkey])


def test_a_log_key_is_not_a_cosigner_key() -> None:
    with pytest.raises(InvalidValue, match="0x04"):
        parse_cosigner_vkey(verifier_key(NAME, raw_public_key(WITNESS)))


def test_timestamps_beyond_the_u63_range_are_refused() -> None:
    with pytest.raises(InvalidCosignature, match="timestamp"):
        cosign(SPEC_TEXT, WITNESS, NAME, 2**63)


def test_signature_lines_to_append_must_be_signature_lines() -> None:
    note = sign_note(SPEC_TEXT, LOG, "example.com/behind-the-sofa")
    with pytest.raises(InvalidNote, match="not a signature line"):
        add_signature_lines(note, "hello\n")
    line = cosign(SPEC_TEXT, WITNESS, NAME, 1)
    assert add_signature_lines(add_signature_lines(note, line), line) == note + line
