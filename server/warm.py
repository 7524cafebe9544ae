"""A web worker's read model, built before the worker takes its first request.

Every reader answers from what a worker keeps per list state: the list state itself, its
identifier index, the screening index over the shared file, the person index, the read API's
public list with its filter columns, and the site's catalogue and statistics. Later states
and indexes are moved from these at the cost of what changed
(registry.publication.as_of.moved), but the first are built whole, from every entry
and every recorded person: at 100k entries about 15 s of CPU (bench/RESULTS.md, "List states
moved"), and near 1M more than gunicorn's 30 s worker timeout, so that the first request
would time out and the worker be killed, again and again. Gunicorn calls `warm_worker` from
`post_worker_init` (gunicorn.conf.py): the worker builds them before it accepts a connection
(its siblings take the traffic meanwhile) and tells the arbiter it is alive while it does.

With `REGISTRY_SHARED_READ_MODEL` (the default where the publisher's scheduler is not in the
web process), gunicorn preloads the app and its master builds the read model once,
`warm_master`, before it forks any worker: the node's workers start with it instead of each
building its own (at 1M entries two and a half minutes of CPU and 7.5 GB each), share its
memory until they write to it, and a worker that stops is replaced by one that serves at once.
Each worker then moves from the master's list state to the current one, as it moves between
any two states, at the cost of what changed since; a SIGHUP moves the master's model to the
current state before the new workers are forked from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

from runtime.fork_safety import release_connections
from runtime.gc_pauses import freeze_loaded

# Seconds between the heartbeats a warming worker sends the arbiter (its timeout is 30 s).
HEARTBEAT = 5.0
# Set in the app's extensions once gunicorn's master has built the read model: its workers,
# forked from it, have the model already.
SHARED = "registry.read_model_shared"


def warm(app: Flask, say: Callable[[str], None]) -> None:
    """Build this app's read model of what is public now, saying what took how long."""
    from api.public_view import public_now, screening_index
    from api.site.catalogue import current_catalogue
    from api.site.statistics import site_statistics
    from registry.publication.public_entries import filter_columns, listed_in_order
    from registry.screening.persons import person_index
    from registry.screening.shared_index import match_index
    from runtime.extensions import db

    with app.test_request_context("/"):
        started = time.process_time()

        def step(what: str) -> None:
            nonlocal started
            now = time.process_time()
            say(f"warm-up: {what} in {now - started:.2f} s of CPU")
            started = now

        state = public_now()
        step(f"list state of {len(state.entries):,} entries ({state.tree_size:,} leaves)")
        keys = len(state.by_identifier)
        step(f"identifier index of {keys:,} keys")
        match_index(state, screening_index())
        step("screening index")
        relations = len(person_index(db.session(), state).relations)
        step(f"person index of {relations:,} relations")
        shown = len(listed_in_order(state))
        filter_columns(state)
        step(f"public list and filter columns of {shown:,} entries")
        catalogue = current_catalogue()
        table = catalogue.table
        table.facets  # noqa: B018 - worked out now, not by the first search
        step(f"site catalogue of {len(table):,} searchable entries")
        site_statistics(catalogue)
        step("site statistics")
        db.session.remove()


def warm_worker(app: Flask, alive: Callable[[], None], say: Callable[[str], None]) -> None:
    """`warm(app)`, calling `alive` now and every `HEARTBEAT` seconds until it is done.

    A worker that cannot warm (its database not migrated yet, say) logs why and serves all
    the same: its first request builds what is missing, as without the warm-up.
    """
    done = threading.Event()

    def beat() -> None:
        alive()
        while not done.wait(HEARTBEAT):
            alive()

    heartbeat = threading.Thread(target=beat, name="warm-up heartbeat", daemon=True)
    heartbeat.start()
    try:
        warm(app, say)
    except Exception:  # logged whole; the worker serves without the warm-up
        app.logger.exception("warm-up failed; the first requests build the read model")
    finally:
        done.set()
        heartbeat.join()


def warm_master(app: Flask, say: Callable[[str], None]) -> bool:
    """Build the read model in gunicorn's master, before it forks a worker; True if built.

    The master then holds no connection and runs no thread of the app's (runtime.fork_safety),
    and what it built is frozen out of the garbage collector's reach (runtime.gc_pauses), so
    that no collection in a worker writes to the pages the workers share. Called again (on
    SIGHUP, before gunicorn forks the new workers) it moves the model it has to the current
    list state. When the model cannot be built (the database not migrated yet, say) the
    workers start from the one built before, or else each builds its own, as without sharing.
    """
    started = time.process_time()
    try:
        warm(app, lambda message: say(f"{message} (gunicorn's master, for every worker)"))
    except Exception:  # logged whole; the workers start without this model
        app.logger.exception(
            "warm-up in the master failed; the workers start from %s",
            "the model it built before" if shared(app) else "a read model each builds",
        )
        return False
    finally:
        release_connections(app)
    app.extensions[SHARED] = time.process_time() - started
    freeze_loaded()
    return True


def shared(app: Flask) -> bool:
    """Whether this process has the read model gunicorn's master built (`warm_master`)."""
    return SHARED in app.extensions


def start_worker(app: Flask, alive: Callable[[], None], say: Callable[[str], None]) -> None:
    """A worker's start: the master's read model if it has one, else `warm_worker`; then
    what loading and building allocated is frozen (runtime.gc_pauses)."""
    if shared(app):
        say(
            "warm-up: read model from gunicorn's master, built there in "
            f"{app.extensions[SHARED]:.2f} s of CPU"
        )
    else:
        warm_worker(app, alive, say)
    freeze_loaded()
