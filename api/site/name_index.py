"""Name search for the public site, on the shared matching engine (registry.matching).

The site asks the engine with a lower threshold than screening does, because a visitor often
types part of a name and wants to see the candidates, ranked, rather than a yes-or-no answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.errors import InvalidValue
from registry.publication.public_view import PublicEntry
from registry.screening.matching.index import MatchIndex
from registry.screening.matching.records import KINDS, ListedName, ScreeningQuery
from registry.screening.matching.score import NAME_FEATURES, ScreeningMatch

SEARCH_THRESHOLD = 0.6
SEARCH_LIMIT = 200
_REGION = re.compile(r"\d{6}")


@dataclass(frozen=True)
class NameMatch:
    """An entry found by name; `matched_on` is "name", "latin" or "alias"."""

    entry_id: str
    score: float
    matched_on: str


class NameIndex:
    """The names, Latin forms and aliases of the given entries, ready to search."""

    def __init__(self, entries: Iterable[PublicEntry]) -> None:
        listed = [name for entry in entries if (name := _listed_name(entry)) is not None]
        self._index = MatchIndex.build(listed)

    def search(self, text: str) -> list[NameMatch]:
        """Entries whose names resemble `text`, best first."""
        if not text.strip() or not len(self._index):
            return []
        matches = self._index.screen(
            ScreeningQuery(name=text), threshold=SEARCH_THRESHOLD, limit=SEARCH_LIMIT
        )
        return [NameMatch(m.entry_id, m.score, _deciding_feature(m)) for m in matches]


def _listed_name(entry: PublicEntry) -> ListedName | None:
    """The matcher's view of an entry; None when the entry has no usable name."""
    subject: dict[str, Any] = (entry.content or {}).get("subject") or {}
    name = subject.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    region = subject.get("region")
    aliases = subject.get("aliases") or []
    kind = subject.get("kind")
    try:
        return ListedName(
            entry_id=entry.entry_id,
            kind=kind if isinstance(kind, str) and kind in KINDS else "legal_person",
            name=name,
            latin=subject.get("name_latin") or None,
            aliases=tuple(a for a in aliases if isinstance(a, str) and a.strip()),
            region=region if isinstance(region, str) and _REGION.fullmatch(region) else None,
        )
    except InvalidValue:
        # A malformed published entry must not take the whole search down; it stays
        # reachable by its entry number and identifiers.
        return None


def _deciding_feature(match: ScreeningMatch) -> str:
    names = [f for f in match.features if f.feature in NAME_FEATURES]
    deciding = max(names, key=lambda f: (f.weight, f.score), default=None)
    return deciding.feature if deciding is not None else "name"
