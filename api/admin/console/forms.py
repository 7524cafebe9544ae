"""Console forms: dates from date pickers, and each domain error placed beside its field in words.

A refused form is shown again with what was typed and a 422 (a state conflict: 409). The
domain names fields by their data path (`identifiers[0].value`); the console names the form
field that holds it and says what is wrong in the page's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, overload

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from api.error_language import domain_message, domain_reason
from registry.errors import Conflict, DomainError, InvalidValue

FIELD_LABELS: Mapping[str, LazyString] = {
    "kind": _l("Kind"),
    "name": _l("Registered name"),
    "identifier_value": _l("Identifier"),
    "identifier_name": _l("Scheme name or issuing country"),
    "aliases": _l("Aliases and former names"),
    "legal_representative": _l("Legal representative"),
    "region": _l("Region"),
    "address": _l("Address"),
    "authority": _l("Deciding authority"),
    "document_number": _l("Document number"),
    "decided_on": _l("Decided on"),
    "effective_on": _l("Effective on"),
    "act_start": _l("Infringing act from"),
    "act_end": _l("Infringing act until"),
    "patents": _l("Patents"),
    "findings": _l("Findings"),
    "performance_deadline": _l("Performance deadline"),
    "performance_status": _l("Performance status"),
    "sectors": _l("Sectors"),
    "grounds": _l("Grounds"),
    "remedy": _l("Remedy"),
    "served_on": _l("Notice served on"),
    "lodged_on": _l("Lodged on"),
    "evidence": _l("Evidence of the date"),
    "text": _l("Text"),
    "reason": _l("Reason"),
    "reason_code": _l("Reason for removal"),
    "measures": _l("Measures"),
    "on": _l("Date"),
    "revoked_on": _l("Revoked on"),
    "username": _l("Username"),
    "display_name": _l("Display name"),
    "role": _l("Role"),
    "password": _l("Initial password"),
    "file": _l("File"),
}

# The domain's data paths that a form field of another name holds.
FIELD_OF_PATH = {"identifiers": "identifier_value", "case_ids": "grounds"}

# Reasons the console puts more plainly than the domain does, by the domain's template; every
# other reason is the domain's own, said in the page's language.
_PLAIN: Mapping[str, Callable[[Mapping[str, object]], str]] = {
    "must not be empty": lambda p: gettext("Fill this in: it must not be empty."),
    "is %(text_count)s characters long; at most %(max_length)s": lambda p: gettext(
        "Too long: %(length)s characters, at most %(limit)s.",
        length=p["text_count"],
        limit=p["max_length"],
    ),
    "contains control characters": lambda p: gettext(
        "Contains invisible control characters; type it again."
    ),
    "contains control or invisible formatting characters": lambda p: gettext(
        "Contains invisible control characters; type it again."
    ),
    "must be a 6-digit administrative division code": lambda p: gettext(
        "Give the 6-digit administrative division code, e.g. 350100."
    ),
    (
        "%(day)s is after today (%(today)s, Beijing time): nothing may be recorded as "
        "happening in the future"
    ): lambda p: gettext(
        "%(day)s is after today (%(today)s, Beijing time): nothing may be recorded as "
        "happening in the future.",
        day=p["day"],
        today=p["today"],
    ),
    "cite at least one ground": lambda p: gettext("Tick at least one ground."),
    "the same patent is listed twice": lambda p: gettext("The same patent is listed twice."),
}


def plain_reason(error: DomainError) -> str:
    """The reason in the page's language, in plain words where the console has them."""
    plain = _PLAIN.get(error.template)
    return plain(error.params) if plain is not None else domain_reason(error)


def field_label(name: str) -> str:
    """The form field's label in the page's language."""
    known = FIELD_LABELS.get(name)
    return str(known) if known is not None else name.replace("_", " ")


@dataclass
class FormProblem:
    """Why a form was refused: messages per form field, or one for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None
    status: int = 422


def form_problem(error: DomainError, form_fields: Iterable[str]) -> FormProblem:
    """Place a domain error beside the form field it names, or above the form."""
    status = 409 if isinstance(error, Conflict) else 422
    if not isinstance(error, InvalidValue):
        return FormProblem(general=domain_message(error), status=status)
    root = re.split(r"[\[.]", error.field, maxsplit=1)[0]
    name = FIELD_OF_PATH.get(root, root)
    reason = plain_reason(error)
    if name in set(form_fields):
        return FormProblem(fields={name: reason}, status=status)
    general = gettext("%(field)s: %(reason)s", field=field_label(name), reason=reason)
    return FormProblem(general=general, status=status)


@overload
def form_date(form: Mapping[str, str], name: str, required: Literal[True] = True) -> dt.date: ...
@overload
def form_date(form: Mapping[str, str], name: str, required: bool) -> dt.date | None: ...
def form_date(form: Mapping[str, str], name: str, required: bool = True) -> dt.date | None:
    """A date picker's YYYY-MM-DD value as a date; InvalidValue naming the field otherwise."""
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise InvalidValue(name, gettext("Choose a date: this one is required."))
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(
            name, gettext("%(raw)s is not a date; choose one (YYYY-MM-DD).", raw=raw)
        ) from None


def form_lines(form: Mapping[str, str], name: str) -> list[str]:
    """A textarea or comma-separated field as a list of non-empty items."""
    raw = (form.get(name) or "").replace(",", "\n")
    return [item.strip() for item in raw.splitlines() if item.strip()]
