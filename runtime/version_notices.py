"""Keeping the serving version between lookups on PostgreSQL, for as long as nothing changed it.

Every write to a table the serving version reads sends a notification when its transaction
commits (registry.models.change_notices). Each process listens for them on a connection of
its own, in a background thread, and counts what it hears. A version read is kept with the
count at the time it was read, and reused while the count has not moved:

- a commit by any other process or connection moves the count as soon as this process's
  listener receives its notification;
- a commit through a session of this process moves it at once, before `commit()` returns,
  so this process's next request never waits for the notification of its own write;
- losing the listening connection, and listening again, move it too: a version read while
  the listener was not listening is never kept, and every lookup reads the version itself
  until the listener is back (it tries again every second);
- and a kept version is used for at most `max_age` seconds after its read began
  (REGISTRY_SERVING_VERSION_MAX_AGE_MS), whether or not anything was heard, so a change is
  in every answer begun `max_age` after its commit even if its notification were lost.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from registry.models import CHANGE_CHANNEL

log = logging.getLogger(__name__)
T = TypeVar("T")
# How often the listening thread looks up from its connection to see whether to stop.
POLL_SECONDS = 0.5
RETRY_SECONDS = 1.0


class _OwnCommits:
    """Commits made through this process's sessions (any of them may have changed the version)."""

    lock = threading.Lock()
    count = 0


@event.listens_for(Session, "after_commit")
def _committed(_session: Session) -> None:
    with _OwnCommits.lock:
        _OwnCommits.count += 1


class ChangeListener:
    """Hears the change notices of one database, and keeps reads made between them."""

    def __init__(self, engine: Engine, max_age: float, retry: float = RETRY_SECONDS) -> None:
        self._engine = engine
        self._max_age = max_age
        self._retry = retry
        self._heard = 0
        self._listening = False
        self._kept: dict[Hashable, tuple[tuple[int, int], float, Any]] = {}
        self._stopped = threading.Event()
        self.pid = os.getpid()
        self._thread = threading.Thread(
            target=self._run, name="registry-change-listener", daemon=True
        )
        self._thread.start()

    @property
    def listening(self) -> bool:
        """Whether the listener's connection is listening now."""
        return self._listening

    @property
    def heard(self) -> int:
        """How many notices (and losses and regains of the connection) were heard so far."""
        return self._heard

    def read(self, key: Hashable, read: Callable[[], T]) -> T:
        """What `read()` gave, kept under `key` while no change was heard, for `max_age` at most."""
        # The count is taken before the read: a change committed after the read's snapshot
        # is heard after this point, so what is kept under this count cannot hide it.
        stamp = (self._heard, _OwnCommits.count) if self._listening else None
        began = time.monotonic()
        kept = self._kept.get(key)
        if (
            stamp is not None
            and kept is not None
            and kept[0] == stamp
            and began - kept[1] < self._max_age
        ):
            return kept[2]  # type: ignore[no-any-return]
        result = read()
        if stamp is not None:
            self._kept[key] = (stamp, began, result)
        return result

    def stop(self, wait: bool = True) -> None:
        """Stop listening and close the connection (within POLL_SECONDS)."""
        self._stopped.set()
        if wait and self._thread is not threading.current_thread():
            self._thread.join()
        self._engine.dispose()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._listen()
            except Exception as error:  # any failure: the lookups read the version themselves
                if self._listening:
                    log.warning(
                        "change notices: stopped listening (%s); lookups read the serving "
                        "version each time until listening again",
                        type(error).__name__,
                    )
            # Not listening: nothing read until now may be kept past this point.
            self._listening = False
            self._heard += 1
            self._stopped.wait(self._retry)

    def _listen(self) -> None:
        connection = self._engine.raw_connection()
        try:
            driver: Any = connection.driver_connection
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANGE_CHANNEL}")
            # Whatever was kept before may predate a change committed while not listening.
            self._heard += 1
            self._listening = True
            while not self._stopped.is_set():
                for _notice in driver.notifies(timeout=POLL_SECONDS):
                    self._heard += 1
        except BaseException:
            connection.invalidate()  # closed as it is: no reset on a connection found broken
            raise
        connection.close()
