"""The public log API: checkpoint, proofs that verify against it, keys, and 4xx for bad input."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.ledger.checkpoint import parse_and_verify
from registry.ledger.hashing import leaf_hash
from registry.ledger.proofs import root_of, verify_consistency, verify_inclusion
from registry.models import LogEvent
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.api.ledger_api.ledger_fixtures import published_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with published_demo(tmp_path_factory, "log-api") as application:
        yield application


@pytest.fixture
def api(demo: Flask) -> FlaskClient:
    return demo.test_client()


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def checkpoint_of(api: FlaskClient) -> dict[str, Any]:
    response = api.get("/api/v1/log/checkpoint")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_the_checkpoint_is_the_signed_note_of_the_whole_log(api: FlaskClient) -> None:
    body = checkpoint_of(api)
    vkey = key_store().current("checkpoint").verification_key().note_vkey
    assert vkey is not None

    checkpoint = parse_and_verify(body["note"], vkey)

    size = db.session.scalar(select(func.count()).select_from(LogEvent))
    assert (body["origin"], body["tree_size"], b64(body["root"])) == (
        checkpoint.origin,
        size,
        checkpoint.root,
    )
    assert checkpoint.origin == "registry.example/patent-infringers/v1"


def test_inclusion_proofs_by_index_verify_against_the_checkpoint(api: FlaskClient) -> None:
    checkpoint = checkpoint_of(api)
    root, size = b64(checkpoint["root"]), checkpoint["tree_size"]
    for index in (0, 1, size // 2, size - 1):
        body = api.get(f"/api/v1/log/proof/inclusion?index={index}").get_json()

        leaf = b64(body["leaf"])
        assert b64(body["leaf_hash"]) == leaf_hash(leaf)
        assert body["event"]["seq"] == index
        assert (body["tree_size"], body["checkpoint"]) == (size, checkpoint["note"])
        verify_inclusion(index, size, leaf_hash(leaf), [b64(p) for p in body["proof"]], root)


def test_a_proof_in_an_older_tree_links_to_the_checkpoint_by_consistency(
    api: FlaskClient,
) -> None:
    checkpoint = checkpoint_of(api)
    body = api.get("/api/v1/log/proof/inclusion?index=4&tree_size=7").get_json()
    older_root = b64(body["root"])
    verify_inclusion(4, 7, b64(body["leaf_hash"]), [b64(p) for p in body["proof"]], older_root)
    assert body["checkpoint"] is None  # the log never signed size 7 on its own

    link = api.get("/api/v1/log/proof/consistency?first=7").get_json()

    assert b64(link["first_root"]) == older_root
    verify_consistency(
        7,
        checkpoint["tree_size"],
        [b64(p) for p in link["proof"]],
        older_root,
        b64(checkpoint["root"]),
    )


def test_inclusion_by_entry_proves_its_latest_listed_or_amended_leaf(
    api: FlaskClient, demo: Flask
) -> None:
    checkpoint = checkpoint_of(api)
    amended = db.session.scalars(select(LogEvent).where(LogEvent.event == "amended")).first()
    assert amended is not None, "the demo amends two listings"

    latest = api.get(f"/api/v1/log/proof/inclusion?entry_id={amended.entry_id}").get_json()
    first = api.get(
        f"/api/v1/log/proof/inclusion?entry_id={amended.entry_id}&revision=1"
    ).get_json()

    assert (latest["index"], latest["event"]["event"]) == (amended.seq, "amended")
    assert (first["event"]["event"], first["event"]["revision"]) == ("listed", 1)
    for body in (latest, first):
        verify_inclusion(
            body["index"],
            checkpoint["tree_size"],
            leaf_hash(b64(body["leaf"])),
            [b64(p) for p in body["proof"]],
            b64(checkpoint["root"]),
        )


def test_an_entry_logged_after_the_requested_size_is_not_yet_covered(api: FlaskClient) -> None:
    late = db.session.scalar(select(LogEvent).where(LogEvent.seq == 20))
    assert late is not None and late.revision == 1

    response = api.get(f"/api/v1/log/proof/inclusion?entry_id={late.entry_id}&tree_size=5")

    assert response.status_code == 404
    assert "not yet covered by the checkpoint of size 5" in response.get_json()["message"]


def test_consistency_proofs_verify_for_every_older_size(api: FlaskClient) -> None:
    checkpoint = checkpoint_of(api)
    size, root = checkpoint["tree_size"], b64(checkpoint["root"])
    leaves = api.get(f"/api/v1/log/entries?limit={size}").get_json()["entries"]
    hashes = [b64(item["leaf_hash"]) for item in leaves]
    assert root_of(hashes) == root
    for first in range(1, size + 1):
        body = api.get(f"/api/v1/log/proof/consistency?first={first}").get_json()

        assert b64(body["first_root"]) == root_of(hashes[:first])
        verify_consistency(
            first, size, [b64(p) for p in body["proof"]], root_of(hashes[:first]), root
        )


def test_entries_are_pages_of_leaves(api: FlaskClient) -> None:
    body = api.get("/api/v1/log/entries?start=3&limit=2").get_json()

    assert [item["index"] for item in body["entries"]] == [3, 4]
    assert [item["event"]["seq"] for item in body["entries"]] == [3, 4]
    assert body["start"] == 3


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("proof/inclusion?index=-1", 422, "index"),
        ("proof/inclusion?index=abc", 422, "index"),
        ("proof/inclusion", 422, "index"),
        ("proof/inclusion?index=1&entry_id=IPL-2026-000001", 422, "index"),
        ("proof/inclusion?revision=2&index=1", 422, "revision"),
        ("proof/inclusion?index=1&tree_size=0", 422, "tree_size"),
        ("proof/inclusion?index=1&tree_size=100000", 422, "tree_size"),
        ("proof/inclusion?index=5&tree_size=5", 422, "index"),
        ("proof/inclusion?entry_id=IPL-1999-000001", 404, None),
        ("proof/inclusion?entry_id=IPL-2026-000001&revision=99", 404, None),
        ("proof/consistency", 422, "first"),
        ("proof/consistency?first=0", 422, "first"),
        ("proof/consistency?first=9&second=8", 422, "first"),
        ("proof/consistency?first=1&second=100000", 422, "second"),
        ("entries?limit=0", 422, "limit"),
        ("entries?limit=5000", 422, "limit"),
        ("entries?start=-3", 422, "start"),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(
    api: FlaskClient, query: str, status: int, field: str | None
) -> None:
    response = api.get(f"/api/v1/log/{query}")

    assert response.status_code == status
    body = response.get_json()
    assert body["status"] == status and body["message"]
    if field is not None:
        assert field in body["errors"], body


def test_keys_are_published_with_an_etag_at_two_addresses(api: FlaskClient) -> None:
    response = api.get("/api/v1/keys")
    well_known = api.get("/.well-known/registry-keys.json")

    assert response.get_json() == {"keys": key_store().public_keys()}
    assert well_known.get_data() == response.get_data()
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    again = api.get("/.well-known/registry-keys.json", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_the_log_api_is_in_the_openapi_spec(api: FlaskClient) -> None:
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]

    for path in (
        "/api/v1/log/checkpoint",
        "/api/v1/log/proof/inclusion",
        "/api/v1/log/proof/consistency",
        "/api/v1/log/entries",
        "/api/v1/keys",
    ):
        assert "get" in paths[path]


def test_before_the_first_publication_there_is_no_checkpoint(client: FlaskClient) -> None:
    response = client.get("/api/v1/log/checkpoint")

    assert response.status_code == 404
    assert "no checkpoint has been signed yet" in response.get_json()["message"]
    proof = client.get("/api/v1/log/proof/inclusion?index=0")
    assert proof.status_code == 404


def test_the_log_api_is_rate_limited_per_client_address(app: Flask, client: FlaskClient) -> None:
    app.config["LOG_API_RATE_LIMIT"] = "2/minute"
    statuses = [client.get("/api/v1/log/checkpoint").status_code for _ in range(3)]

    assert statuses == [404, 404, 429]
    refused = client.get("/api/v1/log/checkpoint").get_json()
    assert (refused["status"], refused["code"]) == (429, "too_many_requests")
    other = client.get("/api/v1/log/checkpoint", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 404  # another address has its own budget
