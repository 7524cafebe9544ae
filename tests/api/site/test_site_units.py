"""The site's pure parts: term classification, chart geometry, statistics, labels, catalogues."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from werkzeug.datastructures import MultiDict

from api.site import charts, labels
from api.site.redaction import is_full_id_number, redact_id_numbers
from api.site.regions import province_code, region_label
from api.site.search_query import classify, parse_search
from api.site.statistics import compute_statistics
from registry.listings.list_types.loader import list_types_in
from registry.publication.as_of import EntryState
from registry.publication.public_view import PublicEntry
from tests.api.site.site_fixtures import FULL_RIC, MASKED_RIC, USCC, ensure_site, entry_content
from tests.conftest import ROOT


@pytest.fixture
def site_app(app: Flask) -> Flask:
    ensure_site(app)
    return app


def test_full_id_numbers_are_recognised_and_masked_immediately() -> None:
    assert is_full_id_number(FULL_RIC)
    assert is_full_id_number(" 35010219800101123x ")  # lower-case check character, spaces
    assert is_full_id_number("350102198001011231")  # a typo is still treated as an ID number
    assert not is_full_id_number(USCC)
    term = classify(FULL_RIC)
    assert term.kind == "id_number"
    assert term.text == term.key == MASKED_RIC
    assert FULL_RIC not in repr(term)


def test_id_numbers_inside_longer_text_are_masked() -> None:
    assert redact_id_numbers(f"张伟 {FULL_RIC}") == f"张伟 {MASKED_RIC}"
    assert redact_id_numbers(f"/entries/{FULL_RIC.lower()}") == f"/entries/{MASKED_RIC}"
    assert redact_id_numbers(f"{USCC} 华兴") == f"{USCC} 华兴"  # a credit code is public
    assert redact_id_numbers(f"ID{FULL_RIC}") == f"ID{MASKED_RIC}"
    assert redact_id_numbers(f"{FULL_RIC}9") == f"{FULL_RIC}9"  # part of a longer number
    untouched = "ｆｕｌｌ-width text"
    assert redact_id_numbers(untouched) is untouched
    assert classify(f"张伟 {FULL_RIC}").text == f"张伟 {MASKED_RIC}"


def test_terms_are_classified() -> None:
    assert classify("  ").kind == "empty"
    assert classify("ipl-2026-000123").key == "IPL-2026-000123"
    assert classify("ipl-2026-000123").kind == "entry_id"
    assert classify("3501**********123X").kind == "id_number"
    assert classify(f" {USCC.lower()} ").key == USCC
    name = classify("Huaxing  Keji")
    assert (name.kind, name.text) == ("text", "Huaxing  Keji")
    assert classify("ＩＰＬ－２０２６－０００１２３").key == "IPL-2026-000123"  # full-width


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"q": "x" * 101}, "q"),
        ({"sector": "mining"}, "sector"),
        ({"status": "pending"}, "status"),
        ({"year": "26"}, "year"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "²"}, "page"),
        ({"page": "9" * 5000}, "page"),
    ],
)
def test_each_invalid_search_field_gets_its_own_error(
    site_app: Flask, args: dict[str, str], field: str
) -> None:
    with site_app.test_request_context("/search?lang=en"):
        _request, errors = parse_search(MultiDict(args))
    assert list(errors) == [field]
    assert errors[field]


def test_search_request_builds_links_without_empty_arguments(site_app: Flask) -> None:
    with site_app.test_request_context("/"):
        request, errors = parse_search(MultiDict({"q": "华兴", "sector": "internet", "page": "3"}))
    assert not errors
    assert request.query_args(page=1) == {"q": "华兴", "sector": "internet", "status": "listed"}
    assert request.query_args(page=4)["page"] == 4


def test_horizontal_bars_scale_to_the_largest_value() -> None:
    chart = charts.horizontal_bars([("a", 10), ("b", 5), ("c", 0)])
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_ROOM
    assert widths[1] == widths[0] // 2
    assert widths[2] == 0
    assert chart.height == 3 * charts.ROW_HEIGHT
    assert chart.total == 15


def test_columns_label_at_most_eight_months_and_always_the_last() -> None:
    data = [(f"2025-{m:02d}", m) for m in range(1, 13)] + [("2026-01", 1), ("2026-02", 0)]
    chart = charts.columns(data)
    labelled = [bar.label for bar in chart.bars if bar.show_label]
    assert len(labelled) <= charts.MAX_COLUMN_LABELS
    assert labelled[-1] == "2026-02"
    assert all(bar.y + bar.height == chart.baseline_y for bar in chart.bars)
    assert chart.bars[11].height == charts.COLUMN_PLOT_HEIGHT
    assert chart.bars[12].height >= 1  # a small non-zero value stays visible
    assert not chart.bars[13].show_value  # zero is not written on the chart


def test_month_series_fills_gaps_across_years() -> None:
    series = charts.month_series([("2025-11", 2), ("2026-02", 1)])
    assert series == [("2025-11", 2), ("2025-12", 0), ("2026-01", 0), ("2026-02", 1)]
    assert charts.month_series([]) == []


def _entry(
    entry_id: str, region: str | None, sectors: list[str], removed: bool = False
) -> PublicEntry:
    content = entry_content(entry_id, 1, "名称", region=region, sectors=sectors)
    state = EntryState(
        entry_id,
        1,
        9 if removed else 1,
        {"entry": content, "signature": {}},
        removed_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC) if removed else None,
        removal_reason="error" if removed else None,
        content_sha256="0" * 64,
    )
    return PublicEntry(state, dt.date(2026, 6, 1))


def test_statistics_count_current_listings_by_sector_and_province() -> None:
    entries = [
        _entry("A", "350100", ["internet", "food_drug"]),
        _entry("B", "350200", ["internet"]),
        _entry("C", "440300", ["environment"]),
        _entry("D", None, ["internet"]),
        _entry("E", "350100", ["internet"], removed=True),
    ]
    stats = compute_statistics(entries, [("2026-01", 3), ("2026-03", 2)])
    assert (stats.listed_now, stats.removed) == (4, 1)
    assert stats.by_sector == [("food_drug", 1), ("environment", 1), ("internet", 3)]
    assert stats.by_province == [("35", 2), ("44", 1), (None, 1)]
    assert stats.by_month == [("2026-01", 3), ("2026-02", 0), ("2026-03", 2)]


def test_regions_name_their_province() -> None:
    assert province_code("350100") == "35"
    assert province_code("990000") is None
    assert region_label("350100", "zh") == "福建省 (350100)"
    assert region_label("350100", "en") == "Fujian (350100)"
    assert region_label("990000", "en") == "990000"


def test_every_standard_wording_of_the_workflow_is_translatable() -> None:
    # The English measures of entries published before list types stay translated on the site.
    assert set(list_types_in()[0].measures_en) <= labels.KNOWN_WORDINGS


def _source_messages() -> set[str]:
    """Every message the site's code and templates use, extracted as babel.cfg says."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords
        )
    }


@pytest.mark.parametrize("language", ["zh", "en"])
def test_catalogues_translate_every_message_and_are_compiled(language: str) -> None:
    folder = ROOT / "api" / "translations" / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as stream:
        catalogue = read_po(stream)
    with open(folder / "messages.mo", "rb") as stream:
        compiled = read_mo(stream)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and m.string and (isinstance(m.string, str) or all(m.string)) and not m.fuzzy
    }
    assert sorted(_source_messages() - translated) == []  # run the commands in babel.cfg
    assert [m.id for m in catalogue if m.id and compiled.get(m.id) is None] == []


def test_labels_fall_back_to_the_code() -> None:
    assert labels.label(labels.SECTORS, "mining") == "mining"
    assert labels.label(labels.SECTORS, None) == ""
    assert labels.wording("written by the authority") == "written by the authority"
