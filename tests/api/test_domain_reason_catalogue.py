"""Every reason registry/ gives has a Chinese translation that keeps its parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.registry.test_error_templates import _template_positions

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "api" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _keywords() -> dict[str, tuple[int, ...] | None]:
    """The extraction keywords `make messages` uses (BABEL_KEYWORDS in the Makefile)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = re.search(r"^BABEL_KEYWORDS :=((?:.*\\\n)*.*)$", makefile, re.MULTILINE)
    assert block is not None
    keywords: dict[str, tuple[int, ...] | None] = {}
    for spec in re.findall(r"-k (\S+)", block[1]):
        name, _sep, position = spec.partition(":")
        keywords[name] = (int(position),) if position else None
    return keywords


def _domain_messages() -> set[str]:
    found = extract_from_dir(
        ROOT, [("registry/**.py", "python")], keywords=_keywords(), comment_tags=()
    )
    return {message for _file, _line, message, _comments, _context in found}


def _catalogue(language: str) -> dict[str, str]:
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as stream:
        catalogue = read_po(stream)
    return {m.id: m.string for m in catalogue if isinstance(m.id, str) and m.id and not m.fuzzy}


def test_the_keywords_name_every_domain_error_at_its_template() -> None:
    keywords = _keywords()
    expected = {
        name: None if position == 0 else (position + 1,)
        for name, position in _template_positions().items()
        if position is not None
    }
    assert {name: keywords.get(name, "missing") for name in expected} == expected


def test_the_domain_gives_hundreds_of_reasons() -> None:
    messages = _domain_messages()
    assert len(messages) > 400
    assert "must not be empty" in messages
    assert (
        "%(day)s is after today (%(today)s, Beijing time): nothing may be recorded as "
        "happening in the future" in messages
    )


def test_every_domain_reason_has_a_chinese_translation_with_the_same_parameters() -> None:
    chinese = _catalogue("zh")
    untranslated = sorted(m for m in _domain_messages() if not chinese.get(m))
    assert untranslated == []  # add them at the end of api/translations/zh/.../messages.po
    different = {
        message: chinese[message]
        for message in _domain_messages()
        if sorted(PLACEHOLDER.findall(message)) != sorted(PLACEHOLDER.findall(chinese[message]))
    }
    assert different == {}


def test_the_english_catalogue_says_every_reason_as_written() -> None:
    english = _catalogue("en")
    assert {m: english.get(m) for m in _domain_messages() if english.get(m) != m} == {}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_compiled_catalogues_hold_every_reason(language: str) -> None:
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.mo", "rb") as stream:
        compiled = read_mo(stream)
    assert sorted(m for m in _domain_messages() if compiled.get(m) is None) == []
