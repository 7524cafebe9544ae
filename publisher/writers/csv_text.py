"""One CSV row as text, as `csv.writer` writes it in the default (excel) dialect.

The feed's CSV chunks and the national platform export write a row per entry; the `csv`
module spends most of its time per row on setting up and on its generic quoting rules. For the
default dialect (comma, double quote doubled inside a quoted cell, CRLF line ends, minimal
quoting) a cell is quoted exactly when it holds a comma, a double quote, a CR or an LF, which
this renders directly (tests/publisher/test_csv_text.py compares it with `csv.writer`).
"""

from __future__ import annotations

from collections.abc import Sequence


def _cell(text: str) -> str:
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(cells: Sequence[str]) -> str:
    """The row of `cells` (strings) with its CRLF line end, as `csv.writer().writerow` writes it."""
    if len(cells) == 1 and not cells[0]:
        return '""\r\n'  # a row of one empty cell is written quoted, so it is not a blank line
    return ",".join(map(_cell, cells)) + "\r\n"
