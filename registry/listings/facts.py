"""The facts of one enforcement case as the rules engine sees them, and their consistency checks.

Pure: no database. The case kinds and conducts come from the list-type vocabulary
(registry/listings/list_types/loader.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from registry.errors import InvalidValue, translatable
from registry.listings.list_types.loader import CASE_KINDS, CONDUCTS, DETERMINATION_KINDS

PERFORMANCE_STATUSES = ("performed", "pending", "refused")
KIND_WORDS = {
    "administrative_ruling": translatable("an administrative ruling"),
    "court_judgment": translatable("a court judgment"),
    "administrative_penalty": translatable("an administrative penalty"),
    "cnipa_determination": translatable("a determination by CNIPA"),
    "provincial_determination": translatable("a determination by a provincial patent office"),
}
CONDUCT_WORDS = {
    "agency_violation": "a serious violation in patent agency",
    "certificate_lending": "lending a patent attorney certificate",
    "abnormal_application": "abnormal patent applications",
    "false_documents": "submitting false documents",
}


@dataclass(frozen=True)
class PatentInvalidation:
    """A patent of the case declared wholly invalid, and the day that decision was made."""

    patent: str
    declared_on: date


@dataclass(frozen=True)
class CaseFacts:
    """The facts of one enforcement case that the rules look at."""

    case_id: int
    document_number: str
    kind: str
    authority: str
    decided_on: date
    effective_on: date | None  # None: not yet final
    act_start: date | None = None
    act_end: date | None = None
    patents: tuple[str, ...] = ()
    infringement_found: bool = False
    deliberate: bool = False
    punitive_damages: bool = False
    performance_deadline: date | None = None
    performance_status: str = "pending"
    revoked_on: date | None = None
    invalidated_patents: tuple[PatentInvalidation, ...] = ()
    conduct: str | None = None  # what a determination found (determination kinds only)

    def __post_init__(self) -> None:
        if self.case_id < 1:
            raise InvalidValue(
                "case_id",
                "must be a positive number, got %(case_id)s",
                case_id=self.case_id,
            )
        for name in ("document_number", "authority"):
            if not getattr(self, name).strip():
                raise InvalidValue(
                    name,
                    "case %(case_id)s: must not be empty",
                    case_id=self.case_id,
                )
        if self.kind not in CASE_KINDS:
            raise InvalidValue(
                "kind",
                "'%(kind)s' is not one of %(expected)s",
                kind=self.kind,
                expected=", ".join(CASE_KINDS),
            )
        if self.performance_status not in PERFORMANCE_STATUSES:
            raise InvalidValue(
                "performance_status",
                "'%(performance_status)s' is not one of %(expected)s",
                performance_status=self.performance_status,
                expected=", ".join(PERFORMANCE_STATUSES),
            )
        # An act is adjudicated after it began; the repeat rule relies on it.
        _require_order(self, "act_start", "decided_on")
        _require_order(self, "act_start", "act_end")
        _require_order(self, "decided_on", "effective_on")
        _require_order(self, "decided_on", "performance_deadline")
        _require_order(self, "decided_on", "revoked_on")
        if (self.deliberate or self.punitive_damages) and not self.infringement_found:
            raise InvalidValue(
                "infringement_found",
                "case %(case_id)s: deliberate infringement or punitive damages need a "
                "finding of infringement",
                case_id=self.case_id,
            )
        check_conduct(self.kind, self.conduct, self.infringement_found)
        for invalidation in self.invalidated_patents:
            if invalidation.patent not in self.patents:
                raise InvalidValue(
                    "invalidated_patents",
                    "case %(case_id)s: patent %(patent)s is not one of its patents",
                    case_id=self.case_id,
                    patent=invalidation.patent,
                )

    def label(self) -> str:
        """Name the case in published explanations: its document number, no internal id."""
        noun = "determination" if self.kind in DETERMINATION_KINDS else "decision"
        return f"{noun} {self.document_number}"


def _require_order(case: CaseFacts, earlier: str, later: str) -> None:
    first, second = getattr(case, earlier), getattr(case, later)
    if first is not None and second is not None and second < first:
        raise InvalidValue(
            later,
            "case %(case_id)s: %(second)s is before %(earlier)s %(first)s",
            case_id=case.case_id,
            second=second.isoformat(),
            earlier=earlier,
            first=first.isoformat(),
        )


def check_conduct(kind: str, conduct: str | None, infringement_found: bool | None) -> None:
    """Refuse a determination without a known conduct, or a conduct on any other kind."""
    if kind not in DETERMINATION_KINDS:
        if conduct:
            raise InvalidValue(
                "conduct",
                "only a determination by CNIPA or a provincial office names a conduct, not "
                "%(word)s",
                word=KIND_WORDS.get(kind, kind),
            )
        return
    if conduct not in CONDUCTS:
        raise InvalidValue(
            "conduct",
            "a determination names the conduct it found: one of %(expected)s",
            expected=", ".join(CONDUCTS),
        )
    if infringement_found:
        raise InvalidValue(
            "infringement_found",
            "a determination by a patent office does not find patent infringement; "
            "record the infringement ruling or judgment as its own case",
        )


def check_findings(kind: str, deliberate: bool, punitive_damages: bool) -> None:
    """Refuse findings that a case of `kind` cannot make (Patent Law arts. 65 and 71)."""
    if kind == "court_judgment":
        return
    if punitive_damages:
        raise InvalidValue(
            "punitive_damages",
            "%(word)s cannot award damages; punitive damages are awarded by a court judgment "
            "(Patent Law art. 71)",
            word=KIND_WORDS.get(kind, kind),
        )
    if deliberate:
        raise InvalidValue(
            "deliberate",
            "deliberate (wilful) infringement is a finding of a court judgment (Patent Law "
            "art. 71), not of %(word)s",
            word=KIND_WORDS.get(kind, kind),
        )


def deduplicate(cases: Iterable[CaseFacts]) -> list[CaseFacts]:
    """The cases once each, by id; two records of one decision are refused."""
    # The same case passed twice counts once; two records of one decision are a data error
    # that would otherwise turn one finding into a "repeat".
    by_id: dict[int, CaseFacts] = {}
    by_document: dict[tuple[str, str], int] = {}
    for case in cases:
        known = by_id.get(case.case_id)
        if known is not None:
            if known != case:
                raise InvalidValue(
                    "cases",
                    "case %(case_id)s is given twice with different facts",
                    case_id=case.case_id,
                )
            continue
        key = (case.authority.strip(), case.document_number.strip())
        other = by_document.setdefault(key, case.case_id)
        if other != case.case_id:
            low, high = sorted((other, case.case_id))
            raise InvalidValue(
                "cases",
                "cases %(low)s and %(high)s both record document %(key)s of %(key2)s; record "
                "each decision once",
                low=low,
                high=high,
                key=key[1],
                key2=key[0],
            )
        by_id[case.case_id] = case
    return sorted(by_id.values(), key=lambda case: case.case_id)


# Why a case does not count on a day: a code, and the day it names (if any).
NotCounted = tuple[str, date | None]
NOT_COUNTED_WORDS = {
    "revoked": "revoked on {day}",
    "not_final": "not yet effective",
    "effective_later": "not yet effective (becomes effective on {day})",
    "patents_invalid": "every patent declared wholly invalid (the last on {day})",
}


def not_counted(case: CaseFacts, on: date) -> NotCounted | None:
    """Why `case` does not count on day `on`, as a code of `NOT_COUNTED_WORDS` and its day."""
    if case.revoked_on is not None and case.revoked_on <= on:
        return "revoked", case.revoked_on
    if case.effective_on is None:
        return "not_final", None
    if case.effective_on > on:
        return "effective_later", case.effective_on
    invalid_on: dict[str, date] = {}
    for item in case.invalidated_patents:
        if item.declared_on <= on:
            invalid_on[item.patent] = min(item.declared_on, invalid_on.get(item.patent, on))
    if case.patents and set(case.patents) <= invalid_on.keys():
        return "patents_invalid", max(invalid_on.values())
    return None


def reason_not_counted_text(why: NotCounted) -> str:
    """The English of a reason `not_counted` gave."""
    code, day = why
    return NOT_COUNTED_WORDS[code].format(day=day.isoformat() if day else "")
