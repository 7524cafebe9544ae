"""The key store: generation, file modes, encryption, rotation, identities, clear failures."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import InvalidValue, SigningUnavailable
from registry.ledger.note import parse_verifier_key
from registry.signing.keys import jwk_thumbprint, raw_public_key
from registry.signing.keystore import KEY_USES, KeyStore, VerificationKey

ORIGIN = "registry.example/patent-infringers/v1"
NOW = dt.datetime(2026, 1, 31, 8, 0, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 7, 1, 9, 30, 15, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    store = KeyStore(tmp_path / "keys", note_name=ORIGIN)
    store.ensure_keys(NOW)
    return store


def test_first_run_generates_one_current_key_per_use(store: KeyStore) -> None:
    records = store.public_keys()
    assert sorted(r["use"] for r in records) == sorted(KEY_USES)
    for record in records:
        assert set(record) == {
            "kid",
            "alg",
            "public_key",
            "note_vkey",
            "use",
            "valid_from",
            "valid_until",
        }
        assert record["alg"] == "Ed25519"
        assert record["valid_from"] == "2026-01-31T08:00:00Z"
        assert record["valid_until"] is None
        assert len(base64.b64decode(record["public_key"])) == 32
        assert (record["note_vkey"] is not None) == (record["use"] == "checkpoint")
        assert store.current(record["use"]).kid == record["kid"]


def test_ensure_keys_is_idempotent(store: KeyStore) -> None:
    before = store.public_keys()
    current = store.ensure_keys(LATER)
    assert store.public_keys() == before
    assert {use: key.kid for use, key in current.items()} == {r["use"]: r["kid"] for r in before}


def test_files_are_private(store: KeyStore) -> None:
    assert mode(store.directory) == 0o700
    pems = sorted(store.directory.glob("*.pem"))
    assert len(pems) == 4
    for path in [*pems, store.directory / "keys.json"]:
        assert mode(path) == 0o600, path


def test_files_are_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        store = KeyStore(tmp_path / "keys", note_name=ORIGIN)
        store.ensure_keys(NOW)
    finally:
        os.umask(previous)
    assert mode(store.directory) == 0o700
    assert {mode(p) for p in store.directory.glob("*.pem")} == {0o600}


def test_kid_is_the_rfc7638_thumbprint(store: KeyStore) -> None:
    # RFC 8037 appendix A.3 gives this thumbprint for its example Ed25519 key.
    seed = base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    public = raw_public_key(Ed25519PrivateKey.from_private_bytes(seed))
    assert jwk_thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    for record in store.public_keys():
        assert record["kid"] == jwk_thumbprint(base64.b64decode(record["public_key"]))
        assert (store.directory / f"{record['kid']}.pem").exists()


def test_checkpoint_key_publishes_its_note_verifier_key(store: KeyStore) -> None:
    key = store.current("checkpoint")
    record = next(r for r in store.public_keys() if r["use"] == "checkpoint")
    verifier = parse_verifier_key(record["note_vkey"])
    assert verifier.name == ORIGIN == key.note_name
    assert verifier.public_key == key.public_key


def test_a_new_instance_reads_the_same_keys(store: KeyStore) -> None:
    reopened = KeyStore(store.directory, note_name=ORIGIN)
    for use in KEY_USES:
        again = reopened.current(use)
        assert again.kid == store.current(use).kid
        assert again.verification_key().verifies(again.sign(b"m"), b"m")


def test_rotation_retires_the_old_key_but_keeps_it_published(store: KeyStore) -> None:
    old = store.current("entry")
    new = store.rotate("entry", LATER)
    assert new.kid != old.kid
    assert store.current("entry").kid == new.kid
    records = {r["kid"]: r for r in store.public_keys()}
    assert records[old.kid]["valid_until"] == "2026-07-01T01:30:15Z"
    assert records[new.kid]["valid_from"] == "2026-07-01T01:30:15Z"
    assert records[new.kid]["valid_until"] is None
    assert not (store.directory / f"{old.kid}.pem").exists()  # the private half is gone
    assert mode(store.directory / f"{new.kid}.pem") == 0o600
    retired = store.find(old.kid)
    assert retired is not None and retired.verifies(old.sign(b"signed before"), b"signed before")
    assert (
        store.current("index").kid
        == KeyStore(store.directory, note_name=ORIGIN).current("index").kid
    )


def test_find(store: KeyStore) -> None:
    key = store.current("receipt")
    found = store.find(key.kid)
    assert found == key.verification_key()
    assert store.find("no-such-kid") is None


def test_passphrase_encrypts_the_key_files(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, note_name=ORIGIN, passphrase="correct horse")
    store.ensure_keys(NOW)
    kid = store.current("entry").kid
    pem = (tmp_path / f"{kid}.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    reopened = KeyStore(tmp_path, note_name=ORIGIN, passphrase=b"correct horse")
    assert reopened.current("entry").kid == kid
    with pytest.raises(SigningUnavailable, match="is encrypted and no passphrase is set"):
        KeyStore(tmp_path, note_name=ORIGIN).current("entry")
    with pytest.raises(SigningUnavailable, match="cannot be decrypted with the passphrase"):
        KeyStore(tmp_path, note_name=ORIGIN, passphrase="wrong").current("entry")


def test_without_passphrase_keys_are_plain_pkcs8(store: KeyStore) -> None:
    pem = (store.directory / f"{store.current('index').kid}.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as caught:
        KeyStore(tmp_path, note_name=ORIGIN, passphrase="")
    assert caught.value.field == "passphrase"


def test_missing_key_file_names_the_file(store: KeyStore) -> None:
    path = store.directory / f"{store.current('entry').kid}.pem"
    path.unlink()
    with pytest.raises(SigningUnavailable, match=rf"signing key file {path} is missing"):
        KeyStore(store.directory, note_name=ORIGIN).current("entry")


def test_unreadable_key_file_names_the_file_and_why(store: KeyStore) -> None:
    path = store.directory / f"{store.current('entry').kid}.pem"
    path.unlink()
    path.mkdir()  # a directory where the key should be: unreadable for root too
    with pytest.raises(SigningUnavailable, match=rf"cannot read signing key file {path}: Is a dir"):
        KeyStore(store.directory, note_name=ORIGIN).current("entry")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_key_file_without_read_permission(store: KeyStore) -> None:
    path = store.directory / f"{store.current('entry').kid}.pem"
    path.chmod(0)
    with pytest.raises(SigningUnavailable, match="Permission denied"):
        KeyStore(store.directory, note_name=ORIGIN).current("entry")


def test_garbage_or_swapped_key_files_are_refused(store: KeyStore) -> None:
    entry = store.directory / f"{store.current('entry').kid}.pem"
    index = store.directory / f"{store.current('index').kid}.pem"
    fresh = KeyStore(store.directory, note_name=ORIGIN)
    entry.write_bytes(index.read_bytes())
    with pytest.raises(SigningUnavailable, match="holds a different key than its name says"):
        fresh.current("entry")
    entry.write_bytes(b"not a key")
    with pytest.raises(SigningUnavailable, match="is not a PEM key"):
        fresh.current("entry")


def test_missing_or_damaged_metadata(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", note_name=ORIGIN)
    with pytest.raises(SigningUnavailable, match=r"keys\.json is missing"):
        store.current("entry")
    store.ensure_keys(NOW)
    (store.directory / "keys.json").write_text('{"keys": [1.5]}')
    with pytest.raises(SigningUnavailable, match=r"keys\.json is damaged: floats are not allowed"):
        store.current("entry")
    (store.directory / "keys.json").write_text('{"keys": [{"kid": "../../etc", "use": "entry"}]}')
    with pytest.raises(SigningUnavailable, match=r"keys\[0\] needs a kid"):
        store.current("entry")
    record = {"kid": "A" * 43, "use": "entry"}
    (store.directory / "keys.json").write_text(json.dumps({"keys": [record]}))
    with pytest.raises(SigningUnavailable, match=r"keys\[0\] needs a base64 32-byte public_key"):
        store.current("entry")
    (store.directory / "keys.json").write_text('{"keys": []}')
    with pytest.raises(SigningUnavailable, match="has no current 'entry' key"):
        store.current("entry")


def test_checkpoint_key_is_bound_to_the_log_origin(store: KeyStore) -> None:
    elsewhere = KeyStore(store.directory, note_name="other.example/log")
    with pytest.raises(SigningUnavailable, match="rotate the checkpoint key"):
        elsewhere.current("checkpoint")
    assert elsewhere.current("entry").kid == store.current("entry").kid
    rotated = elsewhere.rotate("checkpoint", LATER)
    assert rotated.note_name == "other.example/log"
    assert elsewhere.current("checkpoint").kid == rotated.kid


def test_inputs_are_checked(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, note_name=ORIGIN)
    with pytest.raises(InvalidValue) as caught:
        store.ensure_keys(dt.datetime(2026, 1, 1))  # naive on purpose
    assert caught.value.field == "now"
    with pytest.raises(InvalidValue) as caught:
        store.rotate("audit", NOW)
    assert caught.value.field == "use"
    with pytest.raises(InvalidValue) as caught:
        KeyStore(tmp_path, note_name="has space")
    assert caught.value.field == "note_name"


def test_metadata_holds_no_private_material(store: KeyStore) -> None:
    text = (store.directory / "keys.json").read_text()
    assert "PRIVATE" not in text
    assert {r["kid"] for r in json.loads(text)["keys"]} == {r["kid"] for r in store.public_keys()}


def test_published_records_read_back_and_are_checked(store: KeyStore) -> None:
    record = store.public_keys()[0]
    assert VerificationKey.from_record(record).as_record() == record
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**record, "kid": "forged"})
    assert caught.value.field == "kid"
    checkpoint = next(r for r in store.public_keys() if r["use"] == "checkpoint")
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**checkpoint, "public_key": record["public_key"]})
    assert caught.value.field == "kid"
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**checkpoint, "note_vkey": store.public_keys()[0]["kid"]})
    assert caught.value.field == "vkey"
    other = KeyStore(store.directory.parent / "other", note_name=ORIGIN)
    other.ensure_keys(NOW)
    foreign = next(r for r in other.public_keys() if r["use"] == "checkpoint")["note_vkey"]
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**checkpoint, "note_vkey": foreign})
    assert caught.value.field == "note_vkey"
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**record, "valid_from": None})
    assert caught.value.field == "valid_from"
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**record, "alg": "RS256"})
    assert caught.value.field == "alg"
    with pytest.raises(InvalidValue) as caught:
        VerificationKey.from_record({**record, "public_key": base64.b64encode(bytes(31)).decode()})
    assert caught.value.field == "public_key"
