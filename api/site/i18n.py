"""Language selection for the public site: a `lang` switch, then the browser, then Chinese."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import Babel, get_locale, refresh
from werkzeug.wrappers import Response

from api.site.redaction import redact_id_numbers

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
# BCP 47 tags for the `lang` attribute: the site's Chinese is Simplified.
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
COOKIE_MAX_AGE = 365 * 24 * 3600


def select_language() -> str:
    """The language for this request: `?lang=`, then the cookie, then Accept-Language, then zh."""
    for chosen in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language code ("zh" or "en") the page is being rendered in."""
    locale = get_locale()
    language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def remember_language(response: Response) -> Response:
    """Keep an explicit `?lang=` choice in a cookie so later pages stay in that language.

    The page's language depends on the Accept-Language header and the cookie, so shared
    caches are told to keep one copy per value of each.
    """
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True
        )
    return response


def url_in_language(language: str) -> str:
    """The current page's URL with `lang` set to `language` (other query arguments kept).

    Any full ID number in the address is masked: the link is written into the page.
    """
    pairs = [(k, redact_id_numbers(v)) for k, v in request.args.items(multi=True) if k != "lang"]
    pairs.append(("lang", language))
    return f"{redact_id_numbers(request.path)}?{urlencode(pairs)}"


def init_babel(app: Flask) -> None:
    """Set up Flask-Babel with the site's translations, unless the app already has it."""
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel().init_app(app, locale_selector=select_language)
    # Flask-Babel caches the locale on `g`; a request that shares an application context
    # (tests, CLI-driven rendering) must still choose its own language.
    app.before_request(refresh)
