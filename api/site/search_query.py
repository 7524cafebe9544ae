"""What a visitor asked for: the search form's fields, checked, and what kind of term was typed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from flask_babel import gettext as _

from api.site.redaction import compact, redact_id_numbers
from registry.errors import InvalidValue
from registry.models import SECTORS
from registry.subjects.identifiers import validate_identifier

STATUSES = ("listed", "removed", "all")
MAX_TERM_LENGTH = 100
MAX_PAGE = 10_000

TermKind = Literal["empty", "entry_id", "id_number", "invalid_code", "text"]

_ENTRY_ID = re.compile(r"IPL-\d{4}-\d{1,12}")
_MASKED_ID_NUMBER = re.compile(r"\d{4}\*+\d{3}[\dX]")
# The shape of a unified social credit code (GB 32100): 18 characters of its alphabet.
_CREDIT_CODE_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}")
_YEAR = re.compile(r"[0-9]{4}")
_PAGE = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class SearchTerm:
    """The typed term, classified; `key` is its normalised form for exact comparison."""

    kind: TermKind
    text: str
    key: str


@dataclass(frozen=True)
class SearchRequest:
    """The search form: term, filters and page; empty strings mean "no filter"."""

    term: SearchTerm
    sector: str = ""
    authority: str = ""
    status: str = "listed"
    year: str = ""
    page: int = 1

    def query_args(self, **changes: str | int) -> dict[str, str | int]:
        """The URL query arguments for this search, with `changes` applied, empty ones left out."""
        args: dict[str, str | int] = {
            "q": self.term.text,
            "sector": self.sector,
            "authority": self.authority,
            "status": self.status,
            "year": self.year,
            "page": self.page,
        }
        args.update(changes)
        if args["page"] == 1:
            del args["page"]
        return {name: value for name, value in args.items() if value != ""}


def classify(text: str) -> SearchTerm:
    """Decide whether `text` is an entry number, a masked ID number, or text (a code or a name).

    Full ID numbers are masked first, so no term ever holds one.
    """
    text = redact_id_numbers(unicodedata.normalize("NFKC", text)).strip()
    key = compact(text)
    if not key:
        return SearchTerm("empty", "", "")
    if _ENTRY_ID.fullmatch(key):
        return SearchTerm("entry_id", key, key)
    if _MASKED_ID_NUMBER.fullmatch(key):
        return SearchTerm("id_number", key, key)
    if _CREDIT_CODE_SHAPE.fullmatch(key) and not _valid_credit_code(key):
        return SearchTerm("invalid_code", key, key)
    return SearchTerm("text", text, key)


def _valid_credit_code(key: str) -> bool:
    try:
        validate_identifier("cn_uscc", key)
    except InvalidValue:
        return False
    return True


def parse_search(args: Mapping[str, str]) -> tuple[SearchRequest, dict[str, str]]:
    """The search request in `args`, and an error message per field that is not acceptable."""
    errors: dict[str, str] = {}
    text = args.get("q", "")
    if len(text) > MAX_TERM_LENGTH:
        errors["q"] = _("Search terms are limited to %(n)d characters.", n=MAX_TERM_LENGTH)
        text = ""
    sector = args.get("sector", "")
    if sector and sector not in SECTORS:
        errors["sector"] = _("Unknown sector; choose one from the list.")
        sector = ""
    status = args.get("status", "") or "listed"
    if status not in STATUSES:
        errors["status"] = _("Unknown status; choose listed, removed or all.")
        status = "listed"
    year = args.get("year", "")
    if year and not _YEAR.fullmatch(year):
        errors["year"] = _("Year must be four digits, for example 2026.")
        year = ""
    page = _parse_page(args.get("page", ""), errors)
    term = classify(text)
    if term.kind == "invalid_code":
        errors["q"] = _(
            "%(code)s is not a valid unified social credit code: its check character does not"
            " match. Check the code and type it again.",
            code=term.key,
        )
    request = SearchRequest(
        term=term,
        sector=sector,
        authority=args.get("authority", "").strip()[:200],
        status=status,
        year=year,
        page=page,
    )
    return request, errors


def _parse_page(raw: str, errors: dict[str, str]) -> int:
    if not raw:
        return 1
    if not _PAGE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:
        errors["page"] = _("Page must be a whole number from 1 to %(n)d.", n=MAX_PAGE)
        return 1
    return int(raw)
