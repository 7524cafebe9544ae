"""The public site's pages against a registry of N entries, by CPU time, beside `/healthz`.

A worker serving the site keeps the list state and the site's catalogue of every shown entry
(api/site/catalogue.py). This measures, in one process through the Flask test client, on a
registry of N published entries generated in bulk (bench/registry_data.py, SQLite):

- the first home page: the whole list replayed and the catalogue built;
- the first spreadsheet download, every listed entry's line written (asked for gzip, as
  browsers do: the file is kept compressed);
- each page a visitor asks for (home, search with no term, a code, two filters, page 50,
  statistics, the spreadsheet download once written), once the catalogue is built: the CPU
  of a request, against `/healthz`'s;
- entry pages: the first view of each of a few entries (rendered), the next (the page the
  worker kept, api/site/entry_pages.py), and the first after the new state below (kept
  through other entries' removals: one indexed look-up each);
- the read API's public list (`GET /api/v1/entries`, keyless): the first page, page 500 and
  a filtered page once the state's list is worked out; the state's first filter (its filter
  columns read from every entry), another new filter (compared on the columns), a kept one;
  and the first page and a new filter after the new state below (the list and columns moved
  by the changed entries), against the list worked out and filtered whole as every request
  did before;
- the first filtered search, which reads every searchable entry's codes and filter columns
  (api/site/search_table.py);
- a new list state (10 entries removed, as a run or a reviewer does): the first home page,
  filtered search (the table moved by the rows that changed, against the first search's
  whole read), statistics page and spreadsheet download after it (the statistics moved by
  the rows that changed, against counting them whole; the download writing the changed
  entries' lines
  and compressing the segments they are in, against writing and compressing every line),
  the state moved from the last and the catalogue from its rows
  (`as_of.moved`, `catalogue_rows`), side by side with replaying the same state whole and
  building its catalogue from nothing, and whether the two catalogues are the same.

Run `python -m bench.site_pages` (10k and 100k entries; `--quick`: 2,000; `--sizes` any list;
`--data-dir DIR` keeps each generated registry for later runs). `make bench` runs it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.site.search import PAGE_SIZE
from bench.registry_data import app_for, remove_latest, run_sizes

SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000,)
REMOVED = 10
HEALTHZ = 300
REPEATS = 5
DEEP_PAGE = 50
DOWNLOAD = "/downloads/listings.csv"
FILTERED = "/search?q=&status=listed&year=2025"
HEADERS = {"Accept-Language": "zh", "Accept-Encoding": "gzip"}


@dataclass(frozen=True)
class Measured:
    """CPU seconds of one size's steps, and whether the advanced catalogue is the whole one."""

    entries: int
    healthz: float
    first_home: float
    first_download: float
    first_search: float
    pages: dict[str, float]
    advanced_home: float
    advanced_search: float
    advanced_statistics: float
    advanced_download: float
    whole_statistics: float
    whole_state: float
    whole_catalogue: float
    same: bool
    entry_rendered: float
    entry_kept: float
    entry_carried: float
    api_list: dict[str, float]


def cpu(call: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds `call` took, and what it returned."""
    started = time.process_time()
    result = call()
    return time.process_time() - started, result


def _page(client: Any, url: str) -> float:
    def get() -> None:
        response = client.get(url, headers=HEADERS)
        assert response.status_code == 200, f"{url}: {response.status_code}"

    get()  # once to warm what the page builds for the state
    return statistics.median(cpu(get)[0] for _ in range(REPEATS))


def _entry_views(client: Any, entry_ids: list[str]) -> float:
    """Median CPU of one view of each of these entries' pages."""

    def view(entry_id: str) -> float:
        def get() -> None:
            response = client.get(f"/entries/{entry_id}", headers={"Accept-Language": "zh"})
            assert response.status_code == 200, f"{entry_id}: {response.status_code}"

        return cpu(get)[0]

    return statistics.median(view(entry_id) for entry_id in entry_ids)


API_LIST = "/api/v1/entries"
API_FILTER = "?status=published&sector=internet"
# Another filter each time: an authority and a listing day no request asked for before.
API_NEW_FILTERS = (
    f"?authority=局&listed_from={dt.date(2020, 1, 1) + dt.timedelta(days=days)}"
    for days in itertools.count()
)


def _first_page(client: Any, url: str) -> float:
    """CPU of one request for `url`."""
    return cpu(lambda: client.get(url))[0]


def _new_filter(client: Any) -> float:
    """CPU of the first page of a filter the state has not been asked for."""
    return _first_page(client, API_LIST + next(API_NEW_FILTERS))


def _api_list_whole(app: Any) -> float:
    """CPU of the public list of the current state worked out and filtered whole."""
    from api.public_view import public_now
    from registry.publication.public_entries import EntryFilter
    from registry.publication.public_view import shown_entries

    with app.test_request_context():
        state = public_now()
        chosen = EntryFilter(status="published", sector="internet")
        return cpu(lambda: [entry for entry in shown_entries(state) if chosen.accepts(entry)])[0]


def _remove_some(app: Any) -> None:
    """Log the removal of the last `REMOVED` listed entries now, as reviewers confirming them do."""
    from runtime.extensions import db

    with app.app_context():
        remove_latest(db.session(), REMOVED, dt.datetime.now(dt.UTC))


def _whole(app: Any) -> tuple[float, float, bool]:
    """The current state replayed whole and its catalogue built from nothing, beside the
    catalogue the site holds; (CPU of each, whether the two catalogues are the same)."""
    from api.public_view import today
    from api.site.catalogue import Catalogue, catalogue_rows, current_catalogue
    from registry.publication.as_of import list_state
    from registry.publication.events import log_size
    from runtime.extensions import db

    with app.test_request_context():
        held = current_catalogue()
        session = db.session()
        state_cpu, state = cpu(lambda: list_state(session, log_size(session), today()))

        def build() -> Catalogue:
            built = catalogue_rows(state)
            return Catalogue(state, built.rows, built.ordered, built.table(None), None)

        catalogue_cpu, whole = cpu(build)
        same = (
            [row.entry for row in whole.ordered] == [row.entry for row in held.ordered]
            and whole.counts == held.counts
            and whole.table.facets == held.table.facets
            and {code: sorted(ids) for code, ids in whole.table.codes.items()}
            == {code: sorted(ids) for code, ids in held.table.codes.items()}
        )
    return state_cpu, catalogue_cpu, same


def _whole_statistics(app: Any) -> float:
    """CPU of counting the statistics of the site's current catalogue whole."""
    from api.site.catalogue import current_catalogue
    from api.site.statistics import compute_statistics
    from registry.publication.public_view import listings_by_month
    from runtime.extensions import db

    with app.test_request_context():
        catalogue = current_catalogue()

        def count() -> object:
            months = listings_by_month(db.session(), catalogue.state, catalogue.all_entries)
            return compute_statistics(catalogue.all_entries, months)

        return cpu(count)[0]


def measure(workdir: Path, entries: int) -> Measured:
    """Every step on the registry prepared in `workdir`."""
    from sqlalchemy import select

    from registry.models import LogEvent, SubjectIdentifier
    from runtime.extensions import db

    app = app_for(workdir)
    app.config["RATELIMIT_ENABLED"] = False
    client = app.test_client()
    with app.app_context():
        code = db.session.scalar(select(SubjectIdentifier.value).limit(1))
        # The first entries listed: the removals below take the latest.
        viewed = list(
            db.session.scalars(
                select(LogEvent.entry_id).where(LogEvent.event == "listed").limit(REPEATS * 2)
            )
        )
    deep = max(1, min(DEEP_PAGE, entries // PAGE_SIZE))
    healthz = sum(cpu(lambda: client.get("/healthz"))[0] for _ in range(HEALTHZ)) / HEALTHZ
    first_home, _ = cpu(lambda: client.get("/"))
    first_download, _ = cpu(lambda: client.get(DOWNLOAD, headers=HEADERS))
    first_search, _ = cpu(lambda: client.get(FILTERED, headers=HEADERS))
    pages = {
        "home": _page(client, "/"),
        "search, no term": _page(client, "/search?q="),
        "search, a credit code": _page(client, f"/search?q={code}"),
        "search, two filters": _page(client, "/search?q=&status=listed&year=2026"),
        f"search, page {deep}": _page(client, f"/search?q=&page={deep}"),
        "statistics": _page(client, "/statistics"),
        "spreadsheet download, written": _page(client, DOWNLOAD),
    }
    entry_rendered = _entry_views(client, viewed)
    entry_kept = _entry_views(client, viewed)
    last_page = max(1, min(500, entries // 20))
    api_list = {
        "first page": _page(client, API_LIST),
        f"page {last_page}": _page(client, f"{API_LIST}?page={last_page}"),
        "the state's first filter (columns read)": _first_page(client, API_LIST + API_FILTER),
        "a filter's first page, new filter": _new_filter(client),
        "a filter's first page, kept": _page(client, API_LIST + API_FILTER),
        "worked out and filtered whole (before)": _api_list_whole(app),
    }
    _remove_some(app)
    entry_carried = _entry_views(client, viewed)
    api_list[f"first page after {REMOVED} removals"] = cpu(lambda: client.get(API_LIST))[0]
    api_list[f"a new filter after {REMOVED} removals"] = _new_filter(client)
    advanced_home, _ = cpu(lambda: client.get("/"))
    advanced_search, _ = cpu(lambda: client.get(FILTERED, headers=HEADERS))
    advanced_statistics, _ = cpu(lambda: client.get("/statistics"))
    advanced_download, _ = cpu(lambda: client.get(DOWNLOAD, headers=HEADERS))
    whole_statistics = _whole_statistics(app)
    whole_state, whole_catalogue, same = _whole(app)
    return Measured(
        entries,
        healthz,
        first_home,
        first_download,
        first_search,
        pages,
        advanced_home,
        advanced_search,
        advanced_statistics,
        advanced_download,
        whole_statistics,
        whole_state,
        whole_catalogue,
        same,
        entry_rendered,
        entry_kept,
        entry_carried,
        api_list,
    )


def report(result: Measured) -> None:
    """Print one size's table."""
    print(f"  {result.entries:,} entries; /healthz {result.healthz * 1e3:.2f} ms of CPU")
    print(f"    first home page (whole replay + catalogue)  {result.first_home:8.2f} s")
    print(f"    first spreadsheet download (every line)     {result.first_download:8.2f} s")
    for name, seconds in result.pages.items():
        ratio = result.healthz / seconds
        print(f"    {name:<42} {seconds * 1e3:8.1f} ms   x healthz {ratio:.3f}")
    for name, seconds in (
        ("entry page, first view (rendered)", result.entry_rendered),
        ("entry page, kept", result.entry_kept),
        (f"entry page, first after {REMOVED} other removals", result.entry_carried),
    ):
        ratio = result.healthz / seconds
        print(f"    {name:<42} {seconds * 1e3:8.2f} ms   x healthz {ratio:.3f}")
    for name, seconds in result.api_list.items():
        ratio = result.healthz / seconds
        label = f"entries API, {name}"
        print(f"    {label:<52} {seconds * 1e3:8.2f} ms   x healthz {ratio:.3f}")
    whole = result.whole_state + result.whole_catalogue
    print(
        f"    {REMOVED} removals, first home page after:    {result.advanced_home * 1e3:8.1f} ms"
        f"   whole replay {result.whole_state:.2f} s + catalogue {result.whole_catalogue:.2f} s"
        f" = {whole:.2f} s   ratio {result.advanced_home / whole:.4f}"
        f"   same catalogue: {'yes' if result.same else 'NO'}"
    )
    print(
        f"    {REMOVED} removals, first filtered search after: "
        f"{result.advanced_search * 1e3:8.1f} ms"
        f"   first filtered search {result.first_search * 1e3:.0f} ms"
        f"   ratio {result.advanced_search / result.first_search:.4f}"
    )
    print(
        f"    {REMOVED} removals, first statistics page after: "
        f"{result.advanced_statistics * 1e3:8.1f} ms"
        f"   counted whole {result.whole_statistics * 1e3:.0f} ms"
        f"   ratio {result.advanced_statistics / result.whole_statistics:.4f}"
    )
    print(
        f"    {REMOVED} removals, first spreadsheet download after: "
        f"{result.advanced_download * 1e3:8.1f} ms"
        f"   every line written {result.first_download * 1e3:.0f} ms"
        f"   ratio {result.advanced_download / result.first_download:.4f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Prepare each size's registry, measure, print."""
    run_sizes(
        argv,
        prog="python -m bench.site_pages",
        description=__doc__,
        title="public site pages, in process, CPU time",
        sizes=SIZES,
        quick_sizes=QUICK_SIZES,
        least=REMOVED * 2,
        run=lambda workdir, size: report(measure(workdir, size)),
    )


if __name__ == "__main__":
    main()
