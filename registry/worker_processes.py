"""Worker processes forked from one server process that has every worker module imported.

multiprocessing's `forkserver` server is started once per process, by the first pool that
needs it, and it imports the modules named for preloading at that moment; naming others later
changes nothing for that server. The feed writers' pool (publisher.worker_pool) and the
screening index writer's (registry.screening.matching.index_file) both fork from it, so each
module names what its workers run when it is imported, and whichever pool comes first starts
the server with all of them. Otherwise the later pool's every worker imports its modules on
its own, about a second and a half each time a pool starts.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import ForkServerContext

_preloaded: list[str] = []


def preload_in_workers(*modules: str) -> None:
    """Have the forkserver import `modules` when it starts (names, in the order first given)."""
    for module in modules:
        if module not in _preloaded:
            _preloaded.append(module)


def forkserver_context() -> ForkServerContext:
    """The forkserver context, set to preload every module named so far."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_preloaded))
    return context
