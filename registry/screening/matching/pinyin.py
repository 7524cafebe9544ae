"""Toneless pinyin of Chinese names, with pypinyin."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin as Converter
from pypinyin.phrases_dict import phrases_dict

from registry.screening.matching.text import HAN_RUN_RE, clean_text, contains_han, tokenize


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


def to_pinyin(text: str) -> Pinyin:
    """Romanise a name as toneless pinyin (ü written u); non-Chinese words are kept, lowercased."""
    return pinyin_of_clean(clean_text(text))


@lru_cache(maxsize=65536)
def pinyin_of_clean(text: str) -> Pinyin:
    """to_pinyin for text that has already been through clean_text."""
    syllables: list[str] = []
    for run in HAN_RUN_RE.split(text):
        if contains_han(run):
            syllables.extend(_han_run_pinyin(run))
        else:
            syllables.extend(tokenize(run))
    return Pinyin(tuple(syllables))


def _han_run_pinyin(run: str) -> list[str]:
    # pypinyin reads a character by itself unless it is part of a listed phrase (长城 chang
    # cheng, 重庆 chong qing). Runs without such a phrase, most trade names, are read
    # character by character from a cache: the same result, many times faster.
    if any(
        run[start : start + size] in phrases_dict
        for start in range(len(run) - 1)
        if run[start : start + 2] in _PHRASE_STARTS
        for size in range(2, min(_LONGEST_PHRASE, len(run) - start) + 1)
    ):
        # What `lazy_pinyin(run)` does, in its two steps: the run cut into words (its phrases
        # and single characters), then each word read on its own; the words (有限公司, 科技)
        # recur from name to name, so their readings are kept.
        readings = [reading for word in _CONVERTER.seg(run) for reading in _word_pinyin(word)]
    else:
        readings = [_char_pinyin(char) for char in run]
    return [reading.replace("v", "u") for reading in readings if reading.isalpha()]


# `lazy_pinyin` builds this converter, with these defaults, at every call.
_CONVERTER = Converter(UltimateConverter())


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> tuple[str, ...]:
    # A word given in a list is read as it is, without being cut again.
    return tuple(_CONVERTER.lazy_pinyin([word], errors="ignore"))


@cache
def _char_pinyin(char: str) -> str:
    readings = lazy_pinyin(char, errors="ignore")
    return readings[0] if readings else ""


@cache
def phrase_readings() -> dict[str, Counter[str]]:
    """How often each character is read each way (toneless, ü as u) in pypinyin's phrases.

    pypinyin lists a character's most common reading first, then every reading dictionaries
    record, old ones too (鑫 xin, xun); the words of its phrase dictionary show which of them
    are in use (长 chang in 407 words, zhang in 144; 行 heng in one word of 762).
    """
    toneless = cache(to_normal)
    counts: dict[str, Counter[str]] = {}
    for phrase, syllables in phrases_dict.items():
        for char, spelled in zip(phrase, syllables, strict=False):
            reading = toneless(spelled[0]).replace("v", "u")
            counts.setdefault(char, Counter())[reading] += 1
    return counts


_LONGEST_PHRASE = max(map(len, phrases_dict))
_PHRASE_STARTS = frozenset(phrase[:2] for phrase in phrases_dict)
