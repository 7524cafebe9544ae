"""Parse a name into the parts the matcher compares: region, trade name, industry, Latin tokens.

A Chinese enterprise name reads 行政区划 + 字号 + 行业 + 组织形式 (深圳市 华兴 科技 有限公司).
The trade name (字号) is what tells two enterprises apart; the region and the legal form are
often left out when people type a name. Latin names are split into tokens the same way, with
industry words mapped to shared tokens so that "Technology", "Keji" and 科技 meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from registry.screening.matching.normalize import (
    is_legal_form,
    normalize_name,
    split_han_legal_forms,
    strip_han_suffixes,
    strip_latin_legal_forms,
)
from registry.screening.matching.pinyin import pinyin_of_clean, to_pinyin
from registry.screening.matching.regions import (
    han_place,
    latin_region_codes,
    split_han_region,
    split_latin_region,
)
from registry.screening.matching.text import clean_text, contains_han, replace_brackets, tokenize
from registry.screening.matching.vocabulary import COMPOUND_SURNAMES, INDUSTRY_GROUPS

_HAN_INDUSTRY: dict[str, tuple[str, ...]] = {
    word: tokens for tokens, han_words, _ in INDUSTRY_GROUPS for word in han_words
}
_HAN_INDUSTRY_WORDS = frozenset(_HAN_INDUSTRY)
# Short names without an industry word are read as personal names (surname + given name).
_MAX_PERSONAL_NAME = 4
# Misspelt English industry words are recognised from this length (shorter ones are too
# easily another word: "Tower" is not "Power").
_FUZZY_INDUSTRY_MIN_LENGTH = 6
_TWO_SLIP_LENGTH = 9
_LONGEST_INDUSTRY_PHRASE = 4  # words: "science and technology"
# Names whose parse is kept per worker: the queries screened lately (a listed name's parse lives
# in its record). Bounded, so that what a worker keeps does not grow with the distinct names it
# screens.
PARSE_CACHE = 16384


def _latin_industry() -> dict[str, tuple[str, ...]]:
    mapping: dict[str, tuple[str, ...]] = {}
    for tokens, han_words, english in INDUSTRY_GROUPS:
        for phrase in (*english, *(to_pinyin(word).joined for word in han_words)):
            mapping.setdefault(phrase.replace(" ", ""), tokens)
    return mapping


_LATIN_INDUSTRY = _latin_industry()
# Industry words, Chinese and Latin, and their shared tokens (电子, dianzi, electronics).
INDUSTRY_TOKENS: dict[str, tuple[str, ...]] = {**_LATIN_INDUSTRY, **_HAN_INDUSTRY}
_PINYIN_INDUSTRY: dict[str, tuple[str, ...]] = {
    to_pinyin(word).joined: tokens for tokens, han_words, _ in INDUSTRY_GROUPS for word in han_words
}
_LONGEST_PINYIN = max(len(word) for word in _PINYIN_INDUSTRY)
# A trade name in pinyin has at least two syllables, so at least four letters (e.g. "huda").
_MIN_PINYIN_HEAD = 4
_ENGLISH_INDUSTRY_WORDS = tuple(
    phrase
    for _, _, english in INDUSTRY_GROUPS
    for phrase in english
    if " " not in phrase and len(phrase) >= _FUZZY_INDUSTRY_MIN_LENGTH
)


@dataclass(frozen=True)
class NameForm:
    """One name taken apart for comparison."""

    han: bool  # written in Chinese characters
    regions: frozenset[str]  # division codes of the region prefix, if any
    core: str  # the name without region and legal form (Chinese: one run; Latin: words)
    trade: str  # Chinese only: the trade name (字号), or the whole core if no industry word
    industry: str  # Chinese only: the industry words (行业), "" if none was recognised
    words: tuple[str, ...]  # in Latin letters as written (Chinese: pinyin, one token a word)
    distinct: tuple[str, ...]  # the words that are not industry words, in Latin letters
    sector: tuple[str, ...]  # the industry words as shared tokens (Technology, 科技 -> keji)
    legal_form: str = ""  # Chinese only: the legal form (有限公司), "" if none was written
    person: bool = False  # the name of a listed natural person (set by the index, not the parse)

    @classmethod
    def restore(cls, **fields: Any) -> NameForm:
        """A form as an index file keeps it, every field given as the class holds it.

        The fields go into the instance's dictionary at once: a frozen dataclass's own
        `__init__` sets them one by one through `object.__setattr__`, which is most of the
        cost of reading a candidate's record (a fresh name reads a score of them).
        """
        form = object.__new__(cls)
        form.__dict__.update(fields)
        return form

    @property
    def is_empty(self) -> bool:
        """True if nothing comparable is left (the name was only punctuation or a legal form)."""
        return not self.core

    @cached_property
    def distinct_joined(self) -> str:
        """The distinctive words run together."""
        return "".join(self.distinct)

    @cached_property
    def distinct_spaced(self) -> str:
        """The distinctive words separated by spaces."""
        return " ".join(self.distinct)


@lru_cache(maxsize=PARSE_CACHE)
def parse_name(name: str) -> NameForm:
    """Take a name apart into region, core, trade name, industry and Latin tokens."""
    bracket_regions: set[str] = set()

    def bracketed(inner: str) -> str:
        # 华兴科技(深圳)有限公司: a bracketed place is a region, a bracketed legal form goes.
        if is_legal_form(inner):
            return ""
        tokens = tokenize(inner)
        codes = han_place("".join(tokens)) if contains_han(inner) else latin_region_codes(tokens)
        if codes is None:
            return inner
        bracket_regions.update(codes)
        return ""

    text = replace_brackets(clean_text(name), bracketed)
    if contains_han(text):
        return _parse_han("".join(tokenize(text)), frozenset(bracket_regions))
    return _parse_latin(tokenize(text), frozenset(bracket_regions))


def _parse_han(text: str, bracket_regions: frozenset[str]) -> NameForm:
    without_form, legal_form = split_han_legal_forms(text)
    prefix_regions, core = split_han_region(without_form)
    trade, industry_words = strip_han_suffixes(core, _HAN_INDUSTRY_WORDS)
    sector = tuple(token for word in industry_words for token in _HAN_INDUSTRY[word])
    if industry_words:
        distinct: tuple[str, ...] = (pinyin_of_clean(trade).joined,)
    elif len(core) <= _MAX_PERSONAL_NAME and core.isalpha():
        surname = core[:2] if core[:2] in COMPOUND_SURNAMES else core[:1]
        distinct = (pinyin_of_clean(surname).joined, pinyin_of_clean(core[len(surname) :]).joined)
    else:
        distinct = (pinyin_of_clean(core).joined,)
    words = distinct + tuple(pinyin_of_clean(word).joined for word in industry_words)
    return NameForm(
        han=True,
        regions=prefix_regions | bracket_regions,
        core=core,
        trade=trade,
        industry="".join(industry_words),
        words=_non_empty(words),
        distinct=_non_empty(distinct),
        sector=sector,
        legal_form=legal_form,
    )


def _parse_latin(tokens: list[str], bracket_regions: frozenset[str]) -> NameForm:
    regions, words = split_latin_region(strip_latin_legal_forms(tokens))
    distinct, sector = _split_industry_words(words)
    return NameForm(
        han=False,
        regions=regions | bracket_regions,
        core=" ".join(words),
        trade="",
        industry="",
        words=words,
        distinct=distinct,
        sector=sector,
    )


def _non_empty(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(token for token in tokens if token)


def _split_industry_words(words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Separate distinctive words from industry words (English or pinyin, even run together).

    Returns the distinctive words and the industry words as shared tokens.
    """
    distinct, sector = _scan_industry_words(words)
    if not distinct and words:
        # Every word looks like an industry word ("Tongxin Xinxi" for 通鑫信息): the first
        # one is the trade name, as it comes first in a name.
        return (words[0],), _scan_industry_words(words[1:])[1]
    return distinct, sector


def _scan_industry_words(words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    distinct: list[str] = []
    sector: list[str] = []
    position = 0
    while position < len(words):
        for size in range(min(_LONGEST_INDUSTRY_PHRASE, len(words) - position), 0, -1):
            tokens = _LATIN_INDUSTRY.get("".join(words[position : position + size]))
            if tokens:
                sector.extend(tokens)
                position += size
                break
        else:
            word = words[position]
            tokens = _fuzzy_industry_word(word)
            if tokens:
                sector.extend(tokens)
            else:
                head, tail = _split_pinyin_industry(word)
                if head:
                    distinct.append(head)
                sector.extend(tail)
            position += 1
    return tuple(distinct), tuple(sector)


def _split_pinyin_industry(word: str) -> tuple[str, tuple[str, ...]]:
    """Split industry words off the end of pinyin run together: huaxingkeji -> huaxing, keji."""
    tail: list[str] = []
    while word:
        if word in _PINYIN_INDUSTRY:  # nothing but industry words ("xinxijishu")
            tail[:0] = _PINYIN_INDUSTRY[word]
            return "", tuple(tail)
        room = len(word) - _MIN_PINYIN_HEAD
        size = next(
            (n for n in range(min(room, _LONGEST_PINYIN), 1, -1) if word[-n:] in _PINYIN_INDUSTRY),
            0,
        )
        if not size:
            break
        tail[:0] = _PINYIN_INDUSTRY[word[-size:]]
        word = word[:-size]
    return word, tuple(tail)


@lru_cache(maxsize=65536)
def _fuzzy_industry_word(word: str) -> tuple[str, ...] | None:
    """The industry tokens of a misspelt English industry word ("Tecnology"), if it is one."""
    if len(word) < _FUZZY_INDUSTRY_MIN_LENGTH or not word.isalpha():
        return None
    # One slip (a transposition counts as one) in words up to eight letters, two in longer.
    allowed = 1 if len(word) < _TWO_SLIP_LENGTH else 2
    best = process.extractOne(
        word, _ENGLISH_INDUSTRY_WORDS, scorer=OSA.distance, score_cutoff=allowed
    )
    return _LATIN_INDUSTRY[best[0]] if best else None


def name_keys(name: str) -> tuple[str, ...]:
    """Search keys for a name, for the public site's search.

    The normalised name, the name without its region prefix, and for Chinese names the toneless
    pinyin (joined and spaced) and pinyin initials. A visitor's input matches an entry when a
    key of the input occurs in a key of the entry.
    """
    normalised = normalize_name(name)
    form = parse_name(name)
    keys = [normalised, form.core]
    if form.han:
        for text in (normalised, form.core):
            pinyin = to_pinyin(text)
            keys += [pinyin.joined, pinyin.spaced, "".join(s[0] for s in pinyin.syllables)]
    return tuple(dict.fromkeys(key for key in keys if key))
