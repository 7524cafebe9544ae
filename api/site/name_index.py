"""Name search for the public site, on the screening engine and its index (registry.screening).

The site asks the same index as screening (one per list state, `match_index`, over the
shared index file when the publisher has written one) with a lower
threshold, because a visitor often types part of a name and wants to see the candidates, ranked,
rather than a yes-or-no answer. Place and industry words typed next to a name (深圳 华兴, 电子,
Shenzhen) narrow the results to subjects of that place and industry.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.publication.as_of import ListState
from registry.screening.matching.query_words import split_query_words
from registry.screening.matching.records import ScreeningQuery
from registry.screening.matching.score import NAME_FEATURES, FeatureExplanation, ScreeningMatch
from registry.screening.shared_index import SharedIndex, StateIndex, match_index

SEARCH_THRESHOLD = 0.6
SEARCH_LIMIT = 200
# A match by place and industry words alone: shown, ranked after the names.
FILTER_SCORE = 0.0


@dataclass(frozen=True)
class NameMatch:
    """An entry found by name; `matched_on` is "name", "latin", "alias" or "place_industry"."""

    entry_id: str
    score: float
    matched_on: str
    features: tuple[FeatureExplanation, ...] = ()


class NameIndex:
    """The screening index of a list state, searched the way a visitor types."""

    def __init__(self, state: ListState, shared: SharedIndex | None = None) -> None:
        self.index: StateIndex = match_index(state, shared)

    def search(self, text: str) -> list[NameMatch]:
        """Entries whose names resemble `text` (within its place and industry words), best first."""
        if not text.strip() or not len(self.index):
            return []
        words = split_query_words(text)
        allowed = self.index.entries_in(words.regions, words.sector) if words.filters else None
        if words.filters and not words.name:
            found = sorted(allowed or ())
            return [NameMatch(entry_id, FILTER_SCORE, "place_industry") for entry_id in found]
        name = words.name if words.filters else text
        matches = self.index.screen(
            ScreeningQuery(name=name), threshold=SEARCH_THRESHOLD, limit=SEARCH_LIMIT
        )
        return [
            NameMatch(m.entry_id, m.score, _deciding_feature(m), m.features)
            for m in matches
            if allowed is None or m.entry_id in allowed
        ]


def _deciding_feature(match: ScreeningMatch) -> str:
    names = [f for f in match.features if f.feature in NAME_FEATURES]
    deciding = max(names, key=lambda f: (f.weight, f.score), default=None)
    return deciding.feature if deciding is not None else "name"
