"""Run a search over the catalogue: exact identifier matches, name matches, filters, pages."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from api.site.catalogue import Catalogue
from api.site.redaction import compact
from api.site.search_query import SearchRequest, SearchTerm
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


@dataclass(frozen=True)
class Facets:
    """The values the filters offer, taken from the entries that are still public."""

    authorities: list[str]
    years: list[str]


def facets(catalogue: Catalogue) -> Facets:
    """Deciding authorities (alphabetical) and listing years (newest first) in the catalogue."""
    authorities: set[str] = set()
    years: set[str] = set()
    for entry in catalogue.searchable:
        content = entry.content or {}
        authority = (content.get("decision") or {}).get("authority")
        if authority:
            authorities.add(authority)
        if content.get("listed_on"):
            years.add(str(content["listed_on"])[:4])
    return Facets(sorted(authorities), sorted(years, reverse=True))


def run_search(catalogue: Catalogue, request: SearchRequest) -> ResultPage:
    """The requested page of entries matching the term and every filter."""
    candidates = [e for e in catalogue.searchable if _passes_filters(e, request)]
    hits = _match(catalogue, request.term, candidates)
    start = (request.page - 1) * PAGE_SIZE
    return ResultPage(items=hits[start : start + PAGE_SIZE], number=request.page, total=len(hits))


def _passes_filters(entry: PublicEntry, request: SearchRequest) -> bool:
    # The site's filter names the two sides of the list: listed now, or no longer listed.
    if request.status != "all" and ("listed" if entry.listed else "removed") != request.status:
        return False
    content = entry.content or {}
    if request.sector and request.sector not in (content.get("sectors") or []):
        return False
    authority = (content.get("decision") or {}).get("authority")
    if request.authority and authority != request.authority:
        return False
    return not request.year or str(content.get("listed_on") or "")[:4] == request.year


def _match(catalogue: Catalogue, term: SearchTerm, candidates: list[PublicEntry]) -> list[Hit]:
    if term.kind == "empty":
        return [Hit(entry) for entry in candidates]
    if term.kind == "entry_id":
        return [Hit(entry) for entry in candidates if entry.entry_id == term.key]
    if term.kind == "invalid_code":
        return []  # parse_search has told the visitor the code is not valid
    if term.kind == "id_number":
        return [Hit(entry) for entry in candidates if _has_masked_id(entry, term.key)]
    # Text is first tried as a code (credit code, patent or document number), exactly.
    exact = [Hit(entry) for entry in candidates if term.key in _codes(entry)]
    if exact:
        return exact
    if catalogue.names is None:
        return []  # the page says name search is being prepared
    allowed = {entry.entry_id: entry for entry in candidates}
    return [
        Hit(allowed[match.entry_id], match.matched_on, match.features)
        for match in catalogue.names.search(term.text)
        if match.entry_id in allowed
    ]


def _identifiers(entry: PublicEntry) -> list[dict[str, Any]]:
    subject = (entry.content or {}).get("subject") or {}
    return [i for i in subject.get("identifiers") or [] if isinstance(i, dict)]


def _has_masked_id(entry: PublicEntry, masked: str) -> bool:
    """Compare only what a masked number shows: its first four and last four characters."""
    for identifier in _identifiers(entry):
        value = compact(str(identifier.get("value") or ""))
        if identifier.get("scheme") == "cn_ric" and (value[:4], value[-4:]) == (
            masked[:4],
            masked[-4:],
        ):
            return True
    return False


def _codes(entry: PublicEntry) -> set[str]:
    """Every code an entry can be found by exactly: identifiers, patents, document numbers."""
    content = entry.content or {}
    values: Iterable[Any] = [
        *(identifier.get("value") for identifier in _identifiers(entry)),
        *(patent for case in content.get("basis") or [] for patent in case.get("patents") or []),
        *(case.get("document_number") for case in content.get("basis") or []),
        (content.get("decision") or {}).get("document_number"),
    ]
    return {compact(str(value)) for value in values if value}
