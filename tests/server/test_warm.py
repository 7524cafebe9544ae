"""A worker builds its read model before its first request, and serves even when it cannot.

Without the warm-up a worker's first request replayed the whole list and built every index
(at 1M entries past gunicorn's 30 s timeout). After `warm`, the first site page, lookup and
screen build nothing whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from api.public_view import CACHE, public_now
from api.site.catalogue import LAST_CATALOGUE
from registry.actors import SYSTEM
from registry.models import Listing
from registry.publication import public_entries
from registry.publication.as_of import ListState
from registry.screening import persons, shared_index
from registry.screening.matching import ScreeningQuery
from registry.screening.shared_index import write_shared_index
from registry.subjects.persons import PersonInput, record_person
from runtime.extensions import db
from server import warm
from tests.api.site.site_fixtures import Publisher, publish_three_companies, standalone_site
from tests.builders import id_number


@contextmanager
def three_companies(tmp_path: Path) -> Iterator[Flask]:
    """A register of three companies, a recorded legal representative and the index file."""
    with standalone_site(tmp_path) as application:
        publisher = Publisher(db.session())
        publish_three_companies(publisher)
        subject_id = db.session.scalar(
            select(Listing.subject_id).where(Listing.entry_id == "IPL-2026-000002")
        )
        assert subject_id is not None
        record_person(
            db.session(),
            SYSTEM,
            subject_id,
            PersonInput("legal_representative", "欧阳娜娜", "cn_ric", id_number(7)),
        )
        write_shared_index(Path(application.config["SCREENING_INDEX"]), public_now())
        # The fixture's own states are not the worker's: start from empty caches.
        application.extensions.pop(CACHE)
        application.extensions.pop(LAST_CATALOGUE, None)
        yield application


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """`three_companies`, with a worker's empty caches."""
    with three_companies(tmp_path) as application:
        yield application


def test_after_the_warm_up_no_request_builds_anything_whole(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    with app.app_context():
        warm.warm(app, said.append)
    assert [line.split(" in ")[0] for line in said] == [
        "warm-up: list state of 3 entries (3 leaves)",
        "warm-up: identifier index of 0 keys",
        "warm-up: screening index",
        "warm-up: person index of 1 relations",
        "warm-up: public list and filter columns of 3 entries",
        "warm-up: site catalogue of 3 searchable entries",
        "warm-up: site statistics",
    ]
    built: list[str] = []

    def refuse(what: str) -> object:
        def call(*args: object, **kwargs: object) -> None:
            built.append(what)
            raise AssertionError(f"{what} built whole after the warm-up")

        return call

    monkeypatch.setattr("registry.publication.public_view.list_state", refuse("list state"))
    monkeypatch.setattr(persons, "load_relations", refuse("person index"))
    monkeypatch.setattr(shared_index.StateIndex, "over_file", refuse("screening index"))
    monkeypatch.setattr("api.site.catalogue.catalogue_rows", refuse("catalogue"))
    monkeypatch.setattr("api.site.statistics.compute_statistics", refuse("statistics"))
    monkeypatch.setattr("registry.publication.public_entries.shown_entries", refuse("list"))
    monkeypatch.setattr(public_entries.FilterColumns, "of", refuse("filter columns"))
    client = app.test_client()
    assert "IPL-2026-000001" in client.get("/search?q=深圳华星科技").text
    assert "欧阳娜娜" in client.get("/search?q=欧阳娜娜").text
    assert client.get("/statistics").status_code == 200
    listed = client.get("/api/v1/entries?status=published&authority=局")
    assert listed.status_code == 200
    with app.test_request_context("/"):
        state: ListState = public_now()
        index = persons.person_index(db.session(), state)
        found = index.screen_names(ScreeningQuery(name="欧阳娜娜"), 0.8, 5)
        assert [index.relations[m.entry_id].entry_id for m in found] == ["IPL-2026-000002"]
        assert shared_index.DERIVED_KEY in state.derived
    assert built == []


def test_a_worker_that_cannot_warm_logs_why_and_still_serves(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    beats: list[int] = []

    def broken(app: Flask, say: object) -> None:
        raise RuntimeError("no such table: log_events")

    monkeypatch.setattr(warm, "warm", broken)
    with caplog.at_level(logging.ERROR):
        warm.warm_worker(app, lambda: beats.append(1), print)
    assert beats  # the arbiter heard from the worker before the warm-up began
    assert "warm-up failed" in caplog.text and "no such table" in caplog.text
    assert app.test_client().get("/").status_code == 200
