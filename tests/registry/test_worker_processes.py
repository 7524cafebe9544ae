"""Every pool forks from one server that has imported the modules of every pool's workers."""

from __future__ import annotations

import multiprocessing.context

import pytest

import publisher.worker_pool  # noqa: F401  (names its workers' modules when imported)
import registry.screening.matching.index_file  # noqa: F401  (likewise)
from registry.worker_processes import forkserver_context, preload_in_workers


def test_the_server_preloads_the_feed_writers_and_the_index_writer_whoever_starts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named: list[list[str]] = []
    monkeypatch.setattr(
        multiprocessing.context.ForkServerContext,
        "set_forkserver_preload",
        lambda _context, modules: named.append(modules),
    )
    forkserver_context()
    assert {
        "publisher.chunked_files",
        "publisher.writers.delta",
        "registry.screening.matching.index_file",
    } <= set(named[-1])


def test_a_module_named_twice_is_preloaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    named: list[list[str]] = []
    monkeypatch.setattr(
        multiprocessing.context.ForkServerContext,
        "set_forkserver_preload",
        lambda _context, modules: named.append(modules),
    )
    preload_in_workers("publisher.writers.delta", "publisher.writers.delta")
    forkserver_context()
    assert named[-1].count("publisher.writers.delta") == 1
