"""The FtM export lines rendered directly equal the followthemoney library's, byte for byte."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from normality import cleaning

from registry.errors import InvalidValue
from registry.publication.ftm_entities import DEFAULT_PROGRAM, entry_entities
from registry.publication.ftm_lines import entry_lines
from tests.publisher.writer_samples import USCC, make_bundle, make_entry

BASE_URLS = [
    None,
    "",
    "https://ipl.example.cn",
    "https://ipl.example.cn/",
    "HTTPS://IPL.Example.cn/feed/",
    "http://127.0.0.1:5000",
    "ipl.example.cn",
    "//ipl.example.cn",
    "https://ipl.example.cn/?lang=zh",
    "https://ipl.example.cn/#top",
    "https://ipl.example.cn/a;b",
    "https://bad host.cn",
    "https://ipl.example.cn/ x",
    " https://ipl.example.cn",
    "ftp://ipl.example.cn",
    "mailto:ipl@example.cn",
]
# Characters the library's cleaning treats specially: spaces of every kind, quotes, controls,
# invisible formatting, a combining accent (NFC), a lone surrogate, CJK and full-width forms.
AWKWARD = " \t\n\r\x00\x0b\x1f\x7f\xa0\xad\u3000\u2003\u2028\u200b\ufeff\u0301\ud800\"'\\/;?#%"
TEXT = st.one_of(
    st.text(alphabet=st.sampled_from("福州示例科技有限公司ABCabc019-. " + AWKWARD), max_size=12),
    st.text(max_size=8),
    st.sampled_from(["示例科技", "e\u0301cole", "'Acme'", '"Acme"', "A  B", " x", "x "]),
)
VALUE = st.one_of(st.none(), TEXT, st.integers(-5, 5), st.booleans())
USCCS = st.sampled_from(
    [USCC, USCC.lower(), USCC[:-1] + "X", f" {USCC} ", USCC[:9] + "-" + USCC[9:], USCC[:17]]
)
IDENTIFIERS = st.lists(
    st.fixed_dictionaries(
        {
            "scheme": st.sampled_from(["cn_uscc", "cn_ric", "passport", "other", "lei", ""]),
            "value": st.one_of(USCCS, TEXT, st.just("350100199001011236")),
        }
    ),
    max_size=3,
)
DATES = st.one_of(
    st.none(),
    st.sampled_from(["2026-03-01", "2029-02-28", "2026-02-30", "2026", "2026-3-1", "tomorrow"]),
    st.dates().map(str),
    TEXT,
)


@st.composite
def bundles(draw: st.DrawFn) -> dict[str, Any]:
    """A bundle whose every field the export reads is drawn, clean or awkward."""
    kind = draw(st.sampled_from(["legal_person", "natural_person", "other_org"]))
    changes: dict[str, Any] = {
        "name": draw(TEXT.filter(bool)),
        "name_latin": draw(VALUE),
        "aliases": draw(st.lists(VALUE, max_size=3)),
        "identifiers": draw(IDENTIFIERS),
        "sectors": draw(st.one_of(st.lists(VALUE, max_size=3), st.none())),
        "measures": draw(st.lists(VALUE, max_size=3)),
        "grounds": draw(
            st.lists(st.fixed_dictionaries({"code": VALUE, "explanation": VALUE}), max_size=2)
        ),
        "decision": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries({"authority": VALUE, "document_number": VALUE}),
            )
        ),
        "listed_on": draw(DATES),
        "period_end": draw(DATES),
        "status": draw(VALUE),
    }
    entry = make_entry(draw(st.integers(1, 999_999)), kind, **changes)
    entry["entry_id"] = draw(st.one_of(st.just(entry["entry_id"]), TEXT.filter(bool)))
    return {"entry": entry}  # the export reads the entry alone, not its signature


def library_lines(bundle: dict[str, Any], program: str, base_url: str | None) -> bytes:
    """The export lines as the followthemoney library builds and serialises the entities."""
    return b"".join(
        json.dumps(
            proxy.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
        + b"\n"
        for proxy in entry_entities(bundle, program=program, base_url=base_url)
    )


def outcome(render: Callable[[], bytes]) -> bytes | str:
    """The rendered bytes, or the name of the error raised (a lone surrogate fails both)."""
    try:
        return render()
    except (InvalidValue, UnicodeEncodeError) as error:
        return type(error).__name__


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bundle=bundles(),
    program=st.one_of(st.just(DEFAULT_PROGRAM), TEXT.filter(bool)),
    base_url=st.one_of(st.sampled_from(BASE_URLS), TEXT),
)
def test_direct_lines_equal_the_library_on_varied_entries(
    bundle: dict[str, Any], program: str, base_url: str | None
) -> None:
    direct = outcome(lambda: entry_lines(bundle, program=program, base_url=base_url))
    assert direct == outcome(lambda: library_lines(bundle, program, base_url))


@pytest.mark.parametrize("base_url", BASE_URLS)
@pytest.mark.parametrize("kind", ["legal_person", "natural_person", "other_org"])
def test_sample_entries_render_as_the_library_does(kind: str, base_url: str | None) -> None:
    for number in (1, 42, 999_999, 1_000_000):
        bundle = make_bundle(number, kind)
        assert entry_lines(bundle, base_url=base_url) == library_lines(
            bundle, DEFAULT_PROGRAM, base_url
        )


def test_the_library_caps_an_entitys_text_and_so_do_the_lines() -> None:
    # Text values past 30 MiB in total are refused by the library; the lines refuse them too.
    long = "x" * (16 * 1024 * 1024)
    grounds = [{"code": code, "explanation": long} for code in ("a", "b", "c")]
    bundle = make_bundle(1, grounds=grounds)
    lines = entry_lines(bundle)
    assert lines == library_lines(bundle, DEFAULT_PROGRAM, None)
    assert json.loads(lines.splitlines()[1])["properties"]["reason"] == [f"a: {long}"]


def test_an_unknown_kind_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as raised:
        entry_lines(make_bundle(1, kind="vessel"), field="bundles[3]")

    assert raised.value.field == "bundles[3].entry.subject.kind"


def test_printable_characters_are_left_alone_by_the_librarys_cleaning() -> None:
    # What lets the lines keep a printable value as it is: the library's sanitising and name
    # squashing only touch characters that are not printable, and the plain space.
    printable = "".join(
        char for char in map(chr, range(sys.maxunicode + 1)) if char.isprintable() and char != " "
    )
    assert cleaning.remove_unsafe_chars(printable) == printable
    assert cleaning.COLLAPSE_REMOVE_RE.search(printable) is None
    assert cleaning.COLLAPSE_RE.search(printable) is None
