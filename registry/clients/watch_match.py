"""Match log events against a watchlist: the items are indexed once, the events are the queries.

A list may hold 100,000 counterparties while a publication run adds a handful of events, so the
items go into a `MatchIndex` (built once per run) and each event's subject is screened against
it. A shared identifier decides a match; names are scored by the matching engine with its
default threshold. Items that record a kind are compared on kind too; items without one are
indexed apart and queried without a kind, so a missing kind costs no score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from registry.screening.matching import (
    DEFAULT_THRESHOLD,
    FeatureExplanation,
    ListedName,
    MatchIndex,
    ScreeningQuery,
)

# Per query; a list naming the same counterparty more often than this is a list to clean up.
MAX_MATCHES_PER_EVENT = 50
# The kind given to items without one; never compared, since their index is queried kindless.
_PLACEHOLDER_KIND = "other_org"


def identifier_pairs(identifiers: Iterable[Mapping[str, str]]) -> tuple[tuple[str, str], ...]:
    """Identifiers as the matcher's (scheme, value) pairs; a foreign scheme keeps its name."""
    pairs = []
    for identifier in identifiers:
        scheme = identifier["scheme"]
        if scheme == "other":
            scheme = f"other:{identifier.get('name', '').strip().casefold()}"
        pairs.append((scheme, identifier["value"]))
    return tuple(pairs)


@dataclass(frozen=True)
class WatchItem:
    """A watchlist item as the matcher needs it."""

    id: int
    name: str
    kind: str | None
    region: str | None
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EventSubject:
    """The subject of a log event: its names (name, Latin form, aliases) and identifiers."""

    kind: str
    names: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]
    region: str | None

    @classmethod
    def from_entry(
        cls, subject: Mapping[str, Any], identifiers: Sequence[Mapping[str, str]]
    ) -> EventSubject:
        """From a published entry's `subject` object and the subject's full identifiers."""
        names = (subject.get("name"), subject.get("name_latin"), *subject.get("aliases", ()))
        distinct = tuple(dict.fromkeys(name for name in names if name and name.strip()))
        return cls(subject["kind"], distinct, identifier_pairs(identifiers), subject.get("region"))

    def queries(self, kind: str | None) -> list[ScreeningQuery]:
        """One screening query per name (identifiers in each); identifiers alone if no name."""
        if not self.identifiers and not self.names:
            return []
        names = self.names or ("",)
        return [
            ScreeningQuery(name=name, identifiers=self.identifiers, kind=kind, region=self.region)
            for name in names
        ]


@dataclass(frozen=True)
class ItemMatch:
    """A watchlist item found for an event, with the best score and its explanation."""

    item_id: int
    score: float
    features: tuple[FeatureExplanation, ...]

    def as_dict(self) -> dict[str, Any]:
        """Score and features as plain data for the webhook payload."""
        return {
            "item_id": self.item_id,
            "score": self.score,
            "features": [feature.as_dict() for feature in self.features],
        }


class WatchIndex:
    """A watchlist's items, indexed for screening event subjects against them."""

    def __init__(self, items: Iterable[WatchItem]) -> None:
        typed: list[ListedName] = []
        untyped: list[ListedName] = []
        for item in items:
            listed = ListedName(
                entry_id=str(item.id),
                kind=item.kind or _PLACEHOLDER_KIND,
                name=item.name,
                identifiers=item.identifiers,
                region=item.region,
            )
            (typed if item.kind else untyped).append(listed)
        self._typed = MatchIndex.build(typed)
        self._untyped = MatchIndex.build(untyped)

    def __len__(self) -> int:
        return len(self._typed) + len(self._untyped)

    def matches(
        self, subject: EventSubject, threshold: float = DEFAULT_THRESHOLD
    ) -> list[ItemMatch]:
        """Items matching the subject by identifier or name, best first."""
        best: dict[int, ItemMatch] = {}
        for index, kind in ((self._typed, subject.kind), (self._untyped, None)):
            if not len(index):
                continue
            queries = subject.queries(kind)
            for found in index.screen_many(queries, threshold, MAX_MATCHES_PER_EVENT):
                for match in found:
                    item_id = int(match.entry_id)
                    if item_id not in best or match.score > best[item_id].score:
                        best[item_id] = ItemMatch(item_id, match.score, match.features)
        return sorted(best.values(), key=lambda match: (-match.score, match.item_id))
