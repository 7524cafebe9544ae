"""Signed entries and envelopes: the exact bytes signed, verification, and every refusal."""

from __future__ import annotations

import base64
import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.canonical import canonical_bytes
from registry.errors import InvalidValue
from registry.signing.keystore import KeyStore
from registry.signing.signatures import (
    FEED_INDEX_TYPE,
    RECEIPT_TYPE,
    SignatureInvalid,
    new_nonce,
    sign_entry,
    sign_envelope,
    signing_message,
    verify_entry,
    verify_envelope,
)

ORIGIN = "registry.example/patent-infringers/v1"
NOW = dt.datetime(2026, 1, 31, 8, 0, tzinfo=dt.UTC)
ENTRY: dict[str, Any] = {
    "type": "ipl.entry/v1",
    "entry_id": "IPL-2026-000123",
    "revision": 1,
    "status": "published",
    "subject": {
        "kind": "legal_person",
        "name": "某某科技有限公司",
        "name_latin": "Mou Mou Ke Ji",
        "aliases": [],
        "identifiers": [{"scheme": "cn_uscc", "value": "91350100M000100Y43"}],
        "region": "350100",
    },
    "grounds": [{"code": "repeat_infringement", "explanation": "two effective findings"}],
    "listed_on": "2026-01-31",
    "period_end": "2029-01-31",
    "nonce": "AAECAwQFBgcICQoLDA0ODw==",
}
INDEX = {
    "type": FEED_INDEX_TYPE,
    "version": 7,
    "issued_at": "2026-01-31T08:00:00Z",
    "resources": [{"name": "snapshot", "path": "snapshot/7.jsonl", "size": 10, "count": 1}],
}


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    store = KeyStore(tmp_path / "keys", note_name=ORIGIN)
    store.ensure_keys(NOW)
    return store


def test_entry_signature_covers_type_nul_and_jcs(store: KeyStore) -> None:
    key = store.current("entry")
    bundle = sign_entry(ENTRY, key)
    assert bundle["entry"] == ENTRY
    assert bundle["signature"]["alg"] == "Ed25519"
    assert bundle["signature"]["kid"] == key.kid
    message = b"ipl.entry/v1\x00" + canonical_bytes(ENTRY)
    assert signing_message("ipl.entry/v1", ENTRY) == message
    raw = base64.b64decode(bundle["signature"]["sig"])
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(raw, message)
    verify_entry(bundle, store.public_keys())
    verify_entry(bundle, store.verification_keys())


def test_a_changed_entry_fails(store: KeyStore) -> None:
    bundle = sign_entry(ENTRY, store.current("entry"))
    tampered = copy.deepcopy(bundle)
    tampered["entry"]["subject"]["name"] = "另一家公司"
    with pytest.raises(SignatureInvalid, match="does not match its signature"):
        verify_entry(tampered, store.public_keys())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda b: b.pop("signature"), "expected an object with 'entry' and 'signature'"),
        (lambda b: b["signature"].update(alg="EdDSA"), "signature.alg must be 'Ed25519'"),
        (lambda b: b["signature"].update(kid="unknown"), "'unknown' is not a known public key"),
        (lambda b: b["signature"].update(sig="***"), "not valid base64"),
        (lambda b: b["signature"].update(sig=base64.b64encode(bytes(63)).decode()), "63 bytes"),
        (lambda b: b["signature"].update(sig=None), "must be a base64 string"),
        (lambda b: b["entry"].update(type="ipl.receipt/v1"), "entry.type must be"),
    ],
)
def test_malformed_bundles_are_refused(store: KeyStore, change: Any, reason: str) -> None:
    bundle = copy.deepcopy(sign_entry(ENTRY, store.current("entry")))
    change(bundle)
    with pytest.raises(SignatureInvalid) as caught:
        verify_entry(bundle, store.public_keys())
    assert reason in caught.value.reason


def test_a_key_for_another_use_cannot_sign_or_verify_entries(store: KeyStore) -> None:
    with pytest.raises(InvalidValue) as caught:
        sign_entry(ENTRY, store.current("index"))
    assert caught.value.field == "key"
    index_key = store.current("index")
    forged = {
        "entry": ENTRY,
        "signature": {
            "alg": "Ed25519",
            "kid": index_key.kid,
            "sig": base64.b64encode(
                index_key.sign(signing_message("ipl.entry/v1", ENTRY))
            ).decode(),
        },
    }
    with pytest.raises(SignatureInvalid, match="is a key for 'index', not for 'entry'"):
        verify_entry(forged, store.public_keys())


def test_entries_must_say_their_type(store: KeyStore) -> None:
    with pytest.raises(InvalidValue) as caught:
        sign_entry({**ENTRY, "type": "ipl.entry/v3"}, store.current("entry"))
    assert caught.value.field == "entry.type"
    with pytest.raises(InvalidValue) as caught:
        sign_entry({**ENTRY, "revision": 1.0}, store.current("entry"))
    assert caught.value.field == "$.revision"


def test_v1_and_v2_entries_are_signed_and_verified_under_their_own_type(store: KeyStore) -> None:
    v2 = {**ENTRY, "type": "ipl.entry/v2"}
    for entry in (ENTRY, v2):
        bundle = sign_entry(entry, store.current("entry"))
        verify_entry(bundle, store.public_keys())
        raw = base64.b64decode(bundle["signature"]["sig"])
        message = entry["type"].encode() + b"\x00" + canonical_bytes(entry)
        Ed25519PublicKey.from_public_bytes(store.current("entry").public_key).verify(raw, message)
    # A v1 signature does not verify the same content relabelled v2: the type is signed.
    relabelled = sign_entry(ENTRY, store.current("entry"))
    relabelled["entry"] = {**relabelled["entry"], "type": "ipl.entry/v2"}
    with pytest.raises(SignatureInvalid, match="does not match its signature"):
        verify_entry(relabelled, store.public_keys())


def test_signatures_survive_rotation(store: KeyStore) -> None:
    bundle = sign_entry(ENTRY, store.current("entry"))
    envelope = sign_envelope(FEED_INDEX_TYPE, INDEX, store.current("index"))
    store.rotate("entry", NOW + dt.timedelta(days=30))
    store.rotate("index", NOW + dt.timedelta(days=30))
    verify_entry(bundle, store.public_keys())
    verify_envelope(FEED_INDEX_TYPE, envelope, store.public_keys())
    newer = sign_entry(ENTRY, store.current("entry"))
    assert newer["signature"]["kid"] != bundle["signature"]["kid"]
    verify_entry(newer, store.public_keys())


def test_envelopes_for_index_and_receipt(store: KeyStore) -> None:
    envelope = sign_envelope(FEED_INDEX_TYPE, INDEX, store.current("index"))
    assert set(envelope) == {"signed", "signatures"}
    assert envelope["signatures"][0]["kid"] == store.current("index").kid
    verify_envelope(FEED_INDEX_TYPE, envelope, store.public_keys())
    receipt = {"type": RECEIPT_TYPE, "receipt_id": "r-1", "results": []}
    signed_receipt = sign_envelope(RECEIPT_TYPE, receipt, store.current("receipt"))
    verify_envelope(RECEIPT_TYPE, signed_receipt, store.public_keys())
    raw = base64.b64decode(signed_receipt["signatures"][0]["sig"])
    Ed25519PublicKey.from_public_bytes(store.current("receipt").public_key).verify(
        raw, b"ipl.receipt/v1\x00" + canonical_bytes(receipt)
    )


def test_envelope_refusals(store: KeyStore) -> None:
    envelope = sign_envelope(FEED_INDEX_TYPE, INDEX, store.current("index"))
    keys = store.public_keys()

    def reason(candidate: Any, type_: str = FEED_INDEX_TYPE) -> str:
        with pytest.raises(SignatureInvalid) as caught:
            verify_envelope(type_, candidate, keys)
        return caught.value.reason

    assert "signed.type must be 'ipl.receipt/v1'" in reason(envelope, RECEIPT_TYPE)
    changed = copy.deepcopy(envelope)
    changed["signed"]["version"] = 8
    assert "does not match the signed content" in reason(changed)
    assert "no signature by a known 'index' key" in reason({**envelope, "signatures": []})
    stranger = {"kid": "someone-else", "sig": base64.b64encode(bytes(64)).decode()}
    assert "no signature by a known" in reason({**envelope, "signatures": [stranger]})
    assert "must be an object" in reason({**envelope, "signatures": ["x"]})
    assert "expected an object" in reason({"signed": INDEX})
    wrong_use = sign_envelope(RECEIPT_TYPE, {"type": RECEIPT_TYPE}, store.current("receipt"))
    relabelled = {"signed": {**INDEX}, "signatures": wrong_use["signatures"]}
    assert "is a key for 'receipt', not for 'index'" in reason(relabelled)


def test_unknown_cosigners_are_ignored_but_bad_known_signatures_are_not(store: KeyStore) -> None:
    envelope = sign_envelope(FEED_INDEX_TYPE, INDEX, store.current("index"))
    stranger = {"kid": "someone-else", "sig": "not even base64"}
    cosigned = {**envelope, "signatures": [stranger, *envelope["signatures"]]}
    verify_envelope(FEED_INDEX_TYPE, cosigned, store.public_keys())
    bad = {**envelope["signatures"][0], "sig": base64.b64encode(bytes(64)).decode()}
    with pytest.raises(SignatureInvalid, match=r"signatures\[1\]"):
        doubled = {**envelope, "signatures": [*envelope["signatures"], bad]}
        verify_envelope(FEED_INDEX_TYPE, doubled, store.public_keys())


def test_envelope_types_are_checked(store: KeyStore) -> None:
    with pytest.raises(InvalidValue) as caught:
        sign_envelope("ipl.entry/v1", ENTRY, store.current("entry"))
    assert caught.value.field == "type"
    with pytest.raises(InvalidValue) as caught:
        sign_envelope("ipl.other/v1", {"type": "ipl.other/v1"}, store.current("index"))
    assert caught.value.field == "type"
    with pytest.raises(InvalidValue) as caught:
        sign_envelope(FEED_INDEX_TYPE, {**INDEX, "type": RECEIPT_TYPE}, store.current("index"))
    assert caught.value.field == "signed.type"


def test_domain_separation_stops_cross_type_replay(store: KeyStore) -> None:
    key = store.current("entry")
    # A signature over the bare JCS bytes (no type prefix) is not an entry signature.
    bare = {
        "entry": ENTRY,
        "signature": {
            "alg": "Ed25519",
            "kid": key.kid,
            "sig": base64.b64encode(key.sign(canonical_bytes(ENTRY))).decode(),
        },
    }
    with pytest.raises(SignatureInvalid):
        verify_entry(bare, store.public_keys())


def test_new_nonce_is_16_random_bytes() -> None:
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    assert {len(base64.b64decode(n, validate=True)) for n in nonces} == {16}
