"""FollowTheMoney entities of a published entry: its subject (Company, Person, Organization) and
a Sanction. The feed's FtM export and the yente-compatible match API both build them here, so an
entity id found by screening is the id in the feed (derived from the entry_id alone).

The mapping is written once, as the raw values each entity property receives (`entry_values`);
`entry_entities` turns them into the library's entity objects, and the feed renders its lines
from the same values directly (registry/publication/ftm_lines.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from followthemoney import EntityProxy, model
from followthemoney.util import make_entity_id

from registry.errors import InvalidValue
from registry.subjects.identifiers import public_identifiers
from registry.subjects.personal_ids import PERSONAL_SCHEMES

DEFAULT_PROGRAM = "Patent dishonesty disclosure list (专利领域严重失信主体名单)"
COUNTRY = "cn"
# A subject entity's id: `make_entity_id(SUBJECT_ID_PREFIX, entry id)`, its entry id alone.
SUBJECT_ID_PREFIX = "ipl-subject"
# FollowTheMoney's topic for entities subject to a regulator's enforcement action.
TOPIC = "reg.action"

SCHEMA_BY_KIND = {
    "legal_person": "Company",
    "natural_person": "Person",
    "other_org": "Organization",
}


@dataclass(frozen=True)
class EntityValues:
    """One entity before cleaning: its schema, id, and (property, raw value or values) in order."""

    schema: str
    id: str | None
    values: list[tuple[str, Any]]


def subject_values(entry: Mapping[str, Any], field: str, source_url: str | None) -> EntityValues:
    """The raw values of the entry's subject entity; InvalidValue for an unknown kind or no name."""
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
    values: list[tuple[str, Any]] = [
        ("name", subject["name"]),
        ("alias", subject.get("name_latin")),
        ("alias", subject.get("aliases") or []),
        ("country", COUNTRY),
        ("topics", TOPIC),
        ("sector", entry.get("sectors") or []),
        ("sourceUrl", source_url),
    ]
    natural_person = kind == "natural_person"
    for identifier in public_identifiers(subject.get("identifiers") or [], natural_person):
        scheme, value = identifier.get("scheme"), identifier.get("value")
        if scheme == "cn_uscc":
            values += [("registrationNumber", value), ("uscCode", value)]
        elif scheme == "passport" and natural_person:
            values.append(("passportNumber", value))
        elif natural_person or scheme in PERSONAL_SCHEMES:
            # Masked: it identifies no one on its own.
            values.append(("idNumber", value))
        else:
            values.append(("registrationNumber", value))
    entity_id = make_entity_id(SUBJECT_ID_PREFIX, entry["entry_id"])
    return EntityValues(SCHEMA_BY_KIND[kind], entity_id, values)


def sanction_values(
    entry: Mapping[str, Any], subject_id: str | None, program: str, source_url: str | None
) -> EntityValues:
    """The raw values of the Sanction entity against the subject `subject_id`."""
    decision = entry.get("decision") or {}
    values: list[tuple[str, Any]] = [
        ("entity", subject_id),
        ("authority", decision.get("authority")),
        ("authorityId", decision.get("document_number")),
        ("program", program),
        ("country", COUNTRY),
    ]
    for ground in entry.get("grounds") or []:
        values.append(("reason", f"{ground.get('code')}: {ground.get('explanation')}"))
    values += [
        ("provisions", entry.get("measures") or []),
        ("listingDate", entry.get("listed_on")),
        ("startDate", entry.get("listed_on")),
        ("endDate", entry.get("period_end")),
        ("status", entry.get("status")),
        ("recordId", entry["entry_id"]),
        ("sourceUrl", source_url),
    ]
    return EntityValues("Sanction", make_entity_id("ipl-sanction", entry["entry_id"]), values)


def entry_values(
    bundle: Mapping[str, Any],
    *,
    program: str = DEFAULT_PROGRAM,
    base_url: str | None = None,
    field: str = "bundle",
) -> tuple[EntityValues, EntityValues]:
    """The raw values of the subject entity and its Sanction for one signed bundle."""
    entry = bundle["entry"]
    url = f"{base_url.rstrip('/')}/entries/{quote(entry['entry_id'])}" if base_url else None
    subject = subject_values(entry, f"{field}.entry", url)
    return subject, sanction_values(entry, subject.id, program, url)


def entity_proxy(values: EntityValues) -> EntityProxy:
    """The library's entity object holding `values`, each cleaned by its property type."""
    proxy = model.make_entity(values.schema)
    proxy.id = values.id
    for name, value in values.values:
        proxy.add(name, value)
    return proxy


def subject_entity(entry: Mapping[str, Any], field: str, source_url: str | None) -> EntityProxy:
    """The entry's subject as a Company, Person or Organization entity."""
    return entity_proxy(subject_values(entry, field, source_url))


def entry_entities(
    bundle: Mapping[str, Any],
    *,
    program: str = DEFAULT_PROGRAM,
    base_url: str | None = None,
    field: str = "bundle",
) -> list[EntityProxy]:
    """Return the subject entity and its Sanction for one signed bundle."""
    subject, sanction = entry_values(bundle, program=program, base_url=base_url, field=field)
    return [entity_proxy(subject), entity_proxy(sanction)]
