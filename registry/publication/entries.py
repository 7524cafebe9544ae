"""The public content of a listing (DESIGN.md section 3, docs/entry-v2.md), masked before signing.

New revisions are `ipl.entry/v2`: Chinese primary text for the list type, the grounds, the
measures and the remedy, English alongside. Entries signed as v1 are never rebuilt: their signed
bytes stay as published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.models import EnforcementCase, Listing
from registry.signing.signatures import ENTRY_TYPE
from registry.subjects.records import subject_identifiers


def _basis(case: EnforcementCase) -> dict[str, Any]:
    return {
        "kind": case.kind,
        "authority": case.authority,
        "document_number": case.document_number,
        "decided_on": case.decided_on.isoformat(),
        "effective_on": case.effective_on.isoformat() if case.effective_on else None,
        "patents": case.patent_numbers,
        "deliberate": bool(case.deliberate or case.punitive_damages),
        "conduct": case.conduct,
    }


def _ground(ground: dict[str, Any]) -> dict[str, Any]:
    # A ground proposed before list types carried names keeps its code and English text.
    english = ground["explanation"]
    return {
        "code": ground["code"],
        "name": ground.get("name_zh") or ground["code"],
        "name_en": ground.get("name_en") or ground["code"],
        "citation": ground.get("citation_zh") or "",
        "citation_en": ground.get("citation_en") or "",
        "explanation": ground.get("explanation_zh") or english,
        "explanation_en": english,
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
    measures = list(listing.measures)
    measures_en = list(listing.measures_en or [])
    return {
        "type": ENTRY_TYPE,
        "entry_id": entry_id,
        "revision": revision,
        "status": status,
        "subject": published_subject,
        "grounds": [_ground(g) for g in listing.grounds],
        "basis": [_basis(case) for case in listing.cases],
        "decision": decision,
        "sectors": list(listing.sectors),
        "listed_on": listing.listed_on.isoformat() if listing.listed_on else None,
        "period_end": listing.period_end.isoformat() if listing.period_end else None,
        "measures": measures,
        "measures_en": measures_en if len(measures_en) == len(measures) else measures,
        "remedy": listing.remedy,
        "remedy_en": listing.remedy_en or listing.remedy,
        "nonce": nonce,
    }
