"""Text folding for name matching: one spelling per way of writing the same characters.

Steps, in order: NFKC (full-width and half-width forms, compatibility ideographs), drop
invisible formatting characters (zero-width space, BOM, bidi marks) and turn control characters
into spaces, casefold, fold look-alike letters from other scripts, strip accents, convert
traditional Chinese to simplified (zhconv). Tokens are then split at punctuation and spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import zhconv
from zhconv.zhconv import getdict

from registry.screening.matching.vocabulary import CONFUSABLES

_HAN_CLASS = r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN_CLASS}]")
HAN_RUN_RE = re.compile(f"([{_HAN_CLASS}]+)")
_CONFUSABLE_TABLE = str.maketrans(CONFUSABLES)
_BRACKETS = re.compile(r"[(\[{【〔「『]([^)\]}】〕」』]*)[)\]}】〕」』]")
_BRACKET_OPENERS = frozenset("([{【〔「『")


# The combining diacritical mark blocks: accents on Latin, Greek and Cyrillic letters. Other
# combining marks (the kana voicing marks of ポ, Indic vowel signs) are part of the letter.
_ACCENTS = (
    *range(0x0300, 0x0370),
    *range(0x1AB0, 0x1B00),
    *range(0x1DC0, 0x1E00),
    *range(0x20D0, 0x2100),
    *range(0xFE20, 0xFE30),
)


def _character_tables() -> tuple[dict[int, str | None], dict[int, str | None], dict[int, None]]:
    """Translation tables by Unicode category, built once (str.translate runs in C)."""
    invisible: dict[int, str | None] = {}
    separators: dict[int, str | None] = {}
    # The Basic Multilingual Plane, plus the tag characters used to hide text in emoji.
    for code in (*range(0x10000), *range(0xE0000, 0xE0080)):
        category = unicodedata.category(chr(code))
        if category == "Cf":
            invisible[code] = None
        elif category == "Cc":
            invisible[code] = " "
        elif category[0] in "PSZ":
            separators[code] = " "
    # Dots and apostrophes vanish instead of splitting: "S.A." is "sa", "O'Neil" is "oneil".
    separators.update(dict.fromkeys(map(ord, ".'’`´")))
    return invisible, separators, dict.fromkeys(_ACCENTS)


_INVISIBLE, _SEPARATORS, _MARKS = _character_tables()


def _conversion_triggers() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """What must occur in a text for zhconv's zh-cn conversion to change anything.

    A character that converts by itself, or a phrase that converts only as a whole (么九 ->
    幺九), here filed under its first character. Most names contain neither and are returned
    as they are, much faster than zhconv could tell.
    """
    table = getdict("zh-cn")
    changing = [source for source, target in table.items() if source != target]
    characters = frozenset(source for source in changing if len(source) == 1)
    phrases: dict[str, tuple[str, ...]] = {}
    for source in changing:
        if len(source) > 1 and characters.isdisjoint(source):
            phrases[source[0]] = (*phrases.get(source[0], ()), source)
    return characters, phrases


_TRADITIONAL_CHARACTERS, _TRADITIONAL_PHRASES = _conversion_triggers()
_TRADITIONAL_STARTS = frozenset(_TRADITIONAL_PHRASES)


def _needs_conversion(text: str) -> bool:
    if not _TRADITIONAL_CHARACTERS.isdisjoint(text):
        return True
    return any(
        phrase in text
        for char in _TRADITIONAL_STARTS.intersection(text)
        for phrase in _TRADITIONAL_PHRASES[char]
    )


def contains_han(text: str) -> bool:
    """True if the text contains a Chinese character."""
    return _HAN_RE.search(text) is not None


@lru_cache(maxsize=65536)
def clean_text(text: str) -> str:
    """Fold a string to its comparison spelling, keeping punctuation and spaces in place."""
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    folded = folded.casefold().translate(_CONFUSABLE_TABLE)
    if folded.isascii():
        return folded
    if not unicodedata.is_normalized("NFD", folded):  # something carries an accent
        decomposed = unicodedata.normalize("NFKD", folded).translate(_MARKS)
        folded = unicodedata.normalize("NFC", decomposed)
    return zhconv.convert(folded, "zh-cn") if _needs_conversion(folded) else folded


def tokenize(text: str) -> list[str]:
    """Split cleaned text into tokens at punctuation, symbols and spaces."""
    return text.translate(_SEPARATORS).split()


def replace_brackets(text: str, replacement: Callable[[str], str]) -> str:
    """Replace each bracketed part of cleaned text, in place, by `replacement(contents)`."""
    if not _BRACKET_OPENERS.intersection(text):
        return text
    return _BRACKETS.sub(lambda match: f" {replacement(match.group(1))} ", text)
