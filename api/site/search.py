"""Run a search over the catalogue: exact identifier matches, name matches, filters, pages."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from api.site.catalogue import Catalogue
from api.site.search_query import SearchRequest, SearchTerm
from api.site.search_table import Allowed, Facets, SearchTable, masked_id_key
from registry.columns import Column
from registry.publication.public_view import PublicEntry
from registry.screening.matching import FeatureExplanation

PAGE_SIZE = 20


@dataclass(frozen=True)
class Hit:
    """One entry in the results; `matched_on` names the name or alias a name search matched."""

    entry: PublicEntry
    matched_on: str | None = None
    features: tuple[FeatureExplanation, ...] = ()  # why a name search found it


@dataclass(frozen=True)
class ResultPage:
    """One page of results and where it sits among all of them."""

    items: list[Hit]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        """How many pages the results fill (at least one)."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.number < self.pages


def facets(catalogue: Catalogue) -> Facets:
    """Deciding authorities (alphabetical) and listing years (newest first) in the catalogue."""
    return catalogue.table.facets


def run_search(catalogue: Catalogue, request: SearchRequest) -> ResultPage:
    """The requested page of entries matching the term and every filter."""
    table = catalogue.table
    allowed = table.allowed(request.status, request.sector, request.authority, request.year)
    start = (request.page - 1) * PAGE_SIZE
    positions = _exact(table, request.term, allowed)
    if positions is not None:
        shown = positions[start : start + PAGE_SIZE]
        items = [Hit(table.entry_at(int(position))) for position in shown]
        return ResultPage(items=items, number=request.page, total=len(positions))
    hits = _by_name(catalogue, request.term, allowed)
    return ResultPage(items=hits[start : start + PAGE_SIZE], number=request.page, total=len(hits))


def _exact(
    table: SearchTable, term: SearchTerm, allowed: Allowed | None
) -> Sequence[int] | Column | None:
    """Positions of the entries the term finds exactly; None when it is a name to search for."""
    if term.kind == "empty":
        return range(len(table)) if allowed is None else allowed.positions
    if term.kind == "entry_id":
        position = table.position_of(term.key)
        return table.within([] if position is None else [position], allowed)
    if term.kind == "invalid_code":
        return []  # parse_search has told the visitor the code is not valid
    if term.kind == "id_number":
        return table.within(table.found_by(masked_id_key(term.key)), allowed)
    # Text is first tried as a code (credit code, patent or document number), exactly.
    exact = table.within(table.found_by(term.key), allowed)
    return exact or None


def _by_name(catalogue: Catalogue, term: SearchTerm, allowed: Allowed | None) -> list[Hit]:
    if catalogue.names is None:
        return []  # the page says name search is being prepared
    table = catalogue.table
    hits = []
    for match in catalogue.names.search(term.text):
        position = table.position_of(match.entry_id)
        if position is not None and (allowed is None or position in allowed):
            hits.append(Hit(table.entry_at(position), match.matched_on, match.features))
    return hits
