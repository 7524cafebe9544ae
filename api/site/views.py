"""The public disclosure website: home, search, entry pages, statistics and verification help."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    Response as FlaskResponse,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api.feed import read_feed_file
from api.ledger_api.proofs import inclusion_by_index
from api.public_view import today
from api.site import charts, labels
from api.site.catalogue import Catalogue, current_catalogue
from api.site.downloads import FEED_URL, human_size, read_feed_head
from api.site.entry_pages import served_entry_page
from api.site.i18n import (
    HTML_LANG,
    LANGUAGE_NAMES,
    current_language,
    remember_language,
    url_in_language,
)
from api.site.match_words import match_explanations
from api.site.person_search import person_hits, person_role_label
from api.site.redaction import compact, redact_id_numbers
from api.site.regions import province_name, region_label
from api.site.search import facets, run_search
from api.site.search_query import parse_search
from api.site.spreadsheet import attachment_header, listing_gzip
from api.site.statistics import site_statistics
from registry.errors import DomainError
from registry.listings.periods import PeriodsConfig, restoration_allowed_from
from registry.listings.policy import Policy
from registry.models import SECTORS
from registry.publication.public_view import (
    HistoryEvent,
    PendingRemoval,
    PublicEntry,
    entry_with_history,
    pending_removals,
    recent_events,
)
from registry.subjects.identifiers import public_identifiers
from registry.timestamps import beijing_time
from runtime.extensions import db, limiter

bp = Blueprint(
    "site",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

RECENT_COUNT = 10
# The spreadsheet download of a list state, gzip-compressed, by language (state.derived).
SPREADSHEET = "site.spreadsheet"
API_ROOT = "/api/v1"
KEYS_URL = f"{API_ROOT}/keys"
INCLUSION_PROOF_URL = f"{API_ROOT}/log/proof/inclusion"
PROOF_BUNDLE_URL = f"{API_ROOT}/log/proof/bundle"
DEFAULT_SEARCH_LIMIT = "60/minute"
# The spreadsheet expanded for a client that does not take gzip: 0.3 s of CPU and 334 MB sent
# per request at a million entries, so limited per address; the kept compressed file is not.
DEFAULT_EXPANDED_DOWNLOAD_LIMIT = "10/minute"
# Compressed bytes expanded at a time for such a client (about ten times that of text).
EXPANDED_CHUNK = 1 << 16


def _search_limit() -> str:
    return str(current_app.config.get("SITE_SEARCH_RATE_LIMIT", DEFAULT_SEARCH_LIMIT))


def _expanded_download_limit() -> str:
    config = current_app.config
    return str(config.get("SITE_EXPANDED_DOWNLOAD_RATE_LIMIT", DEFAULT_EXPANDED_DOWNLOAD_LIMIT))


def _takes_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


def _expanded(body: bytes) -> Iterator[bytes]:
    """The gzip file `body` expanded a piece at a time, as the response is sent."""
    reader = zlib.decompressobj(zlib.MAX_WBITS | 16)  # a gzip header and trailer
    view = memoryview(body)
    for start in range(0, len(view), EXPANDED_CHUNK):
        piece = reader.decompress(view[start : start + EXPANDED_CHUNK])
        if piece:
            yield piece
    rest = reader.flush()
    if rest:
        yield rest


def _scheme_label(identifier: dict[str, Any]) -> str:
    if identifier.get("scheme") == "other" and identifier.get("name"):
        return str(identifier["name"])
    label = labels.label(labels.ID_SCHEMES, identifier.get("scheme"))
    if identifier.get("scheme") == "passport" and identifier.get("country"):
        return f"{label} ({identifier['country']})"
    return label


def _shown_identifiers(subject: dict[str, Any]) -> list[dict[str, Any]]:
    return public_identifiers(
        subject.get("identifiers") or [], subject.get("kind") == "natural_person"
    )


def _removal_pending(entry_id: str) -> PendingRemoval | None:
    """The pending removal of a listed entry, read once per request for every card shown."""
    if "pending_removals" not in g:
        g.pending_removals = pending_removals(db.session(), None)
    found: PendingRemoval | None = g.pending_removals.get(entry_id)
    return found


def _localized(language: str) -> Any:
    def localized(item: dict[str, Any], key: str) -> Any:
        """An entry field in the reader's language: v2 gives `<key>_en` beside the Chinese."""
        english = f"{key}_en"
        return item[english] if language == "en" and english in item else item.get(key)

    return localized


@bp.context_processor
def _site_context() -> dict[str, Any]:
    language = current_language()
    return {
        "language": language,
        "html_lang": HTML_LANG[language],
        "html_langs": HTML_LANG,
        "language_names": LANGUAGE_NAMES,
        "url_in_language": url_in_language,
        **entry_helpers(language),
        "match_label": lambda code: labels.label(labels.MATCH_FEATURES, code),
        "match_explanations": match_explanations,
        "feed_file_label": lambda name: labels.label(labels.FEED_FILES, name),
        "human_size": human_size,
        "beijing_time": beijing_time,
        "beijing_stamp": beijing_stamp,
    }


def entry_helpers(language: str) -> dict[str, Any]:
    """The label helpers `site/_entry_content.html` needs, for pages outside the site too."""
    return {
        "localized": _localized(language),
        "scheme_label": _scheme_label,
        "shown_identifiers": _shown_identifiers,
        "sector_label": lambda code: labels.label(labels.SECTORS, code),
        "kind_label": lambda code: labels.label(labels.SUBJECT_KINDS, code),
        "case_label": lambda code: labels.label(labels.CASE_KINDS, code),
        "reason_label": lambda code: labels.label(labels.REASONS, code),
        "removal_pending": _removal_pending,
        "event_label": lambda code: labels.label(labels.EVENTS, code),
        "wording": labels.wording,
        "ground_title": lambda code: labels.label(labels.GROUND_TITLES, code),
        "ground_explanation": lambda code: str(labels.GROUND_EXPLANATIONS.get(code, "")),
        "region_label": lambda code: region_label(code, language),
    }


def beijing_stamp(text: str) -> str:
    """An RFC 3339 time from the feed, as Beijing date and minute; unreadable text unchanged."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return beijing_time(moment).strftime("%Y-%m-%d %H:%M")


@bp.after_request
def _after(response: Response) -> Response:
    return remember_language(response)


@bp.get("/")
def index() -> str:
    """Home: search box, recent listings and removals, links to the open data."""
    catalogue = current_catalogue()
    return render_template(
        "site/index.html",
        listings=_recent(catalogue, "listed"),
        removals=_recent(catalogue, "removed"),
        totals=catalogue.totals(),
    )


def _recent(catalogue: Catalogue, event: str) -> list[tuple[HistoryEvent, PublicEntry]]:
    """The home page's latest events of one kind, read once per list state.

    Finding the latest removals walks the log back from its end until it meets enough of
    them, which on a long list with few removals is most of the log: not once per visit.
    """
    key = f"site.recent.{event}"
    found = catalogue.state.derived.get(key)
    if found is None:
        found = recent_events(db.session(), catalogue.state, event, RECENT_COUNT)
        catalogue.state.derived[key] = found
    return list(found)


@bp.get("/search")
@limiter.limit(_search_limit)
def search() -> Response | tuple[str, int] | str:
    """Search by name, pinyin or identifier, with filters and pages."""
    text = request.args.get("q", "")
    if redact_id_numbers(text) != text:
        # A full ID number must not stay in the page, the address bar or the history.
        args: dict[str, Any] = {**request.args.to_dict(), "q": redact_id_numbers(text)}
        return redirect(url_for("site.search", **args), 303)
    search_request, errors = parse_search(request.args)
    catalogue = current_catalogue()
    if search_request.term.kind == "entry_id" and catalogue.find(search_request.term.key):
        return redirect(url_for("site.entry", entry_id=search_request.term.key), 303)
    results = None if errors else run_search(catalogue, search_request)
    persons = [] if errors else person_hits(catalogue, search_request)
    if results is not None and results.number > results.pages:
        # A page past the end is not a page: 404, with a link back to the first one.
        status = 404
    else:
        status = 400 if errors else 200
    page = render_template(
        "site/search.html",
        search=search_request,
        errors=errors,
        results=results,
        persons=persons,
        person_role_label=person_role_label,
        facets=facets(catalogue),
        sectors=SECTORS,
        names_pending=catalogue.names is None,
        names_behind=catalogue.names is not None and catalogue.names_behind,
    )
    return page if status == 200 else (page, status)


@bp.get("/entries/<entry_id>")
def entry(entry_id: str) -> Response | str | tuple[str, int]:
    """One entry: subject, grounds, basis, decision, remedy, history and signature.

    Kept by the worker while what it shows holds (api/site/entry_pages.py).
    """
    wanted = compact(entry_id)
    return served_entry_page(wanted, lambda: _entry_page(wanted))


def _entry_page(entry_id: str) -> str:
    shown = entry_with_history(db.session(), entry_id, today())
    if shown is None:
        abort(404)
    found, history = shown
    if found.removed_in_error:
        # Listed in error: only a short notice stays at the address, none of the content.
        return render_template("site/entry_withdrawn.html", entry=found, history=history)
    configured = Policy.from_settings(current_app.config["REGISTRY"])
    codes = [g.get("code") for g in (found.content or {}).get("grounds") or []]
    known = {t.code for t in configured.list_types}
    periods = configured.periods_for(c for c in codes if c in known)
    decided_by = ((found.content or {}).get("decision") or {}).get("authority")
    return render_template(
        "site/entry.html",
        # Where to lodge, only when this registry's authority made the decision shown.
        objection_contact=configured.authority.objection_contact
        if decided_by == configured.authority.name
        else None,
        entry=found,
        content=found.content,
        history=history,
        periods=periods,
        restoration_from=_restoration_from(found, periods),
        proof_url=lambda event: url_for("site.proof", entry_id=found.entry_id, seq=event.seq),
        bundle_url=lambda event: f"{PROOF_BUNDLE_URL}?{urlencode({'index': event.seq})}",
        bundle_text=json.dumps(found.bundle, ensure_ascii=False, indent=2, sort_keys=True),
        keys_url=KEYS_URL,
        keys_fallback_url=f"{FEED_URL}keys.json",
    )


@bp.get("/entries/<entry_id>/proof/<int:seq>")
def proof(entry_id: str, seq: int) -> str:
    """One log event of an entry and its inclusion proof, for people; the JSON is linked."""
    shown = entry_with_history(db.session(), compact(entry_id), today())
    event = next((e for e in shown[1] if e.seq == seq), None) if shown else None
    if shown is None or event is None:
        abort(404)
    try:
        answer = inclusion_by_index(db.session(), seq, None)
    except DomainError:
        answer = None  # not yet covered by a signed checkpoint
    raw_query = urlencode({"index": seq, "tree_size": answer["tree_size"]} if answer else {})
    return render_template(
        "site/proof.html",
        entry=shown[0],
        event=event,
        answer=answer,
        raw_url=f"{INCLUSION_PROOF_URL}?{raw_query}",
    )


@bp.get("/downloads/listings.csv")
@limiter.limit(_expanded_download_limit, exempt_when=_takes_gzip)
def listings_csv() -> FlaskResponse:
    """The entries listed now as a spreadsheet file, in the visitor's language.

    Written once per list state and language and kept gzip-compressed (a tenth of the text):
    sent as it is to a client that accepts gzip, expanded as it is sent for one that does not
    (never whole in memory; limited per address). A new state writes and compresses only the
    segments of the file its changed entries are in.
    """
    catalogue = current_catalogue()
    language = current_language()
    key = f"{SPREADSHEET}.{language}"
    body = catalogue.state.derived.get(key)
    if not isinstance(body, bytes):
        root = current_app.config["REGISTRY"]["PUBLIC_URL"].rstrip("/")
        entries = root + url_for("site.entry", entry_id="ENTRY").removesuffix("ENTRY")
        # The last file's compressed segments, of which the unchanged ones are taken over.
        segments = current_app.extensions.setdefault(SPREADSHEET, {})
        body, segments[language] = listing_gzip(
            catalogue,
            language,
            lambda entry_id: entries + entry_id,
            segments.get(language),
        )
        catalogue.state.derived[key] = body
    compressed = _takes_gzip()
    response = FlaskResponse(
        body if compressed else _expanded(body),
        content_type="text/csv; charset=utf-8",
    )
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = attachment_header(language, today())
    return response


@bp.get("/statistics")
def statistics() -> str:
    """Listings over time and by sector and province, as inline SVG charts with tables."""
    stats = site_statistics(current_catalogue())
    language = current_language()
    sector_rows = [(labels.label(labels.SECTORS, code), n) for code, n in stats.by_sector]
    region_rows = [
        (province_name(code, language) or str(labels.UNKNOWN_PROVINCE), n)
        for code, n in stats.by_province
    ]
    return render_template(
        "site/statistics.html",
        stats=stats,
        month_chart=charts.columns(stats.chart_months),
        sector_chart=charts.horizontal_bars(sector_rows),
        region_chart=charts.horizontal_bars(region_rows),
        sector_rows=sector_rows,
        region_rows=region_rows,
    )


@bp.get("/verify")
def verify() -> str:
    """How anyone can verify the feed, the log, entries and receipts."""
    root = request.url_root.rstrip("/")
    return render_template(
        "site/verify.html",
        feed_url=f"{root}/feed/",
        api_root=f"{root}{API_ROOT}",
        keys_url=KEYS_URL,
    )


@bp.get("/downloads")
def downloads() -> str:
    """The files of the current disclosure feed, for people (machines read /feed/ directly)."""
    return render_template(
        "site/downloads.html",
        head=read_feed_head(read_feed_file("index.json")),
        feed_url=FEED_URL,
    )


@bp.errorhandler(404)
def _not_found(_error: HTTPException) -> tuple[str, int]:
    return render_template("site/not_found.html"), 404


@bp.errorhandler(429)
def _too_many(_error: HTTPException) -> tuple[str, int]:
    return render_template("site/rate_limited.html"), 429


def _restoration_from(entry: PublicEntry, periods: PeriodsConfig) -> str | None:
    """The first day credit restoration may be applied for, while the entry is listed."""
    content = entry.content
    if not entry.listed or not content or not content.get("listed_on"):
        return None
    listed_on = dt.date.fromisoformat(content["listed_on"])
    return restoration_allowed_from(listed_on, periods).isoformat()
