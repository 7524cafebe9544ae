"""Every public entry in memory, with its name index, rebuilt only when the record changes.

Search, facets, totals and statistics all read the same snapshot. Whether it is stale is
decided by one cheap query (`catalogue_version`), so concurrent requests and several web
processes always agree with the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from api.site.name_index import NameIndex
from api.site.queries import PublicEntry, catalogue_version, load_entries

EXTENSION_KEY = "site.catalogue"
_rebuilding = threading.Lock()


@dataclass(frozen=True)
class Totals:
    """How many entries are listed now, and how many were removed."""

    listed: int
    removed: int


@dataclass(frozen=True)
class Catalogue:
    """A consistent snapshot of every entry, newest listing first."""

    version: tuple[Any, ...]
    all_entries: tuple[PublicEntry, ...]
    names: NameIndex

    @property
    def searchable(self) -> tuple[PublicEntry, ...]:
        """Entries whose content is still public (not purged)."""
        return tuple(entry for entry in self.all_entries if not entry.purged)

    def find(self, entry_id: str) -> PublicEntry | None:
        """The entry with this id, or None."""
        return next((e for e in self.all_entries if e.entry_id == entry_id), None)

    def totals(self) -> Totals:
        """Counts of listed and removed entries."""
        removed = sum(1 for entry in self.all_entries if entry.removal is not None)
        return Totals(listed=len(self.all_entries) - removed, removed=removed)


def current_catalogue(session: Session) -> Catalogue:
    """The catalogue for the database's current state, rebuilt when anything public changed."""
    version = catalogue_version(session)
    cached: Catalogue | None = current_app.extensions.get(EXTENSION_KEY)
    if cached is not None and cached.version == version:
        return cached
    with _rebuilding:
        cached = current_app.extensions.get(EXTENSION_KEY)
        if cached is not None and cached.version == version:
            return cached  # another thread rebuilt it while this one waited
        entries = tuple(sorted(load_entries(session), key=_listing_order, reverse=True))
        catalogue = Catalogue(
            version=version,
            all_entries=entries,
            names=NameIndex([entry for entry in entries if not entry.purged]),
        )
        current_app.extensions[EXTENSION_KEY] = catalogue
    return catalogue


def _listing_order(entry: PublicEntry) -> tuple[str, str]:
    content = entry.content or {}
    return (str(content.get("listed_on") or ""), entry.entry_id)
