"""The public content of a listing (DESIGN.md section 3), masked before it is signed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.models import EnforcementCase, Listing
from registry.subjects.records import subject_identifiers

ENTRY_TYPE = "ipl.entry/v1"


def _basis(case: EnforcementCase) -> dict[str, Any]:
    return {
        "kind": case.kind,
        "authority": case.authority,
        "document_number": case.document_number,
        "decided_on": case.decided_on.isoformat(),
        "effective_on": case.effective_on.isoformat() if case.effective_on else None,
        "patents": case.patent_numbers,
        "deliberate": bool(case.deliberate or case.punitive_damages),
    }


def build_entry(listing: Listing, status: str, nonce: str) -> dict[str, Any]:
    """The entry object for the listing's current revision; personal identifiers are masked."""
    if listing.entry_id is None or listing.listed_on is None or listing.period_end is None:
        raise ValueError(f"listing {listing.id} has not been published")
    decision = {
        "authority": listing.decision_authority,
        "document_number": listing.decision_document_number,
        "decided_on": listing.decision_decided_on.isoformat()
        if listing.decision_decided_on
        else None,
    }
    return _entry(listing, listing.entry_id, listing.revision, decision, status, nonce)


def preview_entry(
    listing: Listing,
    decision: dict[str, Any],
    listed_on: dt.date,
    period_end: dt.date,
) -> dict[str, Any]:
    """The entry an approval would publish on `listed_on`, before it has an id or a signature.

    The same content `build_entry` signs at publication, with the decision about to be taken;
    `entry_id` and `nonce` are given only at publication.
    """
    preview = _entry(listing, None, 1, decision, "listed", None)
    preview["listed_on"], preview["period_end"] = listed_on.isoformat(), period_end.isoformat()
    return preview


def _entry(
    listing: Listing,
    entry_id: str | None,
    revision: int,
    decision: dict[str, Any],
    status: str,
    nonce: str | None,
) -> dict[str, Any]:
    subject = listing.subject
    published_subject: dict[str, Any] = {
        "kind": subject.kind,
        "name": subject.name,
        "name_latin": subject.name_latin,
        "aliases": list(subject.aliases),
        "identifiers": [
            i.as_public_dict(natural_person=subject.kind == "natural_person")
            for i in subject_identifiers(subject)
        ],
        "region": subject.region,
    }
    if subject.kind != "natural_person":
        published_subject["legal_representative"] = subject.legal_representative
    return {
        "type": ENTRY_TYPE,
        "entry_id": entry_id,
        "revision": revision,
        "status": status,
        "subject": published_subject,
        "grounds": [{"code": g["code"], "explanation": g["explanation"]} for g in listing.grounds],
        "basis": [_basis(case) for case in listing.cases],
        "decision": decision,
        "sectors": list(listing.sectors),
        "listed_on": listing.listed_on.isoformat() if listing.listed_on else None,
        "period_end": listing.period_end.isoformat() if listing.period_end else None,
        "measures": list(listing.measures),
        "remedy": listing.remedy,
        "nonce": nonce,
    }
