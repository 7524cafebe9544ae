"""Counts for the statistics page: listings over time, and current listings by sector and region."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from api.site.catalogue import Catalogue
from api.site.charts import month_series
from api.site.regions import province_code
from registry.models import SECTORS
from registry.publication.public_view import PublicEntry, listings_by_month
from runtime.extensions import db

STATISTICS = "site.statistics"

# The month chart stays readable on a phone; older months remain in the data table.
MAX_CHART_MONTHS = 36


@dataclass(frozen=True)
class Statistics:
    """Totals and breakdowns; codes are left for the page to translate."""

    listed_now: int
    removed: int
    by_month: list[tuple[str, int]]
    by_sector: list[tuple[str, int]]
    by_province: list[tuple[str | None, int]]

    @property
    def chart_months(self) -> list[tuple[str, int]]:
        """The most recent months, as many as the month chart shows."""
        return self.by_month[-MAX_CHART_MONTHS:]


def compute_statistics(
    entries: Iterable[PublicEntry], listed_per_month: Sequence[tuple[str, int]]
) -> Statistics:
    """Summarise the current entries; `listed_per_month` comes from the log's `listed` events."""
    listed_now = removed = 0
    sectors: Counter[str] = Counter()
    provinces: Counter[str | None] = Counter()
    for entry in entries:
        if entry.removal is not None:
            removed += 1
            continue
        listed_now += 1
        content = entry.content or {}
        sectors.update(set(content.get("sectors") or []))
        provinces[province_code((content.get("subject") or {}).get("region"))] += 1
    by_sector = [(code, sectors[code]) for code in SECTORS if sectors[code]]
    by_sector += sorted((code, n) for code, n in sectors.items() if code not in SECTORS)
    # Largest first; the unknown province (None) always last.
    by_province: list[tuple[str | None, int]] = sorted(
        ((code, n) for code, n in provinces.items() if code is not None),
        key=lambda item: (-item[1], item[0] or ""),
    )
    if provinces[None]:
        by_province.append((None, provinces[None]))
    return Statistics(
        listed_now=listed_now,
        removed=removed,
        by_month=month_series(listed_per_month),
        by_sector=by_sector,
        by_province=by_province,
    )


def site_statistics(catalogue: Catalogue) -> Statistics:
    """The statistics page's figures for the catalogue's list state, worked out once per state."""
    cached = catalogue.state.derived.get(STATISTICS)
    if isinstance(cached, Statistics):
        return cached
    entries = catalogue.all_entries
    stats = compute_statistics(entries, listings_by_month(db.session(), catalogue.state, entries))
    catalogue.state.derived[STATISTICS] = stats
    return stats
