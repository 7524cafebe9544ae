"""The watchlists API through the HTTP client: keys, ownership, bulk items, deliveries, replay."""

from __future__ import annotations

import io
import json
import random
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from publisher import webhooks
from registry.actors import Actor
from registry.clients.api_keys import create_key
from registry.clients.webhook_signature import SIGNATURE_HEADER, verify
from registry.demo.data import credit_code
from registry.models import WebhookDelivery
from runtime.extensions import db
from tests.publisher.webhook_receiver import webhook_receiver

ADMIN = Actor("admin", "admin")
HOOK = "http://127.0.0.1:8099/hooks"
USCC = "91350100M000100Y43"


def _bearer(session: Session, scopes: list[str], name: str = "Example Bank") -> dict[str, str]:
    secret = create_key(session, ADMIN, name, scopes).secret
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def owner(session: Session) -> dict[str, str]:
    """Headers of a key with the watch scope."""
    return _bearer(session, ["watch"])


@pytest.fixture
def stranger(session: Session) -> dict[str, str]:
    """Headers of another client's watch key."""
    return _bearer(session, ["watch"], "Other Bank")


def _create(client: FlaskClient, headers: dict[str, str], url: str = HOOK) -> dict:
    response = client.post(
        "/api/v1/watchlists", json={"name": "Suppliers", "webhook_url": url}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json


def test_create_returns_the_secret_once(client: FlaskClient, owner: dict[str, str]) -> None:
    created = _create(client, owner)
    assert created["webhook_secret"].startswith("whsec_")
    assert created["item_count"] == 0 and created["active"] is True
    shown = client.get(f"/api/v1/watchlists/{created['id']}", headers=owner).json
    assert "webhook_secret" not in shown
    assert shown["webhook_url"] == HOOK
    listed = client.get("/api/v1/watchlists", headers=owner).json
    assert [w["id"] for w in listed] == [created["id"]]


def test_keys_and_scopes_are_required(
    client: FlaskClient, session: Session, owner: dict[str, str]
) -> None:
    assert client.get("/api/v1/watchlists").status_code == 401
    screen_only = _bearer(session, ["screen"], "Screening only")
    response = client.get("/api/v1/watchlists", headers=screen_only)
    assert response.status_code == 403
    assert "'watch' scope" in response.json["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "webhook_url": "ftp://example.org/"}, "webhook_url"),
        ({"name": "", "webhook_url": HOOK}, "name"),
        ({"webhook_url": HOOK}, "name"),
    ],
)
def test_invalid_watchlists_are_refused_naming_the_field(
    client: FlaskClient, owner: dict[str, str], body: dict, field: str
) -> None:
    response = client.post("/api/v1/watchlists", json=body, headers=owner)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_private_targets_can_be_refused(
    app: Flask, client: FlaskClient, owner: dict[str, str]
) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    response = client.post(
        "/api/v1/watchlists", json={"name": "x", "webhook_url": HOOK}, headers=owner
    )
    assert response.status_code == 422
    assert "loopback or private" in response.json["errors"]["webhook_url"][0]


def test_another_key_sees_nothing(
    client: FlaskClient, owner: dict[str, str], stranger: dict[str, str]
) -> None:
    watchlist_id = _create(client, owner)["id"]
    item_upload = client.post(
        f"/api/v1/watchlists/{watchlist_id}/items", json=[{"name": "x"}], headers=owner
    )
    assert item_upload.status_code == 201
    item_id = client.get(f"/api/v1/watchlists/{watchlist_id}/items", headers=owner).json["items"][
        0
    ]["id"]
    base = f"/api/v1/watchlists/{watchlist_id}"
    for method, path in [
        ("get", base),
        ("delete", base),
        ("get", f"{base}/items"),
        ("post", f"{base}/items"),
        ("delete", f"{base}/items/{item_id}"),
        ("get", f"{base}/deliveries"),
        ("post", f"{base}/deliveries/1/replay"),
    ]:
        response = getattr(client, method)(path, headers=stranger, json=[{"name": "y"}])
        assert response.status_code == 404, (method, path, response.json)
    assert client.get("/api/v1/watchlists", headers=stranger).json == []
    assert client.get(base, headers=owner).json["item_count"] == 1


def test_item_errors_name_the_row_and_field(client: FlaskClient, owner: dict[str, str]) -> None:
    watchlist_id = _create(client, owner)["id"]
    rows = [
        {"name": "华兴科技", "region": "440300"},
        {"name": "x", "region": "4403"},
        {"name": "y", "identifiers": [{"scheme": "cn_uscc", "value": USCC[:-1] + "0"}]},
    ]
    response = client.post(f"/api/v1/watchlists/{watchlist_id}/items", json=rows, headers=owner)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"items[1].region", "items[2].identifiers[0].value"}
    assert "2 row(s) are invalid" in response.json["message"]
    csv_data = b"name,kind,region\nok,,\nbad,company,\n"
    response = client.post(
        f"/api/v1/watchlists/{watchlist_id}/items",
        data={"file": (io.BytesIO(csv_data), "list.csv")},
        headers=owner,
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["row[3].kind"]
    # Nothing of a refused upload is stored.
    assert client.get(f"/api/v1/watchlists/{watchlist_id}", headers=owner).json["item_count"] == 0


def test_csv_upload_pages_and_item_removal(client: FlaskClient, owner: dict[str, str]) -> None:
    watchlist_id = _create(client, owner)["id"]
    lines = ["name,kind,region,identifiers,external_ref"]
    lines += [f"Counterparty {n} Ltd,legal_person,440300,,ref-{n}" for n in range(5)]
    lines.append("张伟,natural_person,,cn_ric:11010519491231002X,person")
    response = client.post(
        f"/api/v1/watchlists/{watchlist_id}/items",
        data="\n".join(lines).encode(),
        content_type="text/csv",
        headers=owner,
    )
    assert response.status_code == 201
    assert response.json == {"added": 6, "item_count": 6}
    base = f"/api/v1/watchlists/{watchlist_id}/items"
    first = client.get(f"{base}?limit=4", headers=owner).json
    assert [i["external_ref"] for i in first["items"]] == ["ref-0", "ref-1", "ref-2", "ref-3"]
    rest = client.get(f"{base}?limit=4&after_id={first['next_after_id']}", headers=owner).json
    assert rest["next_after_id"] is None
    person = rest["items"][-1]
    assert person["identifiers"] == [{"scheme": "cn_ric", "value": "1101**********002X"}]
    assert client.delete(f"{base}/{person['id']}", headers=owner).status_code == 204
    assert client.delete(f"{base}/{person['id']}", headers=owner).status_code == 404
    assert client.get(f"{base}?limit=10", headers=owner).json["items"][-1]["name"] != "张伟"


def test_unsupported_upload_type_is_explained(client: FlaskClient, owner: dict[str, str]) -> None:
    watchlist_id = _create(client, owner)["id"]
    response = client.post(
        f"/api/v1/watchlists/{watchlist_id}/items",
        data=b"<items/>",
        content_type="application/xml",
        headers=owner,
    )
    assert response.status_code == 422
    assert "Content-Type" in response.json["errors"]


@pytest.mark.slow
def test_bulk_upload_of_100000_items(client: FlaskClient, owner: dict[str, str]) -> None:
    watchlist_id = _create(client, owner)["id"]
    rng = random.Random(7)
    rows = [
        {
            "name": f"Counterparty {n} Trading Ltd",
            "kind": "legal_person",
            "region": "440300",
            "identifiers": [{"scheme": "cn_uscc", "value": credit_code(rng, "440300")}]
            if n % 10 == 0
            else [],
            "external_ref": f"CP-{n}",
        }
        for n in range(100_000)
    ]
    body = json.dumps(rows).encode()
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/watchlists/{watchlist_id}/items",
        data=body,
        content_type="application/json",
        headers=owner,
    )
    elapsed = time.perf_counter() - started
    print(f"\nbulk upload of 100,000 items ({len(body) / 1e6:.1f} MB JSON): {elapsed:.1f} s")
    assert response.status_code == 201, response.json
    assert response.json == {"added": 100_000, "item_count": 100_000}
    one_more = client.post(
        f"/api/v1/watchlists/{watchlist_id}/items", json=[{"name": "x"}], headers=owner
    )
    assert one_more.status_code == 422
    assert "at most 100000" in one_more.json["message"]
    assert client.delete(f"/api/v1/watchlists/{watchlist_id}", headers=owner).status_code == 204
    assert client.get(f"/api/v1/watchlists/{watchlist_id}", headers=owner).status_code == 404


def test_delivery_log_and_replay(
    client: FlaskClient, session: Session, owner: dict[str, str]
) -> None:
    with webhook_receiver() as receiver:
        created = _create(client, owner, receiver.url)
        delivery = WebhookDelivery(
            watchlist_id=created["id"],
            event_seq=4,
            payload={
                "type": "ipl.watch-match/v1",
                "event": {"event": "removed", "entry_id": "IPL-2026-000004", "seq": 4},
                "bundle": None,
                "matches": [],
            },
            status="failed",
            attempts=8,
            last_status_code=500,
            last_error="HTTP 500 from the receiver",
        )
        session.add(delivery)
        session.commit()
        base = f"/api/v1/watchlists/{created['id']}/deliveries"
        log = client.get(f"{base}?status=failed", headers=owner).json["deliveries"]
        assert [(d["id"], d["attempts"], d["last_status_code"]) for d in log] == [
            (delivery.id, 8, 500)
        ]
        assert log[0]["event"] == "removed" and log[0]["entry_id"] == "IPL-2026-000004"
        assert client.get(f"{base}?status=lost", headers=owner).status_code == 422

        replayed = client.post(f"{base}/{delivery.id}/replay", headers=owner)
        assert replayed.status_code == 202
        assert (replayed.json["status"], replayed.json["attempts"]) == ("pending", 0)
        assert client.post(f"{base}/999/replay", headers=owner).status_code == 404
        report = webhooks.deliver_due(db.session)
    assert report.delivered == [delivery.id]
    (request,) = receiver.requests
    verify(created["webhook_secret"], request.headers[SIGNATURE_HEADER], request.body)
    assert json.loads(request.body)["delivery_id"] == delivery.id
    log = client.get(base, headers=owner).json["deliveries"]
    assert (log[0]["status"], log[0]["attempts"], log[0]["last_status_code"]) == (
        "delivered",
        1,
        200,
    )


def test_a_key_holds_at_most_the_configured_number_of_watchlists(
    app, client: FlaskClient, owner: dict[str, str], stranger: dict[str, str]
) -> None:
    app.config["REGISTRY"]["MAX_WATCHLISTS_PER_KEY"] = 2
    _create(client, owner)
    _create(client, owner)
    third = client.post(
        "/api/v1/watchlists", json={"name": "More", "webhook_url": HOOK}, headers=owner
    )
    assert third.status_code == 409
    assert "already has 2 watchlists, the most allowed" in third.json["message"]
    _create(client, stranger)  # the cap is per key
