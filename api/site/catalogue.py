"""Every public entry in memory, with the name index, built once per state of the public list.

Search, facets, totals and statistics all read the same snapshot: the catalogue of the read
model's current list state (registry.publication.public_view), kept with that state, so it is
rebuilt exactly when what is public changes, and says what the API and screening say.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from api.public_view import public_now, screening_index
from api.site.name_index import NameIndex
from registry.publication.as_of import ListState
from registry.publication.public_view import PublicEntry, shown_entries

CATALOGUE = "site.catalogue"
_rebuilding = threading.Lock()


@dataclass(frozen=True)
class Totals:
    """How many entries are listed now, and how many were removed."""

    listed: int
    removed: int


@dataclass(frozen=True)
class Catalogue:
    """A consistent snapshot of every entry shown publicly, newest listing first.

    Entries removed in error are not in it: the read model leaves them out of every listing.
    """

    state: ListState
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
        listed = sum(1 for entry in self.all_entries if entry.listed)
        return Totals(listed=listed, removed=len(self.all_entries) - listed)


def current_catalogue() -> Catalogue:
    """The catalogue of what is public now, built once per list state."""
    state = public_now()
    cached = state.derived.get(CATALOGUE)
    if isinstance(cached, Catalogue):
        return cached
    with _rebuilding:
        cached = state.derived.get(CATALOGUE)
        if isinstance(cached, Catalogue):
            return cached  # another thread built it while this one waited
        entries = tuple(sorted(shown_entries(state), key=_listing_order, reverse=True))
        catalogue = Catalogue(
            state=state,
            all_entries=entries,
            names=NameIndex(state, screening_index()),
        )
        state.derived[CATALOGUE] = catalogue
    return catalogue


def _listing_order(entry: PublicEntry) -> tuple[str, str]:
    content = entry.content or {}
    return (str(content.get("listed_on") or ""), entry.entry_id)
