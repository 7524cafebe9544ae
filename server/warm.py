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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

# Seconds between the heartbeats a warming worker sends the arbiter (its timeout is 30 s).
HEARTBEAT = 5.0


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
