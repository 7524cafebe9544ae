"""Name screens while the screening index file lags the log by a whole run's entries.

Each worker screens the entries the file lacks from an index of its own; a run bringing more
than `REGISTRY_SCREENING_INDEX_MAX_LAG` of them (a list taken over at once) would have every
worker parse and index them all until the publisher rewrites the file. Until then names are
screened at the checkpoint the file was written at, and the receipt says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.public_view import public_now, screening_index
from registry.publication.checkpoints import latest_checkpoint
from registry.screening import shared_index
from registry.screening.receipts import verify_receipt
from registry.screening.shared_index import StateIndex, write_shared_index
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import bearer, new_key
from tests.api.site.site_fixtures import Publisher, standalone_site

# Two entries a worker screens from memory; the tests add three.
MAX_LAG = 2
USCC = "91440300MA5F0000X1"
NEW = [
    ("IPL-2026-000004", "宁波鼎泰机械有限公司", "330200"),
    ("IPL-2026-000005", "杭州恒远纺织有限公司", "330100"),
    ("IPL-2026-000006", "南京金陵建材有限公司", "320100"),
]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Three entries, a checkpoint signed over them and the index file written at its size."""
    with standalone_site(tmp_path, SCREENING_INDEX_MAX_LAG=MAX_LAG) as application:
        publisher = Publisher(db.session())
        publisher.publish("IPL-2026-000001", "深圳市华兴科技有限公司", region="440300")
        publisher.publish("IPL-2026-000002", "福州瑞达电子有限公司", region="350100")
        publisher.publish("IPL-2026-000003", "厦门星海电子有限公司", region="350200")
        application.extensions["test.publisher"] = publisher
        application.extensions["test.key"] = new_key(db.session())
        db.session.commit()
        yield application


def _screen(client: FlaskClient, key: str, name: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/screen", json={"queries": [{"name": name}]}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _lookup(client: FlaskClient, key: str) -> None:
    # An identifier lookup answers from the list state, not the screening index file.
    response = client.post(
        "/api/v1/lookup", json={"scheme": "cn_uscc", "value": USCC}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()


def _matched(body: dict[str, Any]) -> list[str]:
    return [match["entry_id"] for match in body["results"][0]["matches"]]


def _write_index_at_the_signed_checkpoint(app: Flask, client: FlaskClient, key: str) -> int:
    _lookup(client, key)  # signs a checkpoint over the log, as a publication does
    signed = latest_checkpoint(db.session())
    assert signed is not None
    state = public_now()
    assert state.tree_size == signed.tree_size
    write_shared_index(Path(app.config["SCREENING_INDEX"]), state)
    return signed.tree_size


def _publish_new(app: Flask) -> None:
    """A run's worth of new entries: more than a worker screens from memory."""
    publisher: Publisher = app.extensions["test.publisher"]
    for entry_id, name, region in NEW:
        publisher.publish(entry_id, name, region=region)
    db.session.commit()


def _in_memory(app: Flask) -> int:
    """How many entries the newest list state's index holds beside the file."""
    index = public_now().derived.get("match_index")
    assert isinstance(index, StateIndex)
    return len(index) - (index.file.count if index.file is not None else 0)


def test_a_run_of_more_new_entries_than_the_lag_is_screened_at_the_files_checkpoint(
    app: Flask,
) -> None:
    client, key = app.test_client(), app.extensions["test.key"]
    written_at = _write_index_at_the_signed_checkpoint(app, client, key)
    _publish_new(app)

    body = _screen(client, key, "宁波鼎泰机械")
    assert _matched(body) == []  # not in the list the file holds
    assert body["checkpoint"]["tree_size"] == written_at
    assert _matched(_screen(client, key, "深圳华星科技")) == ["IPL-2026-000001"]
    # The FtM match endpoint answers at the same checkpoint.
    entity = {"schema": "Company", "properties": {"name": ["宁波鼎泰机械有限公司"]}}
    found = client.post(
        "/api/v1/ftm/match/default", json={"queries": {"q": entity}}, headers=bearer(key)
    ).get_json()
    signed = verify_receipt(found["receipt"], key_store().public_keys())
    assert signed["checkpoint"]["tree_size"] == written_at
    assert found["responses"]["q"]["results"] == []
    # The screen's own receipt names the same checkpoint.
    signed = verify_receipt(body["receipt"], key_store().public_keys())
    assert signed["checkpoint"]["tree_size"] == written_at

    # Once the publisher rewrites the file, the newest checkpoint answers again.
    write_shared_index(Path(app.config["SCREENING_INDEX"]), public_now())
    body = _screen(client, key, "宁波鼎泰机械")
    assert _matched(body) == ["IPL-2026-000004"]
    assert body["checkpoint"]["tree_size"] > written_at


def test_fewer_new_entries_than_the_lag_are_screened_from_memory_at_once(app: Flask) -> None:
    client, key = app.test_client(), app.extensions["test.key"]
    written_at = _write_index_at_the_signed_checkpoint(app, client, key)
    publisher: Publisher = app.extensions["test.publisher"]
    entry_id, name, region = NEW[0]
    publisher.publish(entry_id, name, region=region)
    # More log events than the lag, but for one entry: what a worker indexes is one name.
    publisher.amend(entry_id, name="宁波鼎泰机械制造有限公司")
    publisher.amend(entry_id, name=name)
    db.session.commit()

    body = _screen(client, key, "宁波鼎泰机械")
    assert _matched(body) == [entry_id]
    assert body["checkpoint"]["tree_size"] >= written_at + 3
    assert _in_memory(app) == 1


def test_without_a_checkpoint_of_the_files_size_the_entries_are_screened_from_memory(
    app: Flask,
) -> None:
    client, key = app.test_client(), app.extensions["test.key"]
    # Written at a log size no checkpoint was signed at (not by the publisher's run).
    write_shared_index(Path(app.config["SCREENING_INDEX"]), public_now())
    _publish_new(app)
    assert _matched(_screen(client, key, "宁波鼎泰机械")) == ["IPL-2026-000004"]
    assert screening_index().current() is not None


def test_the_lag_is_counted_once_per_file_and_log_size(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, key = app.test_client(), app.extensions["test.key"]
    written_at = _write_index_at_the_signed_checkpoint(app, client, key)
    _publish_new(app)
    counted: list[tuple[int, int]] = []
    counting = shared_index.entries_logged_between

    def count(session: Session, first: int, end: int) -> int:
        counted.append((first, end))
        return counting(session, first, end)

    monkeypatch.setattr(shared_index, "entries_logged_between", count)
    shared = screening_index()
    log_size = written_at + len(NEW)
    assert shared.screening_size(db.session(), log_size, MAX_LAG) == written_at
    assert shared.screening_size(db.session(), log_size, MAX_LAG) == written_at
    assert counted == [(written_at, log_size)]
    # A log only as many events longer as the lag is not counted at all.
    within = written_at + MAX_LAG
    assert shared.screening_size(db.session(), within, MAX_LAG) == within
    assert shared.screening_size(db.session(), log_size, len(NEW)) == log_size
    assert counted == [(written_at, log_size)]


def test_without_a_file_a_list_beyond_the_lag_waits_for_its_index(app: Flask) -> None:
    client, key = app.test_client(), app.extensions["test.key"]
    _publish_new(app)
    assert screening_index().current() is None

    refused = client.post(
        "/api/v1/screen",
        json={"queries": [{"name": "宁波鼎泰机械"}]},
        headers={**bearer(key), "Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 503
    body = refused.get_json()
    assert body["code"] == "screening_index_pending"
    assert "6 个条目的筛查索引正在生成" in body["message"]
    english = client.post(
        "/api/v1/screen", json={"queries": [{"name": "宁波鼎泰机械"}]}, headers=bearer(key)
    )
    assert "list's 6 entries is being written" in english.get_json()["message"]
    _lookup(client, key)  # identifier lookups answer meanwhile

    write_shared_index(Path(app.config["SCREENING_INDEX"]), public_now())
    assert _matched(_screen(client, key, "宁波鼎泰机械")) == ["IPL-2026-000004"]


def test_the_sites_name_search_waits_for_the_index_and_says_so(app: Flask) -> None:
    client = app.test_client()
    _publish_new(app)
    page = client.get("/search?q=宁波鼎泰机械", headers={"Accept-Language": "zh-CN"}).text
    assert "名称检索正在为整份名单做准备" in page
    assert "IPL-2026-000004" not in page
    # An entry number is found without the name index.
    assert client.get("/search?q=IPL-2026-000004").status_code == 303

    write_shared_index(Path(app.config["SCREENING_INDEX"]), public_now())
    page = client.get("/search?q=宁波鼎泰机械").text
    assert "IPL-2026-000004" in page
    assert "names-pending" not in page and "names-behind" not in page


def test_the_sites_name_search_uses_the_files_list_while_it_lags(app: Flask) -> None:
    client, key = app.test_client(), app.extensions["test.key"]
    _write_index_at_the_signed_checkpoint(app, client, key)
    _publish_new(app)
    page = client.get("/search?q=宁波鼎泰机械").text
    assert 'id="names-behind"' in page
    assert "IPL-2026-000004" not in page
    assert "IPL-2026-000001" in client.get("/search?q=深圳华星科技").text

    write_shared_index(Path(app.config["SCREENING_INDEX"]), public_now())
    page = client.get("/search?q=宁波鼎泰机械").text
    assert "IPL-2026-000004" in page and 'id="names-behind"' not in page
