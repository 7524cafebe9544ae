"""The configurable thresholds and periods, gathered into one object the services take."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from registry.listings.authority import DecisionAuthority
from registry.listings.calendar import WorkingDayCalendar, load_overrides
from registry.listings.list_types.loader import ListType, list_types_in
from registry.listings.periods import PeriodsConfig
from registry.listings.remedy import RemedyConfig
from registry.listings.restoration import CONDITIONS, parse_conditions
from registry.listings.rules import RulesConfig


@dataclass(frozen=True)
class Policy:
    """Rules thresholds, lifecycle periods, the working-day calendar and deciding authority."""

    rules: RulesConfig = field(default_factory=RulesConfig)
    periods: PeriodsConfig = field(default_factory=PeriodsConfig)
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)
    retention_days: int = 365
    authority: DecisionAuthority = field(default_factory=DecisionAuthority)
    restoration_conditions: tuple[str, ...] = CONDITIONS
    remedy: RemedyConfig = field(default_factory=RemedyConfig)

    def __post_init__(self) -> None:
        for list_type in self.rules.list_types:
            self.periods_for([list_type.code])  # a type's own periods must fit together

    @property
    def list_types(self) -> tuple[ListType, ...]:
        """The configured list types, ordered by code."""
        return self.rules.list_types

    def periods_for(self, codes: Iterable[str]) -> PeriodsConfig:
        """The periods of a listing on these grounds: the longest any of their types sets.

        A type whose file fixes no period (the shipped ones, whose figures are unverified)
        takes the registry settings `REGISTRY_LISTING_YEARS` and `..._RESTORATION_MIN_YEARS`.
        """
        types = [self.rules.list_type(code) for code in codes]
        listing = [t.listing_years or self.periods.listing_years for t in types]
        restoration = [t.restoration_min_years or self.periods.restoration_min_years for t in types]
        return replace(
            self.periods,
            listing_years=max(listing, default=self.periods.listing_years),
            restoration_min_years=max(restoration, default=self.periods.restoration_min_years),
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Policy:
        """Build the policy from the `REGISTRY` settings mapping."""
        return cls(
            rules=RulesConfig(
                lookback_years=settings["LOOKBACK_YEARS"],
                list_types=list_types_in(settings.get("LIST_TYPES_DIR")),
            ),
            periods=PeriodsConfig(
                defence_working_days=settings["DEFENCE_WORKING_DAYS"],
                listing_years=settings["LISTING_YEARS"],
                restoration_min_years=settings["RESTORATION_MIN_YEARS"],
                objection_decision_days=settings["OBJECTION_DECISION_DAYS"],
                correction_publish_working_days=settings["CORRECTION_PUBLISH_WORKING_DAYS"],
                publish_within_working_days=settings["PUBLISH_WITHIN_WORKING_DAYS"],
                backdating_window_days=settings["BACKDATING_WINDOW_DAYS"],
                revocation_removal_working_days=settings["REVOCATION_REMOVAL_WORKING_DAYS"],
            ),
            calendar=_calendar(settings.get("CALENDAR_OVERRIDES")),
            retention_days=settings["RETENTION_DAYS"],
            authority=DecisionAuthority(
                name=settings["AUTHORITY_NAME"],
                code=settings["AUTHORITY_CODE"],
                document_number_pattern=settings["AUTHORITY_DOCUMENT_PATTERN"],
                objection_contact=settings["AUTHORITY_OBJECTION_CONTACT"],
            ),
            restoration_conditions=parse_conditions(settings["RESTORATION_CONDITIONS"]),
            remedy=RemedyConfig(
                reconsideration_days=settings["RECONSIDERATION_DAYS"],
                litigation_months=settings["LITIGATION_MONTHS"],
                authority_contact=settings["AUTHORITY_OBJECTION_CONTACT"],
            ),
        )


@cache
def _calendar(overrides_path: str | None) -> WorkingDayCalendar:
    # One calendar per overrides file and process: it caches the years it has loaded.
    if not overrides_path:
        return WorkingDayCalendar()
    return load_overrides(Path(overrides_path).read_text(encoding="utf-8"))
