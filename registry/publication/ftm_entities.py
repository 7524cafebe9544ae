"""FollowTheMoney entities of a published entry: its subject (Company, Person, Organization) and
a Sanction. The feed's FtM export and the yente-compatible match API both build them here, so an
entity id found by screening is the id in the feed (derived from the entry_id alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from followthemoney import EntityProxy, model

from registry.errors import InvalidValue
from registry.subjects.identifiers import public_identifiers
from registry.subjects.personal_ids import PERSONAL_SCHEMES

DEFAULT_PROGRAM = "Patent dishonesty disclosure list (专利领域严重失信主体名单)"
COUNTRY = "cn"
# FollowTheMoney's topic for entities subject to a regulator's enforcement action.
TOPIC = "reg.action"

SCHEMA_BY_KIND = {
    "legal_person": "Company",
    "natural_person": "Person",
    "other_org": "Organization",
}


def subject_entity(entry: Mapping[str, Any], field: str, source_url: str | None) -> EntityProxy:
    subject = entry.get("subject") or {}
    kind = subject.get("kind")
    if kind not in SCHEMA_BY_KIND:
        raise InvalidValue(
            f"{field}.subject.kind",
            "must be one of %(expected)s",
            expected=", ".join(SCHEMA_BY_KIND),
        )
    if not subject.get("name"):
        raise InvalidValue(f"{field}.subject.name", "must be a non-empty string")
    proxy = model.make_entity(SCHEMA_BY_KIND[kind])
    proxy.make_id("ipl-subject", entry["entry_id"])
    proxy.add("name", subject["name"])
    proxy.add("alias", subject.get("name_latin"))
    proxy.add("alias", subject.get("aliases") or [])
    proxy.add("country", COUNTRY)
    proxy.add("topics", TOPIC)
    proxy.add("sector", entry.get("sectors") or [])
    proxy.add("sourceUrl", source_url)
    natural_person = kind == "natural_person"
    for identifier in public_identifiers(subject.get("identifiers") or [], natural_person):
        scheme, value = identifier.get("scheme"), identifier.get("value")
        if scheme == "cn_uscc":
            proxy.add("registrationNumber", value)
            proxy.add("uscCode", value)
        elif scheme == "passport" and natural_person:
            proxy.add("passportNumber", value)
        elif natural_person or scheme in PERSONAL_SCHEMES:
            # Masked: it identifies no one on its own.
            proxy.add("idNumber", value)
        else:
            proxy.add("registrationNumber", value)
    return proxy


def _sanction(
    entry: Mapping[str, Any], subject: EntityProxy, program: str, source_url: str | None
) -> EntityProxy:
    decision = entry.get("decision") or {}
    proxy = model.make_entity("Sanction")
    proxy.make_id("ipl-sanction", entry["entry_id"])
    proxy.add("entity", subject.id)
    proxy.add("authority", decision.get("authority"))
    proxy.add("authorityId", decision.get("document_number"))
    proxy.add("program", program)
    proxy.add("country", COUNTRY)
    for ground in entry.get("grounds") or []:
        proxy.add("reason", f"{ground.get('code')}: {ground.get('explanation')}")
    proxy.add("provisions", entry.get("measures") or [])
    proxy.add("listingDate", entry.get("listed_on"))
    proxy.add("startDate", entry.get("listed_on"))
    proxy.add("endDate", entry.get("period_end"))
    proxy.add("status", entry.get("status"))
    proxy.add("recordId", entry["entry_id"])
    proxy.add("sourceUrl", source_url)
    return proxy


def entry_entities(
    bundle: Mapping[str, Any],
    *,
    program: str = DEFAULT_PROGRAM,
    base_url: str | None = None,
    field: str = "bundle",
) -> list[EntityProxy]:
    """Return the subject entity and its Sanction for one signed bundle."""
    entry = bundle["entry"]
    url = f"{base_url.rstrip('/')}/entries/{quote(entry['entry_id'])}" if base_url else None
    subject = subject_entity(entry, f"{field}.entry", url)
    return [subject, _sanction(entry, subject, program, url)]
