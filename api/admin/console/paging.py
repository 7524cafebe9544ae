"""Paging for the console's lists: `?page=N`, a fixed page size, previous and next links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request, url_for
from flask_babel import gettext

from registry.errors import InvalidValue

PAGE_SIZE = 50
LAST_PAGE = 10_000
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """Where a list page is: its number and the links to its neighbours."""

    number: int
    previous_url: str | None
    next_url: str | None


def page_number() -> int:
    """The page asked for (1 when none); InvalidValue when it is not a page number."""
    raw = request.args.get("page", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= LAST_PAGE:
        raise InvalidValue(
            "page", gettext("Give a page number from 1 to %(last)s.", last=LAST_PAGE)
        )
    return int(raw)


def offset(number: int) -> int:
    """The first row of page `number`."""
    return (number - 1) * PAGE_SIZE


def paged(rows: Sequence[T], number: int) -> tuple[list[T], Page]:
    """The page's rows from a query of PAGE_SIZE + 1 rows, and the links to its neighbours."""
    endpoint = request.endpoint or ""
    values: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    values.update(request.view_args or {})

    def link(to: int) -> str:
        return url_for(endpoint, **{**values, "page": to})

    return list(rows[:PAGE_SIZE]), Page(
        number=number,
        previous_url=link(number - 1) if number > 1 else None,
        next_url=link(number + 1) if len(rows) > PAGE_SIZE else None,
    )
