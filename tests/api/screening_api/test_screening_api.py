"""The screening API end to end on the demo data: keys, lookups, batches, as_of, receipts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.public_view import CACHE
from registry import clock
from registry.actors import SYSTEM
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import Listing, Receipt, ScreeningCall
from registry.publication.as_of import ListState, list_state
from registry.publication.checkpoints import sign_new_checkpoint
from registry.screening.receipts import verify_receipt
from registry.signing.signatures import SignatureInvalid
from registry.subjects.identifiers import mask_ric
from registry.verifier.proof_check import verify_entry_proof
from runtime.signing_keys import key_store
from tests import builders
from tests.api.conftest import SignedIn
from tests.api.screening_api.screening_fixtures import (
    DEMO_CLOCK,
    bearer,
    demo_app,
    demo_reviewers,
    new_key,
    published,
)

LATIN_FORMS = (
    "Gu Fen You Xian Gong Si",
    "You Xian Ze Ren Gong Si",
    "You Xian Gong Si",
)
HAN_FORMS = ("股份有限公司", "有限责任公司", "有限公司")


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry (overrides the empty app of tests/conftest.py)."""
    yield from demo_app(tmp_path, demo_template)


@pytest.fixture
def key(session: Session) -> str:
    """A key with the screen scope."""
    return new_key(session)


def _variants(subject: dict[str, Any]) -> dict[str, str]:
    """Misspelt, pinyin-only and suffix-less forms of a listed Chinese enterprise name."""
    name, latin = subject["name"], subject["name_latin"]
    core = next((name.removesuffix(f) for f in HAN_FORMS if name.endswith(f)), name)
    words = next((latin.removesuffix(" " + f) for f in LATIN_FORMS if latin.endswith(f)), latin)
    syllables = words.split()[3:]  # after the city: "Shen Zhen Shi"
    trade = syllables[0] + syllables[1].lower()
    industry = "".join(syllables[2:]).capitalize()
    typo = trade[:-1] + ("n" if trade[-1] != "n" else "m")
    return {
        "suffixless": core,
        "pinyin": f"{trade} {industry}",
        "misspelt": f"{typo} {industry} Co., Ltd.",
    }


def _batch(client: FlaskClient, key: str, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/screen", json=body, headers=bearer(key))
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _lookup(client: FlaskClient, key: str, **params: str) -> dict[str, Any]:
    response = client.post("/api/v1/lookup", json=params, headers=bearer(key))
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def test_a_bank_screens_1000_names_and_verifies_the_receipt(
    client: FlaskClient,
    signed_in: dict[str, SignedIn],
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    created = signed_in["admin"].post(
        "/api/v1/admin/api-keys", json={"name": "Example Bank", "scopes": ["screen"]}
    )
    assert created.status_code == 201
    secret = created.get_json()["key"]
    entries = client.get("/api/v1/entries?status=published&page_size=100").get_json()
    enterprises = [
        e
        for e in entries
        if e["bundle"]["entry"]["subject"]["identifiers"][0]["scheme"] == "cn_uscc"
    ]
    expected: list[tuple[str, str | None]] = []
    for entry in enterprises:
        for name in _variants(entry["bundle"]["entry"]["subject"]).values():
            expected.append((name, entry["entry_id"]))
    rng = random.Random(7)
    words = ["Harbor", "Maple", "Granite", "Aurora", "Juniper", "Copper", "Willow", "Falcon"]
    while len(expected) < 1000:
        name = f"{rng.choice(words)} {rng.choice(words)} Logistics {len(expected)}"
        expected.append((name, None))
    queries = [{"name": name, "ref": f"client-{i}"} for i, (name, _) in enumerate(expected)]

    started = time.perf_counter()
    body = _batch(client, secret, queries=queries)
    assert time.perf_counter() - started < 20
    found = {r["query"]: [m["entry_id"] for m in r["matches"]] for r in body["results"]}
    misses = [
        expected[i]
        for i, (_, entry_id) in enumerate(expected)
        if entry_id and entry_id not in found[i]
    ]
    assert not misses
    false_hits = [i for i, (_, entry_id) in enumerate(expected) if entry_id is None and found[i]]
    assert len(false_hits) <= 10
    first = body["results"][0]["matches"][0]
    assert 0 <= first["score"] <= 1 and first["status"] == "listed" and first["features"]
    assert body["results"][0]["ref"] == "client-0"

    receipt = body["receipt"]
    signed = verify_receipt(receipt, key_store().public_keys())
    assert signed["checkpoint"]["tree_size"] == body["checkpoint"]["tree_size"]
    assert len(signed["queries"]) == 1000 and signed["parameters"]["threshold"] == "0.8000"
    saved = tmp_path / "receipt.json"
    saved.write_text(json.dumps(receipt))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": key_store().public_keys()}))
    result = runner.invoke(args=["verify-receipt", str(saved), "--keys", str(keys)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output

    again = client.get(f"/api/v1/receipts/{signed['receipt_id']}", headers=bearer(secret))
    assert again.get_json() == receipt
    usage = client.get("/api/v1/usage", headers=bearer(secret)).get_json()
    assert usage[0]["query_count"] == 1000 and usage[0]["receipt_id"] == signed["receipt_id"]


def test_a_tampered_receipt_fails_offline_verification(
    client: FlaskClient, key: str, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    receipt = _batch(client, key, queries=[{"name": "Anything Ltd"}])["receipt"]
    receipt["signed"]["results"] = [{"query": 0, "matches": []}]
    receipt["signed"]["as_of"] = "2020-01-01"
    with pytest.raises(SignatureInvalid):
        verify_receipt(receipt, key_store().public_keys())
    saved = tmp_path / "receipt.json"
    saved.write_text(json.dumps({"receipt": receipt}))
    result = runner.invoke(args=["verify-receipt", str(saved)])
    assert result.exit_code != 0 and "NOT valid" in result.output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not on PATH")
def test_openssl_alone_verifies_a_receipt(client: FlaskClient, key: str, tmp_path: Path) -> None:
    receipt = _batch(client, key, queries=[{"name": "Anything Ltd"}])["receipt"]
    record = next(
        k for k in key_store().public_keys() if k["kid"] == receipt["signatures"][0]["kid"]
    )
    # The README's recipe: a PEM from the raw key and its SPKI prefix, the JCS bytes, the sig.
    spki = bytes.fromhex("302a300506032b6570032100") + base64.b64decode(record["public_key"])
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(spki).decode()
        + "\n-----END PUBLIC KEY-----\n"
    )
    (tmp_path / "key.pem").write_text(pem)
    (tmp_path / "msg").write_bytes(b"ipl.receipt/v1\0" + rfc8785.dumps(receipt["signed"]))
    (tmp_path / "sig").write_bytes(base64.b64decode(receipt["signatures"][0]["sig"]))
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin"]
    command += ["-in", "msg", "-sigfile", "sig"]
    ok = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout
    (tmp_path / "msg").write_bytes(b"ipl.receipt/v1\x00{}")
    bad = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode != 0


def test_excluded_entries_are_never_reported(
    client: FlaskClient, key: str, session: Session
) -> None:
    listing = published(session, "legal_person")[0]
    query = {"name": listing.subject.name}
    assert (
        _batch(client, key, queries=[query])["results"][0]["matches"][0]["entry_id"]
        == listing.entry_id
    )
    body = _batch(client, key, queries=[query], exclude_entry_ids=[listing.entry_id])
    assert listing.entry_id not in [m["entry_id"] for m in body["results"][0]["matches"]]
    assert body["receipt"]["signed"]["parameters"]["exclude_entry_ids"] == [listing.entry_id]


def test_as_of_answers_before_and_after_a_removal(
    app: Flask, client: FlaskClient, key: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = published(session, "legal_person")[0]
    uscc = listing.subject.identifiers[0].value
    removed_at = DEMO_CLOCK + dt.timedelta(days=10)
    monkeypatch.setattr(clock, "utcnow", lambda: removed_at)
    builders.remove(session, listing.id, on=removed_at.date(), reviewers=demo_reviewers(session))
    sign_new_checkpoint(session, key_store(), app.config["REGISTRY"]["LOG_ORIGIN"])
    # Answer two days after the removal, so that the day after it is not in the future.
    monkeypatch.setattr(clock, "utcnow", lambda: removed_at + dt.timedelta(days=2))

    def answer(day: dt.datetime) -> dict[str, Any]:
        return _lookup(client, key, scheme="cn_uscc", value=uscc, as_of=day.date().isoformat())

    before = answer(removed_at - dt.timedelta(days=3))
    assert before["answer"] == "listed"
    after = answer(removed_at + dt.timedelta(days=1))
    assert after["answer"] == "previously_listed"
    assert after["entries"][0]["ended_on"] == removed_at.date().isoformat()
    assert after["entries"][0]["end_reason"] == "error"
    assert answer(DEMO_CLOCK - dt.timedelta(days=1))["answer"] == "not_listed"
    assert _lookup(client, key, scheme="cn_uscc", value=uscc)["answer"] == "previously_listed"

    as_of = (removed_at - dt.timedelta(days=3)).date().isoformat()
    match = _batch(client, key, queries=[{"name": listing.subject.name}], as_of=as_of)
    assert match["results"][0]["matches"][0]["status"] == "listed"
    match = _batch(client, key, queries=[{"name": listing.subject.name}])
    assert match["results"][0]["matches"][0]["status"] == "previously_listed"


def test_lookups_as_of_many_days_move_the_kept_state_rather_than_replay_it(
    app: Flask, client: FlaskClient, key: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each `as_of` day used to replay the whole list and keep a whole copy of it per worker.
    uscc = published(session, "legal_person")[0].subject.identifiers[0].value
    replayed: list[dt.date] = []

    def counted(session: Session, tree_size: int, day: dt.date) -> ListState:
        replayed.append(day)
        return list_state(session, tree_size, day)

    monkeypatch.setattr("registry.publication.public_view.list_state", counted)
    today = clock.beijing_today()
    answers = {
        back: _lookup(
            client, key, scheme="cn_uscc", value=uscc, as_of=str(today - dt.timedelta(days=back))
        )["answer"]
        for back in range(12)
    }
    assert answers[0] == _lookup(client, key, scheme="cn_uscc", value=uscc)["answer"]
    assert replayed == [today]  # the first state only; every other day moved from it
    states = app.extensions[CACHE]._states.values()
    shared = {id(entry) for state in states for entry in state.entries.values()}
    assert len(shared) < 2 * max(len(state.entries) for state in states)


def test_an_expired_entry_is_never_reported_as_listed(
    app: Flask, client: FlaskClient, key: str, session: Session
) -> None:
    expired = session.scalars(select(Listing).where(Listing.state == "expired")).first()
    assert expired is not None
    found = _lookup(
        client,
        key,
        scheme=expired.subject.identifiers[0].scheme,
        value=expired.subject.identifiers[0].value,
        **_other_name(expired),
    )
    assert found["answer"] == "previously_listed"
    assert found["entries"][0]["end_reason"] == "expired"

    # A period that ended before the publisher logged the expiry is already over.
    approved = session.scalars(select(Listing).where(Listing.state == "approved")).first()
    assert approved is not None
    long_ago = dt.date.today() - dt.timedelta(days=3 * 365 + 30)
    policy = Policy.from_settings(app.config["REGISTRY"])
    workflow.publish_approved(session, SYSTEM, key_store(), policy, approved.id, long_ago)
    sign_new_checkpoint(session, key_store(), app.config["REGISTRY"]["LOG_ORIGIN"])
    assert approved.state == "published"
    identifier = approved.subject.identifiers[0]
    found = _lookup(
        client, key, scheme=identifier.scheme, value=identifier.value, **_other_name(approved)
    )
    assert found["answer"] == "previously_listed"
    assert found["entries"][0]["end_reason"] == "expired"
    statuses = [
        m["status"]
        for m in _batch(client, key, queries=[{"name": approved.subject.name}])["results"][0][
            "matches"
        ]
        if m["entry_id"] == approved.entry_id
    ]
    assert statuses == ["previously_listed"]


def _other_name(listing: Listing) -> dict[str, str]:
    identifier = listing.subject.identifiers[0]
    return {"name": identifier.scheme_name} if identifier.scheme == "other" else {}


@pytest.mark.parametrize(
    ("scheme", "value", "name"),
    [
        ("hkmo_permit", "H12345678", None),
        ("tw_permit", "12345678", None),
        ("hkmotw_residence", "810000199001011234", None),
        ("foreign_pr", "USA350000199001011234", None),
        ("passport", "E12345678", "GB"),
    ],
)
def test_every_personal_scheme_is_refused_in_a_url(
    client: FlaskClient, key: str, scheme: str, value: str, name: str | None
) -> None:
    # Any number that identifies a person would reach access logs and proxies in a URL.
    query = {"scheme": scheme, "value": value, **({"name": name} if name else {})}
    in_url = client.get("/api/v1/lookup", query_string=query, headers=bearer(key))
    assert in_url.status_code == 422
    assert f"{scheme} lookups are personal data" in in_url.get_json()["errors"]["scheme"][0]


def test_a_full_id_number_confirms_but_is_never_echoed(
    client: FlaskClient, key: str, session: Session
) -> None:
    person = published(session, "natural_person")[0]
    full = person.subject.identifiers[0].value
    response = client.post(
        "/api/v1/lookup", json={"scheme": "cn_ric", "value": full}, headers=bearer(key)
    )
    assert response.get_json()["answer"] == "listed"
    # In a URL the number would reach access logs and proxies: GET refuses it.
    in_url = client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_ric", "value": full}, headers=bearer(key)
    )
    assert in_url.status_code == 422
    assert "POST them to /api/v1/lookup" in in_url.get_json()["errors"]["scheme"][0]
    assert response.get_json()["query"]["value"] == mask_ric(full)
    screened = client.post(
        "/api/v1/screen",
        json={"queries": [{"identifiers": [{"scheme": "cn_ric", "value": full}]}]},
        headers=bearer(key),
    )
    match = screened.get_json()["results"][0]["matches"][0]
    assert match["entry_id"] == person.entry_id and match["score"] == 1.0
    stored = json.dumps([r.envelope for r in session.scalars(select(Receipt))])
    for text in (response.get_data(as_text=True), screened.get_data(as_text=True), stored):
        assert full not in text
    assert mask_ric(full) in stored


def test_a_private_receipt_carries_only_the_hash_of_the_queries(
    client: FlaskClient, key: str, session: Session
) -> None:
    body = _batch(client, key, queries=[{"name": "Secret Counterparty Ltd"}], privacy=True)
    signed = body["receipt"]["signed"]
    assert "queries" not in signed and len(signed["queries_sha256"]) == 64
    assert "Secret Counterparty" not in json.dumps(body["receipt"])
    calls = session.scalars(select(ScreeningCall)).all()
    assert [(c.endpoint, c.query_count) for c in calls] == [("screen", 1)]


def test_invalid_requests_name_the_field(client: FlaskClient, key: str) -> None:
    too_many = client.post(
        "/api/v1/screen", json={"queries": [{"name": "A"}] * 1001}, headers=bearer(key)
    )
    assert too_many.status_code == 422 and "queries" in too_many.get_json()["errors"]
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    future = client.post(
        "/api/v1/screen", json={"queries": [{"name": "A"}], "as_of": tomorrow}, headers=bearer(key)
    )
    assert future.status_code == 422 and "as_of" in future.get_json()["errors"]
    empty = client.post("/api/v1/screen", json={"queries": [{"name": " "}]}, headers=bearer(key))
    assert empty.status_code == 422 and "queries[0].name" in empty.get_json()["errors"]
    bad_code = client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_uscc", "value": "123"}, headers=bearer(key)
    )
    assert bad_code.status_code == 422 and "value" in bad_code.get_json()["errors"]
    no_name = client.get(
        "/api/v1/lookup", query_string={"scheme": "other", "value": "HRB 1"}, headers=bearer(key)
    )
    assert no_name.status_code == 422 and "name" in no_name.get_json()["errors"]


def test_receipts_belong_to_the_key_that_got_them(
    client: FlaskClient, key: str, session: Session
) -> None:
    receipt = _batch(client, key, queries=[{"name": "A Ltd"}])["receipt"]
    other = new_key(session)
    path = f"/api/v1/receipts/{receipt['signed']['receipt_id']}"
    assert client.get(path, headers=bearer(other)).status_code == 404
    assert client.get(path, headers=bearer(key)).status_code == 200


def test_a_lookup_names_the_subject_and_links_the_entry(client: FlaskClient, key: str) -> None:
    entries = client.get("/api/v1/entries?status=published&page_size=100").get_json()
    entry = next(
        e
        for e in entries
        if e["bundle"]["entry"]["subject"]["identifiers"][0]["scheme"] == "cn_uscc"
    )
    subject = entry["bundle"]["entry"]["subject"]
    found = _lookup(client, key, scheme="cn_uscc", value=subject["identifiers"][0]["value"])
    assert found["answer"] == "listed"
    assert found["entries"][0]["name"] == subject["name"]
    assert found["entries"][0]["url"] == f"http://127.0.0.1:5000/entries/{entry['entry_id']}"
    # The signed receipt keeps its contract: no name or address in its results.
    assert "name" not in found["receipt"]["signed"]["results"][0]["entries"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"queries": [{"name": "A"}, {"name": ""}]}, "queries[1].name"),
        ({"queries": [{"name": "A"}, {"name": "华" * 301}]}, "queries[1].name"),
        ({"queries": [{"name": "A"}] * 1001}, "queries"),
        (
            {
                "queries": [
                    {"name": "A"},
                    {"name": "B", "identifiers": [{"scheme": "lei", "value": "1"}]},
                ]
            },
            "queries[1].identifiers[0].scheme",
        ),
        ({"queries": [{"name": "A"}], "threshold": 1.5}, "threshold"),
        ({"queries": [{"name": "A"}], "threshold": -0.1}, "threshold"),
    ],
)
def test_bad_input_is_a_422_naming_the_query_and_field(
    client: FlaskClient,
    key: str,
    body: dict[str, Any],
    field: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    response = client.post("/api/v1/screen", json=body, headers=bearer(key))
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    # No query text is logged, valid or not.
    assert "华华华" not in caplog.text and "'B'" not in caplog.text


def test_answers_carry_a_proof_bundle_for_each_listed_entry_checkable_offline(
    client: FlaskClient, key: str
) -> None:
    entries = client.get("/api/v1/entries?status=published&page_size=100").get_json()
    entry = next(
        e
        for e in entries
        if e["bundle"]["entry"]["subject"]["identifiers"][0]["scheme"] == "cn_uscc"
    )
    subject = entry["bundle"]["entry"]["subject"]
    found = _lookup(client, key, scheme="cn_uscc", value=subject["identifiers"][0]["value"])
    screened = client.post(
        "/api/v1/screen", json={"queries": [{"name": subject["name"]}]}, headers=bearer(key)
    ).get_json()
    vkey = key_store().current("checkpoint").verification_key().note_vkey
    policy = f"log {vkey}\nquorum none\n".encode()
    document = json.dumps(entry["bundle"], ensure_ascii=False).encode()

    for answer in (found, screened):
        assert set(answer["proofs"]) == {entry["entry_id"]}
        proved = verify_entry_proof(answer["proofs"][entry["entry_id"]].encode(), document, policy)
        assert proved.entry_id == entry["entry_id"]
        assert proved.tree_size == answer["checkpoint"]["tree_size"]
    # Entries no longer listed get no bundle: nothing to prove on the bank's behalf.
    removed = client.get("/api/v1/entries?status=removed&page_size=100").get_json()
    gone = next(
        e
        for e in removed
        if e["bundle"]["entry"]["subject"]["identifiers"][0]["scheme"] == "cn_uscc"
    )
    value = gone["bundle"]["entry"]["subject"]["identifiers"][0]["value"]
    answer = _lookup(client, key, scheme="cn_uscc", value=value)
    assert answer["answer"] == "previously_listed" and answer["proofs"] == {}
