"""Text normalisation for name matching: one canonical spelling per way of writing a name.

Steps, in order: NFKC (full-width and half-width forms, compatibility ideographs), drop
invisible formatting characters (zero-width space, BOM, bidi marks) and turn control characters
into spaces, casefold, fold look-alike letters from other scripts, strip accents, convert
traditional Chinese to simplified (zhconv), then split into tokens and strip legal forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import zhconv
from pypinyin import lazy_pinyin

from registry.matching.vocabulary import CONFUSABLES, HAN_LEGAL_FORMS, LATIN_LEGAL_FORMS

_HAN_CLASS = r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN_CLASS}]")
_HAN_RUN_RE = re.compile(f"([{_HAN_CLASS}]+)")
# Dots and apostrophes vanish instead of splitting, so "S.A." is "sa" and "O'Neil" is "oneil".
_VANISHING = str.maketrans("", "", ".'’`´")
_CONFUSABLE_TABLE = str.maketrans(CONFUSABLES)
_BRACKETS = re.compile(r"[(\[{【〔「『]([^)\]}】〕」』]*)[)\]}】〕」』]")
_HAN_FORMS = frozenset(HAN_LEGAL_FORMS)
_LONGEST_HAN_SUFFIX = 8  # no legal form or industry word in the tables is longer
# Chinese names keep at least this many characters after a legal form or industry word is
# stripped: a trade name (字号) has at least two characters.
_MIN_HAN_CORE = 2
# One- and two-letter forms ("sa", "ag", "co") are also pinyin syllables or initials, so
# they are stripped only when two tokens remain: "Zhang Sa" keeps its given name.
_SHORT_FORM = 2


def contains_han(text: str) -> bool:
    """True if the text contains a Chinese character."""
    return _HAN_RE.search(text) is not None


def _is_separator(char: str) -> bool:
    return unicodedata.category(char)[0] in "PSZ" or char.isspace()


@lru_cache(maxsize=65536)
def clean_text(text: str) -> str:
    """Fold a string to its comparison spelling, keeping punctuation and spaces in place."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch
        for ch in folded
        if unicodedata.category(ch) != "Cf"
    )
    folded = folded.casefold().translate(_CONFUSABLE_TABLE)
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
        folded = unicodedata.normalize("NFC", stripped)
        if contains_han(folded):
            folded = zhconv.convert(folded, "zh-cn")
    return folded


def tokenize(text: str) -> list[str]:
    """Split cleaned text into tokens at punctuation, symbols and spaces."""
    tokens: list[str] = []
    current: list[str] = []
    for char in text.translate(_VANISHING):
        if _is_separator(char):
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def replace_brackets(text: str, replacement: Callable[[str], str]) -> str:
    """Replace each bracketed part of cleaned text, in place, by `replacement(contents)`."""
    return _BRACKETS.sub(lambda match: f" {replacement(match.group(1))} ", text)


def strip_han_legal_forms(text: str) -> str:
    """Remove Chinese legal forms (有限公司, 集团 ...) from the end, repeatedly."""
    return strip_han_suffixes(text, _HAN_FORMS)[0]


def strip_han_suffixes(text: str, words: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """Strip words of a set from the end, longest first, keeping two characters in front.

    Returns the rest and the stripped words in reading order.
    """
    stripped: list[str] = []
    while True:
        room = min(_LONGEST_HAN_SUFFIX, len(text) - _MIN_HAN_CORE)
        size = next((n for n in range(room, 0, -1) if text[-n:] in words), 0)
        if not size:
            return text, tuple(reversed(stripped))
        stripped.append(text[-size:])
        text = text[:-size]


def strip_latin_legal_forms(tokens: list[str]) -> list[str]:
    """Remove Latin or pinyin legal forms (Co., Ltd., GmbH, youxian gongsi ...) from the end."""
    end = len(tokens)
    while end > 1:
        for size in range(min(5, end - 1), 0, -1):
            joined = "".join(tokens[end - size : end])
            needed = 2 if len(joined) <= _SHORT_FORM else 1
            if joined in _LATIN_FORMS and end - size >= needed:
                end -= size
                break
        else:
            break
    return tokens[:end]


def is_legal_form(text: str) -> bool:
    """True if the cleaned text is nothing but a legal form, e.g. "有限合伙" or "co ltd"."""
    joined = "".join(tokenize(text))
    return joined in _HAN_FORMS or joined in _LATIN_FORMS


@dataclass(frozen=True)
class Pinyin:
    """Toneless pinyin of a text: one syllable per Chinese character, other words kept."""

    syllables: tuple[str, ...]

    @property
    def joined(self) -> str:
        """Syllables run together: "huaxingkeji"."""
        return "".join(self.syllables)

    @property
    def spaced(self) -> str:
        """Syllables separated by spaces: "hua xing ke ji"."""
        return " ".join(self.syllables)


@lru_cache(maxsize=65536)
def to_pinyin(text: str) -> Pinyin:
    """Romanise a name as toneless pinyin (ü written u); non-Chinese words are kept, lowercased."""
    syllables: list[str] = []
    for run in _HAN_RUN_RE.split(clean_text(text)):
        if not run:
            continue
        if contains_han(run):
            # Whole runs, so that phrases pick the right reading (重庆 chong qing, 长城 chang).
            readings = lazy_pinyin(run, errors="ignore")
            syllables.extend(r.replace("v", "u") for r in readings if r.isalpha())
        else:
            syllables.extend(tokenize(run))
    return Pinyin(tuple(syllables))


def normalize_name(name: str) -> str:
    """The canonical comparison form of a name: cleaned, punctuation and legal form removed.

    Chinese names come out as one run of simplified characters (深圳市华兴科技); other names as
    lowercase tokens separated by single spaces (nordwind precision instruments).
    """
    inline = replace_brackets(clean_text(name), lambda inner: "" if is_legal_form(inner) else inner)
    tokens = tokenize(inline)
    if contains_han(inline):
        return strip_han_legal_forms("".join(tokens))
    return " ".join(strip_latin_legal_forms(tokens))


def _latin_legal_forms() -> frozenset[str]:
    # Pinyin spellings of the Chinese forms ("youxian gongsi"); one-syllable forms such as
    # 厂 (chang) or 店 (dian) are left out because they are also common given names.
    pinyin_forms = {to_pinyin(form).joined for form in HAN_LEGAL_FORMS if len(form) >= 2}
    return LATIN_LEGAL_FORMS | pinyin_forms


_LATIN_FORMS = _latin_legal_forms()
