"""A gunicorn worker keeps what loading the app allocated out of full garbage collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
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


def test_post_worker_init_freezes_what_is_loaded_and_collects_the_garbage_first(
    unfrozen: None,
) -> None:
    loaded = _Node()  # alive when the worker has loaded the app: frozen
    garbage = _Node()  # a cycle nothing refers to: collected, never frozen
    garbage.next = garbage
    gone = weakref.ref(garbage)
    del garbage

    _hooks()["post_worker_init"](None)

    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(loaded)
    # A full collection walks the collector's generations; the frozen object is in none.
    assert not any(tracked is loaded for tracked in gc.get_objects())
    assert loaded.next is None


def test_objects_made_after_the_freeze_are_collected_as_usual(unfrozen: None) -> None:
    _hooks()["post_worker_init"](None)
    later = _Node()
    later.next = later
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None
