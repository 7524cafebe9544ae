"""Credit restoration: the conditions an application must meet before a reviewer may grant it.

Which conditions apply is configuration (`REGISTRY_RESTORATION_CONDITIONS`); each is checked
against the records and shown to the reviewer with what was found:

- `obligations_performed`: every basis case is recorded as performed, and the application
  cites the evidence of performance;
- `credit_commitment`: the application records the subject's credit commitment;
- `no_new_case`: no case against the subject was decided after the listing (revoked cases
  do not count).

The waiting period (`restoration_allowed_from`) is checked when the application is lodged.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import InvalidValue
from registry.models import Listing, ListingRequest

CONDITIONS = ("obligations_performed", "credit_commitment", "no_new_case")


@dataclass(frozen=True)
class ConditionCheck:
    """One restoration condition: whether it is met, and what the records show."""

    code: str
    met: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        """The check as the console and the admin API show it."""
        return {"code": self.code, "met": self.met, "detail": self.detail}


def parse_conditions(raw: str) -> tuple[str, ...]:
    """The configured condition codes, comma-separated; unknown codes are refused."""
    codes = tuple(dict.fromkeys(code.strip() for code in raw.split(",") if code.strip()))
    unknown = [code for code in codes if code not in CONDITIONS]
    if unknown:
        raise InvalidValue(
            "restoration_conditions",
            "unknown condition %(unknown)s; expected any of %(expected)s",
            unknown=", ".join(unknown),
            expected=", ".join(CONDITIONS),
        )
    return codes


def check_conditions(
    listing: Listing, request: ListingRequest, conditions: tuple[str, ...]
) -> list[ConditionCheck]:
    """Check each configured condition for a restoration application of `listing`."""
    details = request.details or {}
    checks = []
    for code in conditions:
        if code == "obligations_performed":
            unperformed = [
                case.document_number
                for case in listing.cases
                if case.performance_status != "performed"
            ]
            evidence = details.get("performance_evidence")
            met = not unperformed and bool(evidence)
            detail = (
                f"not recorded as performed: {', '.join(unperformed)}"
                if unperformed
                else "no evidence of performance cited"
                if not evidence
                else f"all basis cases performed; evidence: {evidence}"
            )
        elif code == "credit_commitment":
            commitment = details.get("credit_commitment")
            met = bool(commitment)
            detail = f"recorded: {commitment}" if commitment else "no credit commitment recorded"
        else:
            newer = [
                case.document_number
                for case in listing.subject.cases
                if listing.listed_on is not None
                and case.decided_on > listing.listed_on
                and case.revoked_on is None
            ]
            met = not newer
            detail = (
                f"decided after the listing: {', '.join(newer)}"
                if newer
                else "no case decided since the listing"
            )
        checks.append(ConditionCheck(code, met, detail))
    return checks
