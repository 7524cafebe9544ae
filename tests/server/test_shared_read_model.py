"""Gunicorn's master builds the read model once; its workers are forked with it.

Each worker used to build the whole read model itself: at 1M entries two and a half minutes of
CPU and about 5 GB, for every worker of a node and again for every worker that replaced one.
Now the master builds it before the first fork, holding no connection and no thread of the
app's when it forks, and a worker that stops is replaced by one that serves at once.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from api.public_view import public_now
from registry.publication.as_of import ListState
from runtime.config import ConfigError, load_config, shares_read_model
from runtime.extensions import db
from server import warm
from tests.api.site.site_fixtures import Publisher
from tests.conftest import ROOT
from tests.runtime.test_config import PRODUCTION_SECRETS
from tests.server.test_warm import three_companies


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """What a test freezes goes back to the collector afterwards."""
    yield
    gc.unfreeze()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Three published companies, a recorded legal representative, the screening index file."""
    with three_companies(tmp_path) as application:
        yield application


def _hooks() -> dict[str, Any]:
    hooks: dict[str, Any] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), hooks)
    return hooks


def _arbiter(app: Flask, preload: bool, said: list[str]) -> SimpleNamespace:
    """What gunicorn hands `when_ready`: its settings, the (preloaded) app and its log."""
    return SimpleNamespace(
        cfg=SimpleNamespace(preload_app=preload),
        app=SimpleNamespace(wsgi=lambda: app),
        log=SimpleNamespace(info=said.append),
    )


def _worker(app: Flask, said: list[str]) -> SimpleNamespace:
    return SimpleNamespace(wsgi=app, notify=lambda: None, log=SimpleNamespace(info=said.append))


def _state(app: Flask) -> ListState:
    with app.test_request_context("/"):
        return public_now()


@pytest.mark.parametrize(
    ("environ", "shared"),
    [
        ({"REGISTRY_ENV": "production"}, True),
        ({"REGISTRY_ENV": "testing"}, True),
        # Development runs the publisher's scheduler in the web process: no preloading.
        ({}, False),
        ({"REGISTRY_ENV": "development", "REGISTRY_SCHEDULER": "false"}, True),
        ({"REGISTRY_ENV": "production", "REGISTRY_SCHEDULER": "true"}, False),
        ({"REGISTRY_ENV": "production", "REGISTRY_SHARED_READ_MODEL": "false"}, False),
        ({"REGISTRY_SCHEDULER": "false", "REGISTRY_SHARED_READ_MODEL": ""}, True),
    ],
)
def test_the_read_model_is_shared_unless_the_scheduler_runs_in_the_web_process(
    environ: dict[str, str], shared: bool, tmp_path: Path
) -> None:
    assert shares_read_model(environ) is shared
    production = PRODUCTION_SECRETS | {
        "REGISTRY_PUBLIC_URL": "https://registry.example.cn",
        "REGISTRY_AUTHORITY_NAME": "某市知识产权局",
        "REGISTRY_AUTHORITY_CODE": "TEST-IPA",
    }
    needed = production if environ.get("REGISTRY_ENV") == "production" else {}
    config = load_config(str(tmp_path), needed | environ)
    assert config["REGISTRY"]["SHARED_READ_MODEL"] is shared


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"REGISTRY_SCHEDULER": "true", "REGISTRY_SHARED_READ_MODEL": "true"},
            "REGISTRY_SHARED_READ_MODEL cannot be true while REGISTRY_SCHEDULER",
        ),
        ({"REGISTRY_SHARED_READ_MODEL": "sometimes"}, "must be true or false, not 'sometimes'"),
    ],
)
def test_a_setting_that_cannot_hold_is_refused_by_name(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        shares_read_model(environ)


def test_the_master_builds_the_model_and_its_workers_take_it_as_it_is(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = _hooks()
    said: list[str] = []
    hooks["when_ready"](_arbiter(app, True, said))
    assert said[0].startswith("warm-up: list state of 3 entries")
    assert all(line.endswith("(gunicorn's master, for every worker)") for line in said)
    built = _state(app)
    # The master holds no pooled connection when it forks.
    with app.app_context():
        assert all(engine.pool.checkedin() == 0 for engine in db.engines.values())
    assert gc.get_freeze_count() > 0

    monkeypatch.setattr(warm, "warm", lambda *args: pytest.fail("a worker built its own model"))
    for _worker_number in range(2):
        worker_said: list[str] = []
        hooks["post_worker_init"](_worker(app, worker_said))
        assert len(worker_said) == 1
        assert worker_said[0].startswith("warm-up: read model from gunicorn's master")
        assert _state(app) is built
    assert "IPL-2026-000001" in app.test_client().get("/search?q=深圳华星科技").text


def test_a_hup_moves_the_masters_model_before_the_new_workers_are_forked(app: Flask) -> None:
    hooks = _hooks()
    said: list[str] = []
    hooks["when_ready"](_arbiter(app, True, said))
    before = _state(app)
    with app.app_context():
        Publisher(db.session()).remove("IPL-2026-000003")
        db.session.remove()
    said.clear()
    hooks["on_reload"](_arbiter(app, True, said))
    assert said[0].startswith("warm-up: list state of 3 entries (4 leaves)")
    moved = _state(app)
    assert moved.tree_size == before.tree_size + 1
    assert moved.entries["IPL-2026-000003"].status != before.entries["IPL-2026-000003"].status
    worker_said: list[str] = []
    hooks["post_worker_init"](_worker(app, worker_said))
    assert worker_said[0].startswith("warm-up: read model from gunicorn's master")
    assert _state(app) is moved
    with app.app_context():
        assert all(engine.pool.checkedin() == 0 for engine in db.engines.values())


def test_without_preloading_each_worker_builds_its_own(app: Flask) -> None:
    hooks = _hooks()
    said: list[str] = []
    hooks["when_ready"](_arbiter(app, False, said))
    assert said == [] and not warm.shared(app)
    hooks["post_worker_init"](_worker(app, said))
    assert said[0].startswith("warm-up: list state of 3 entries") and "master" not in said[0]


def test_a_master_that_cannot_build_the_model_leaves_it_to_the_workers(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(app: Flask, say: object) -> None:
        raise RuntimeError("no such table: log_events")

    monkeypatch.setattr(warm, "warm", broken)
    with caplog.at_level(logging.ERROR):
        assert not warm.warm_master(app, print)
    assert "warm-up in the master failed" in caplog.text and "no such table" in caplog.text
    assert not warm.shared(app)
    monkeypatch.undo()
    said: list[str] = []
    _hooks()["post_worker_init"](_worker(app, said))
    assert said[0].startswith("warm-up: list state of 3 entries")


_PARENTS_TABLE = text("select count(*) from sqlite_temp_master where name = 'made_here'")


def test_a_pooled_connection_is_never_used_across_a_fork(tmp_path: Path) -> None:
    """The child of a process whose pool holds a connection gets a connection of its own."""
    import runtime.fork_safety  # noqa: F401 - its pool events are what is tested

    engine = create_engine(f"sqlite:///{tmp_path / 'fork.sqlite3'}")
    with engine.connect() as connection:  # the parent's connection, back in the pool after
        # A temporary table belongs to the connection that made it.
        connection.execute(text("create temp table made_here (n integer)"))
    assert engine.pool.checkedin() == 1
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report what its connection sees, then leave at once
        try:
            with engine.connect() as connection:
                value = connection.execute(text("select 41 + 1")).scalar_one()
                inherited = connection.execute(_PARENTS_TABLE).scalar_one()
            os.write(writing, pickle.dumps((value, inherited)))
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        value, inherited = pickle.loads(pipe.read())
    os.waitpid(child, 0)
    assert (value, inherited) == (42, 0)
    # The parent still has its own connection, untouched by the child.
    with engine.connect() as connection:
        assert connection.execute(_PARENTS_TABLE).scalar_one() == 1
    engine.dispose()
