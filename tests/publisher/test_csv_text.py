"""CSV rows rendered directly give exactly what `csv.writer` writes (default dialect)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from publisher.writers.csv_text import csv_text

# Characters the quoting rules look at, and some they leave alone.
_AWKWARD = st.text(alphabet=list(",\"\r\n \t'=+-@;|名单a1\\\x00\u2028"))


def _library(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


@given(st.lists(_AWKWARD, min_size=1, max_size=30))
def test_awkward_rows_match_csv_writer(cells: list[str]) -> None:
    assert csv_text(cells) == _library(cells)


@given(st.lists(st.text(), min_size=1, max_size=30))
def test_any_text_matches_csv_writer(cells: list[str]) -> None:
    assert csv_text(cells) == _library(cells)


def test_edge_rows_match_csv_writer() -> None:
    for cells in ([""], ["", ""], ['"'], [","], ["a\r\nb"], [" lead", "trail "], ["x"] * 23):
        assert csv_text(cells) == _library(cells), cells
