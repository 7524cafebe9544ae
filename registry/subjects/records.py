"""Recording subjects: names, Latin form, identifiers, representatives, region."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, InvalidValue, NotFound
from registry.models import SUBJECT_KINDS, Subject, SubjectIdentifier
from registry.subjects.identifiers import Identifier, validate_identifier
from registry.subjects.personal_ids import PERSONAL_SCHEMES
from registry.transaction import atomic

_REGION_RE = re.compile(r"^\d{6}$")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")


@dataclass
class SubjectInput:
    """What a clerk records about a subject."""

    kind: str
    name: str
    identifiers: Sequence[dict[str, str]] = ()
    name_latin: str | None = None
    aliases: Sequence[str] = ()
    legal_representative: str | None = None
    responsible_persons: Sequence[str] = field(default_factory=list)
    region: str | None = None
    address: str | None = None


def clean_text(
    value: str | None,
    field_name: str,
    max_length: int,
    required: bool = False,
    as_typed: bool = False,
) -> str:
    """Trim a text field, NFKC-normalised unless kept `as_typed`; refuse control characters.

    Names and addresses are kept as typed: NFKC would turn Chinese full-width punctuation
    such as （） and ， into ASCII, changing the name a subject is registered under.
    """
    text = (value or "") if as_typed else unicodedata.normalize("NFKC", value or "")
    text = text.strip()
    if required and not text:
        raise InvalidValue(field_name, "must not be empty")
    if len(text) > max_length:
        raise InvalidValue(
            field_name,
            "is %(text_count)s characters long; at most %(max_length)s",
            text_count=len(text),
            max_length=max_length,
        )
    if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text):
        raise InvalidValue(field_name, "contains control or invisible formatting characters")
    return text


def latin_form(name: str, kind: str) -> str:
    """The generated Latin form: pinyin for Chinese names, the name itself otherwise."""
    if not _HAN_RE.search(name):
        return name
    syllables = [s for s in lazy_pinyin(name) if s.strip()]
    if kind == "natural_person" and len(syllables) >= 2:
        return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
    return " ".join(s.capitalize() for s in syllables)


def check_subject(data: SubjectInput) -> tuple[dict[str, object], list[Identifier]]:
    """Check every field of a subject: the column values to store and its identifiers."""
    if data.kind not in SUBJECT_KINDS:
        raise InvalidValue(
            "kind",
            "unknown kind %(data_kind)r; expected %(expected)s",
            data_kind=data.kind,
            expected=", ".join(SUBJECT_KINDS),
        )
    name = clean_text(data.name, "name", 200, required=True, as_typed=True)
    identifiers = [
        validate_identifier(
            item.get("scheme", ""),
            item.get("value", ""),
            item.get("name"),
            f"identifiers[{i}]",
            country=item.get("country"),
        )
        for i, item in enumerate(data.identifiers)
    ]
    schemes = [(i.scheme, i.name, i.value) for i in identifiers]
    if len(set(schemes)) != len(schemes):
        raise InvalidValue("identifiers", "the same identifier is given twice")
    if data.kind == "natural_person" and any(i.scheme == "cn_uscc" for i in identifiers):
        raise InvalidValue("identifiers", "a natural person has no unified social credit code")
    personal = [i.scheme for i in identifiers if i.scheme in PERSONAL_SCHEMES]
    if data.kind != "natural_person" and personal:
        raise InvalidValue(
            "identifiers",
            "%(personal)s identifies natural persons only, not a %(data_kind)s",
            personal=personal[0],
            data_kind=data.kind,
        )
    region = clean_text(data.region, "region", 6) or None
    if region and not _REGION_RE.match(region):
        raise InvalidValue("region", "must be a 6-digit administrative division code")
    aliases = [
        clean_text(a, f"aliases[{i}]", 200, True, as_typed=True) for i, a in enumerate(data.aliases)
    ]
    persons = [
        clean_text(p, f"responsible_persons[{i}]", 100, True, as_typed=True)
        for i, p in enumerate(data.responsible_persons)
    ]
    edited = bool(data.name_latin and data.name_latin.strip())
    fields: dict[str, object] = {
        "kind": data.kind,
        "name": name,
        "name_latin": clean_text(data.name_latin, "name_latin", 300)
        if edited
        else latin_form(name, data.kind),
        "name_latin_edited": edited,
        "aliases": list(dict.fromkeys(aliases)),
        "legal_representative": clean_text(
            data.legal_representative, "legal_representative", 100, as_typed=True
        )
        or None,
        "responsible_persons": persons,
        "region": region,
        "address": clean_text(data.address, "address", 300, as_typed=True) or None,
    }
    return fields, identifiers


def find_by_identifier(session: Session, identifier: Identifier) -> Subject | None:
    """The subject holding this identifier, if any."""
    return session.scalar(
        select(Subject)
        .join(SubjectIdentifier)
        .where(
            SubjectIdentifier.scheme == identifier.scheme,
            SubjectIdentifier.scheme_name == (identifier.name or ""),
            SubjectIdentifier.value == identifier.value,
        )
    )


def add_subject(
    session: Session, actor: Actor, fields: dict[str, object], identifiers: Sequence[Identifier]
) -> Subject:
    """Insert a checked subject inside the caller's transaction; a known identifier conflicts."""
    for identifier in identifiers:
        existing = find_by_identifier(session, identifier)
        if existing is not None:
            shown = identifier.public_value(natural_person=True)
            raise Conflict(
                "identifier %(scheme)s %(shown)s already belongs to subject %(existing_id)s",
                scheme=identifier.scheme,
                shown=shown,
                existing_id=existing.id,
            )
    subject = Subject(**fields)
    subject.identifiers = [
        SubjectIdentifier(scheme=i.scheme, scheme_name=i.name or "", value=i.value)
        for i in identifiers
    ]
    session.add(subject)
    session.flush()
    audit.record(
        session,
        actor=actor.name,
        action="subject.record",
        object_type="subject",
        object_id=subject.id,
        after={"kind": subject.kind, "name": subject.name},
    )
    return subject


def record_subject(session: Session, actor: Actor, data: SubjectInput) -> Subject:
    """Record a new subject; an identifier already on record is a conflict."""
    actor.require("subject.record")
    fields, identifiers = check_subject(data)
    with atomic(session):
        subject = add_subject(session, actor, fields, identifiers)
    return subject


def get_subject(session: Session, subject_id: int) -> Subject:
    """The subject, or NotFound."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(
            "subject %(subject_id)s does not exist",
            subject_id=subject_id,
        )
    return subject


def subject_identifiers(subject: Subject) -> list[Identifier]:
    """The subject's identifiers as validated values."""
    return [Identifier(i.scheme, i.value, i.scheme_name or None) for i in subject.identifiers]
