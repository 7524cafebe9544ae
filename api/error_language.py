"""Error messages in the reader's language: the domain's reasons, and the JSON errors.

The domain states each reason as a template with named parameters (registry/errors.py);
`domain_reason` and `domain_message` say it in the current locale, with codes among the
parameters (states, roles, schemes, ...) in the console's words for them. The console uses
them for its pages and forms.

JSON errors: programs that send no Accept-Language keep the English messages they were built
against; a caller that prefers Chinese gets a Chinese message naming the field and saying what
is wrong, and `errors` keeps the exact English reason per field. The answer carries
`Content-Language`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from registry.cases.import_file import RowError
from registry.errors import DomainError, fill

ENGLISH = "en"
CHINESE = "zh"

# What went wrong, by error code, for callers who read Chinese.
MESSAGES: dict[str, LazyString] = {
    "bad_request": _l("The request could not be understood; check its parameters."),
    "unauthorized": _l("An API key is required: send it as Authorization: Bearer <key>."),
    "forbidden": _l("You are not allowed to do this."),
    "not_found": _l("The requested address or record was not found."),
    "method_not_allowed": _l("This method is not allowed at this address."),
    "conflict": _l("The request conflicts with the current state of the record."),
    "invalid_transition": _l("This step is not allowed in the listing's current state."),
    "request_entity_too_large": _l("The request is too large."),
    "unsupported_media_type": _l("The request body must be JSON."),
    "unprocessable_entity": _l("Some values in the request are not valid; see errors."),
    "too_many_requests": _l("Too many requests; wait a moment and try again."),
    "internal_error": _l("An unexpected error occurred; please try again later."),
    "internal_server_error": _l("An unexpected error occurred; please try again later."),
    "database_unavailable": _l("The database is unavailable; retry shortly."),
    "session_store_unavailable": _l("The session store is unavailable; retry shortly."),
    "feed_store_unavailable": _l("The feed's object storage is unavailable; retry shortly."),
    "value_out_of_range": _l("A value in the request is too large or cannot be stored."),
    "signing_unavailable": _l("The signing key is unavailable; nothing can be signed now."),
}


# Parameters whose values are phrases the domain marked with `translatable`.
PHRASE_PARAMETERS = frozenset({"change", "label", "problem", "what", "word"})
WORDS_EXTENSION = "domain_parameter_words"


def use_parameter_words(app: Flask, words: Mapping[str, Mapping[str, Any]]) -> None:
    """Say the domain's coded parameters (by parameter name) with these tables' words."""
    app.extensions[WORDS_EXTENSION] = words


def _code_words() -> Mapping[str, Mapping[str, Any]]:
    words: Mapping[str, Mapping[str, Any]] = current_app.extensions.get(WORDS_EXTENSION, {})
    return words


def _shown(name: str, value: object, tables: Mapping[str, Mapping[str, Any]]) -> object:
    if not isinstance(value, str):
        return value
    words = tables.get(name)
    if words is not None and value in words:
        return str(words[value])
    if name in PHRASE_PARAMETERS:
        return str(gettext(value))
    return value


def _said(template: str, params: Mapping[str, object], english: str) -> str:
    # English readers get the domain's own words, exactly as before: codes stay codes.
    locale = get_locale()
    if locale is None or locale.language == ENGLISH:
        return english
    if not params:
        return str(gettext(template))
    tables = _code_words()
    shown = {name: _shown(name, v, tables) for name, v in params.items()}
    # A parameter the domain also gave in Chinese (`<name>_zh`) is said in its Chinese.
    shown.update({name: params[f"{name}_zh"] for name in params if params.get(f"{name}_zh")})
    try:
        return str(gettext(template)) % shown
    except (KeyError, TypeError, ValueError):  # a translation that names other parameters
        return english


def domain_reason(error: DomainError) -> str:
    """The error's reason, without its field or frame, in the current locale."""
    return _said(error.template, error.params, fill(error.template, error.params))


def row_reason(error: RowError) -> str:
    """A case file's row problem in the current locale."""
    return _said(error.template or error.reason, dict(error.params), error.reason)


def domain_message(error: DomainError) -> str:
    """The error's whole message (e.g. `field: reason`) in the current locale."""
    return _said(error.frame, {**error.frame_params, "reason": domain_reason(error)}, error.message)


def error_language() -> str:
    """`zh` when the caller asks for Chinese (Accept-Language or `lang`), else `en`."""
    chosen = request.args.get("lang")
    if chosen in (ENGLISH, CHINESE):
        return chosen
    best = request.accept_languages.best_match((CHINESE, ENGLISH))
    return CHINESE if best == CHINESE else ENGLISH


def localised(
    code: str, message: str, errors: dict[str, list[str]], domain: DomainError | None = None
) -> tuple[str, str]:
    """(message, language) for an error: the English `message`, or its Chinese wording.

    A domain error is said in Chinese in full (its field and reason); other errors by their
    code's fixed wording.
    """
    language = error_language()
    if language == ENGLISH or "babel" not in current_app.extensions:
        return message, ENGLISH
    with force_locale(CHINESE):
        if domain is not None:
            return domain_message(domain), CHINESE
        if code in MESSAGES:
            return str(MESSAGES[code]), CHINESE
        if errors:
            fields = ", ".join(errors)
            return gettext(
                "The value of %(field)s is not valid; see errors.", field=fields
            ), CHINESE
    return message, ENGLISH
