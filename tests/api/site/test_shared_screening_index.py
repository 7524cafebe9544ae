"""Workers screen over the index file the publisher wrote, and see what changed since."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from api.public_view import public_now, screening_index
from registry.screening.matching import ScreeningQuery
from registry.screening.shared_index import match_index, write_shared_index
from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher, standalone_site


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A register of three entries whose index file has been written."""
    with standalone_site(tmp_path) as application:
        publisher = Publisher(db.session())
        publisher.publish("IPL-2026-000001", "深圳市华兴科技有限公司", region="440300")
        publisher.publish("IPL-2026-000002", "福州瑞达电子有限公司", region="350100")
        publisher.publish("IPL-2026-000003", "厦门星海电子有限公司", region="350200")
        application.extensions["test.publisher"] = publisher
        written = write_shared_index(Path(application.config["SCREENING_INDEX"]), public_now())
        assert written.records == 3 and not written.kept
        yield application


def _found(name: str) -> list[str]:
    index = match_index(public_now(), screening_index())
    return [match.entry_id for match in index.screen(ScreeningQuery(name=name))]


def test_the_index_comes_from_the_file(app: Flask) -> None:
    index = match_index(public_now(), screening_index())
    assert index.file is not None and index.file.count == 3
    assert len(index) == 3
    assert _found("深圳华星科技") == ["IPL-2026-000001"]


def test_changes_after_the_file_was_written_are_seen(app: Flask) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    publisher.amend("IPL-2026-000002", name="福州瑞丰电子有限公司")
    publisher.purge("IPL-2026-000003")
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    index = match_index(public_now(), screening_index())
    assert index.file is not None  # still the file, with the changes beside it
    assert len(index) == 3
    assert _found("瑞丰电子") == ["IPL-2026-000002"]
    assert _found("瑞达电子") == []
    assert _found("星海电子") == []
    assert _found("宁波鼎泰机械") == ["IPL-2026-000004"]
    assert index.entries_in(frozenset({"350000"}), ["dianzi"]) == {"IPL-2026-000002"}


def test_the_site_search_reads_the_file(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/search?q=深圳华星科技").text
    assert "IPL-2026-000001" in page
    assert "IPL-2026-000002" not in page
