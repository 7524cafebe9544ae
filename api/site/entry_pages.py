"""Entry pages kept by each worker, each with the facts it was rendered from.

An entry page shows one entry as the log's first N events leave it, its history among them,
any removal awaiting confirmation and what today's date makes of its period; nothing on it
depends on the visitor beyond the language and the address. A worker keeps the pages it
rendered (`KEPT_PAGES`, least recently used out) and serves a kept page while its facts hold,
read from the serving version every lookup already reads (api.public_view.current_version;
from the read replica when the page is read there):

- events of other entries leave it standing: one indexed look-up tells whether the log grew
  by an event of this entry (`entry_logged_between`), and a page that did not is carried to
  the new size;
- an event of this entry, a removal proposed or decided for it, any purge, a new Beijing day
  or other registry settings render it again.

Only the plain address is kept, in either language (`?lang=` alone): any other query argument
is written into the page's language links, so those pages are rendered every time and an
address made up by a visitor cannot crowd out the kept ones. Unknown entries (404) are never
kept. Every page goes out with an ETag over its bytes, so a browser or a CDN revalidating it
gets 304 Not Modified without a body, and `Cache-Control: no-cache` asks shared caches to
revalidate each time, since a removal must show at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from werkzeug.wrappers import Response

from api.public_view import app_kept, current_version, serving_cache, today
from api.site.i18n import current_language
from registry.publication.public_view import PendingRemoval, entry_logged_between
from registry.screening.serving import ServingVersion, serving_version
from runtime.extensions import session
from runtime.read_replica import request_engine

EXTENSION = "site.entry_pages"
# About 21 KB a page: some 20 MB a worker.
KEPT_PAGES = 1024


@dataclass
class KeptPage:
    """A rendered entry page and the facts it shows."""

    body: bytes
    status: int
    etag: str
    # The log size the page is known to hold at: raised while the log grows by other entries.
    log_size: int
    purges: tuple[int, Any]
    day: dt.date
    pending: PendingRemoval | None
    # The registry settings it was rendered with (the authority, the list types' periods).
    settings: object


class EntryPages:
    """One worker's kept entry pages, by entry, language and address."""

    def __init__(self, capacity: int = KEPT_PAGES) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, KeptPage] = OrderedDict()
        self._capacity = capacity

    def get(self, key: Hashable) -> KeptPage | None:
        """The page kept under `key`, marked as the most recently used."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def keep(self, key: Hashable, page: KeptPage) -> None:
        """Keep `page` under `key`, dropping the least recently used page when full."""
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._capacity:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


def entry_pages() -> EntryPages:
    """This app's kept entry pages (created on first use)."""
    return app_kept(EXTENSION, EntryPages)


def served_entry_page(
    entry_id: str, render: Callable[[], str | tuple[str, int]]
) -> Response | str | tuple[str, int]:
    """The page of `entry_id`: kept while its facts hold, else `render()` (kept if it can be).

    `render` reads the entry itself and may abort (404); what it returns is what the view
    would return without this module.
    """
    version = _version()
    day = today()
    pending = serving_cache().pending(session, version).get(entry_id)
    settings = current_app.config["REGISTRY"]
    pages = entry_pages()
    key = _key(entry_id)
    kept = pages.get(key) if key is not None else None
    if (
        kept is not None
        and kept.purges == version.purges
        and kept.day == day
        and kept.pending == pending
        and kept.settings is settings
        and _holds_at(kept, entry_id, version.log_size)
    ):
        return _response(kept.body, kept.status, kept.etag)
    rendered = render()
    text, status = rendered if isinstance(rendered, tuple) else (rendered, 200)
    body = text.encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if key is not None:
        page = KeptPage(
            body, status, etag, version.log_size, version.purges, day, pending, settings
        )
        pages.keep(key, page)
    return _response(body, status, etag)


def _version() -> ServingVersion:
    """The facts as the page's own reads see them.

    A public page may be read from the read replica (runtime/read_replica.py), whose log can
    lag the primary's: the page is then kept under the replica's facts, read in the request's
    session, never under the primary's, which could name events the page does not show. On
    the primary the version read by every lookup serves: what the page reads is at least as
    recent, so a kept page can only be rendered again too soon, never served stale.
    """
    if request_engine() is None:
        return current_version()
    return serving_version(session())


def _key(entry_id: str) -> Hashable | None:
    """The key a page of this request is kept under; None when it is not kept."""
    if any(name != "lang" for name in request.args):
        return None
    return (entry_id, current_language(), request.path)


def _holds_at(page: KeptPage, entry_id: str, log_size: int) -> bool:
    """Whether `page` still shows the entry at `log_size`; carries it there if so."""
    if page.log_size == log_size:
        return True
    if log_size < page.log_size or entry_logged_between(
        session(), entry_id, page.log_size, log_size
    ):
        return False
    page.log_size = log_size
    return True


def _response(body: bytes, status: int, etag: str) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
