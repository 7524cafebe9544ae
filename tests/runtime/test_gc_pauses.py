"""A gunicorn worker keeps what loading the app allocated out of full garbage collections."""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import ROOT


class _Node:
    """A container the collector tracks, able to form a cycle."""

    def __init__(self) -> None:
        self.next: _Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Whatever a test freezes goes back to the collector afterwards."""
    yield
    gc.unfreeze()


def _hooks() -> dict[str, Any]:
    hooks: dict[str, Any] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), hooks)
    return hooks


def _worker(app: Any) -> SimpleNamespace:
    """What gunicorn hands the hook: the loaded app, its heartbeat and its log."""
    return SimpleNamespace(wsgi=app, notify=lambda: None, log=logging.getLogger("gunicorn"))


def test_post_worker_init_freezes_what_is_loaded_and_collects_the_garbage_first(
    app: Any, unfrozen: None
) -> None:
    loaded = _Node()  # alive when the worker has loaded the app: frozen
    garbage = _Node()  # a cycle nothing refers to: collected, never frozen
    garbage.next = garbage
    gone = weakref.ref(garbage)
    del garbage

    _hooks()["post_worker_init"](_worker(app))

    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(loaded)
    # A full collection walks the collector's generations; the frozen object is in none.
    assert not any(tracked is loaded for tracked in gc.get_objects())
    assert loaded.next is None


def test_objects_made_after_the_freeze_are_collected_as_usual(app: Any, unfrozen: None) -> None:
    _hooks()["post_worker_init"](_worker(app))
    later = _Node()
    later.next = later
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_registry_publish_runs_with_the_loaded_app_frozen_and_gives_it_back(
    app: Any, monkeypatch: pytest.MonkeyPatch, unfrozen: None
) -> None:
    from server.cli import operations

    loaded = _Node()  # alive before the run, like the app: out of the collector's walks
    seen: list[tuple[int, bool]] = []

    def run(_app: Any, progress: Any = None) -> None:
        walked = any(tracked is loaded for tracked in gc.get_objects())
        seen.append((gc.get_freeze_count(), walked))

    monkeypatch.setattr(operations, "run_publication", run)
    result = app.test_cli_runner().invoke(args=["publish"])

    assert "another publisher is running" in result.output  # the stand-in run returns None
    [(frozen, walked)] = seen
    assert frozen > 0 and not walked
    assert gc.get_freeze_count() == 0  # a test process, or a shell, gets its objects back
    assert any(tracked is loaded for tracked in gc.get_objects())


def test_the_publisher_process_freezes_its_app_once_loaded(
    monkeypatch: pytest.MonkeyPatch, unfrozen: None
) -> None:
    import publisher.__main__ as publisher_main

    frozen: list[int] = []

    class Scheduler:
        def __init__(self, **_options: Any) -> None:
            pass

        def start(self) -> None:
            frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(publisher_main, "create_base_app", lambda _name: object())
    monkeypatch.setattr(publisher_main, "schedule", lambda _app, _scheduler: None)
    monkeypatch.setattr(publisher_main, "BlockingScheduler", Scheduler)
    publisher_main.main()

    assert frozen and frozen[0] > 0
