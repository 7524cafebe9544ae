"""Counts for the statistics page: listings over time, and current listings by sector and region."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from api.site.catalogue import Catalogue
from api.site.charts import month_series
from api.site.regions import province_code
from registry.models import SECTORS
from registry.publication.public_view import PublicEntry, listings_by_month
from runtime.extensions import db

STATISTICS = "site.statistics"
COUNTS = "site.statistics.counts"

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


@dataclass
class Counts:
    """What the statistics count, kept so that the next list state's can be moved from them."""

    listed: int = 0
    removed: int = 0
    sectors: Counter[str] = field(default_factory=Counter)
    provinces: Counter[str | None] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)

    def count(self, entry: PublicEntry, sign: int = 1) -> None:
        """Count a shown entry in (sign 1) or out (sign -1), its month apart."""
        if entry.removal is not None:
            self.removed += sign
            return
        self.listed += sign
        content = entry.content or {}
        for sector in set(content.get("sectors") or []):
            self.sectors[sector] += sign
        self.provinces[province_code((content.get("subject") or {}).get("region"))] += sign

    def copy(self) -> Counts:
        """An independent copy."""
        return Counts(
            self.listed,
            self.removed,
            Counter(self.sectors),
            Counter(self.provinces),
            Counter(self.months),
        )

    def statistics(self) -> Statistics:
        """The page's figures."""
        sectors = +self.sectors  # counts moved down to nothing leave the breakdowns
        provinces = +self.provinces
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
            listed_now=self.listed,
            removed=self.removed,
            by_month=month_series(sorted((+self.months).items())),
            by_sector=by_sector,
            by_province=by_province,
        )


def compute_statistics(
    entries: Iterable[PublicEntry], listed_per_month: Sequence[tuple[str, int]]
) -> Statistics:
    """Summarise the current entries; `listed_per_month` comes from the log's `listed` events."""
    return _counted(entries, listed_per_month).statistics()


def _counted(entries: Iterable[PublicEntry], listed_per_month: Sequence[tuple[str, int]]) -> Counts:
    counts = Counts(months=Counter(dict(listed_per_month)))
    for entry in entries:
        counts.count(entry)
    return counts


def _moved(catalogue: Catalogue) -> Counts | None:
    """The counts of the previous catalogue's state moved by the rows that changed, or None
    when there are none to move from, or when most rows changed (a whole count reads less)."""
    base = catalogue.moved_from() if catalogue.moved_from is not None else None
    kept = base.derived.get(COUNTS) if base is not None else None
    if not isinstance(kept, Counts) or 2 * len(catalogue.gone) > len(catalogue.rows):
        return None
    gone = [row.entry for row in catalogue.gone if row.shown]
    new = [row.entry for row in catalogue.new if row.shown]
    counts = kept.copy()
    for sign, entries in ((-1, gone), (1, new)):
        for entry in entries:
            counts.count(entry, sign)
        for month, n in listings_by_month(db.session(), catalogue.state, entries):
            counts.months[month] += sign * n
    return counts


def site_statistics(catalogue: Catalogue) -> Statistics:
    """The statistics page's figures for the catalogue's list state, worked out once per state:
    moved from the previous state's by the entries that changed, or counted whole."""
    cached = catalogue.state.derived.get(STATISTICS)
    if isinstance(cached, Statistics):
        return cached
    counts = _moved(catalogue)
    if counts is None:
        entries = catalogue.all_entries
        months = listings_by_month(db.session(), catalogue.state, entries)
        counts = _counted(entries, months)
    stats = counts.statistics()
    catalogue.state.derived[COUNTS] = counts
    catalogue.state.derived[STATISTICS] = stats
    return stats
