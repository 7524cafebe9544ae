"""JSON error messages in the caller's language: Chinese when Accept-Language asks for it.

Programs that send no Accept-Language keep the English messages they were built against; a
caller that prefers Chinese gets a Chinese message naming the field, and `errors` keeps the
exact reason per field. The answer carries `Content-Language`.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

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


def error_language() -> str:
    """`zh` when the caller asks for Chinese (Accept-Language or `lang`), else `en`."""
    chosen = request.args.get("lang")
    if chosen in (ENGLISH, CHINESE):
        return chosen
    best = request.accept_languages.best_match((CHINESE, ENGLISH))
    return CHINESE if best == CHINESE else ENGLISH


def localised(code: str, message: str, errors: dict[str, list[str]]) -> tuple[str, str]:
    """(message, language) for an error: the English `message`, or its Chinese wording."""
    language = error_language()
    if language == ENGLISH or "babel" not in current_app.extensions:
        return message, ENGLISH
    with force_locale(CHINESE):
        if code in MESSAGES:
            return str(MESSAGES[code]), CHINESE
        if errors:
            fields = ", ".join(errors)
            return gettext(
                "The value of %(field)s is not valid; see errors.", field=fields
            ), CHINESE
    return message, ENGLISH
