"""Every public entry in memory, with the name index, built once per state of the public list.

Search, facets, totals and statistics all read the same snapshot: the catalogue of the read
model's current list state (registry.publication.public_view), kept with that state, so it is
rebuilt exactly when what is public changes, and says what the API and screening say.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app

from api.public_view import list_states, public_now, screening_index
from api.site.name_index import NameIndex
from registry.errors import ScreeningIndexPending
from registry.publication.as_of import ListState
from registry.publication.public_view import PublicEntry, shown_entries
from registry.screening.matching.index_file import IndexFile
from runtime.extensions import db

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
    # The names of the list, searched as screening searches them; None while the screening
    # index of a list larger than a worker indexes in memory is first being written, and
    # `names_behind` while the names are those of the index file's earlier list state
    # (SharedIndex.screening_size): a run's new entries are not found by name until then.
    names: NameIndex | None
    names_behind: bool = False
    index_file: IndexFile | None = None

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
    if isinstance(cached, Catalogue) and _current(cached):
        return cached
    with _rebuilding:
        cached = state.derived.get(CATALOGUE)
        if isinstance(cached, Catalogue) and _current(cached):
            return cached  # another thread built it while this one waited
        entries = tuple(sorted(shown_entries(state), key=_listing_order, reverse=True))
        names, behind = _names(state)
        catalogue = Catalogue(
            state=state,
            all_entries=entries,
            names=names,
            names_behind=behind,
            index_file=screening_index().current(),
        )
        state.derived[CATALOGUE] = catalogue
    return catalogue


def _current(catalogue: Catalogue) -> bool:
    # Names taken from an earlier list state, or none yet, wait for the next index file.
    return not catalogue.names_behind or catalogue.index_file is screening_index().current()


def _names(state: ListState) -> tuple[NameIndex | None, bool]:
    """The name index of `state`, or of the index file's list state while the file lags far.

    As for name screening (api/screening_api/context.py: `screening_checkpoint`), no worker
    indexes more than `REGISTRY_SCREENING_INDEX_MAX_LAG` entries in memory.
    """
    shared = screening_index()
    most = current_app.config["SCREENING_INDEX_MAX_LAG"]
    try:
        size = shared.screening_size(db.session(), state.tree_size, most)
    except ScreeningIndexPending:
        return None, True
    if size == state.tree_size:
        return NameIndex(state, shared), False
    return NameIndex(list_states().get(db.session(), size, state.day), shared), True


def _listing_order(entry: PublicEntry) -> tuple[str, str]:
    content = entry.content or {}
    return (str(content.get("listed_on") or ""), entry.entry_id)
