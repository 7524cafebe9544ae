"""Region and industry words typed next to a name in a search box (深圳 华兴, 电子, Shenzhen).

A visitor types words, not a registered name. Each space-separated word that is only a place
(深圳, 深圳市, Shenzhen) or only an industry word (电子, 科技, Electronics), or a place with an
industry word (深圳电子), becomes a filter; what is left is the name to match.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.screening.matching.forms import INDUSTRY_TOKENS, parse_name
from registry.screening.matching.regions import han_place, latin_region_codes
from registry.screening.matching.text import clean_text, contains_han, tokenize

MAX_LATIN_FILTER_WORDS = 3


@dataclass(frozen=True)
class QueryWords:
    """A search text taken apart: places, industry tokens and the name words left over."""

    regions: frozenset[str]
    sector: tuple[str, ...]
    name: str

    @property
    def filters(self) -> bool:
        """True if the text named a place or an industry."""
        return bool(self.regions or self.sector)


def split_query_words(text: str) -> QueryWords:
    """Separate place and industry words from the name words of a search text."""
    regions: set[str] = set()
    sector: list[str] = []
    rest: list[str] = []
    words = tokenize(clean_text(text))
    # Spaced pinyin of a whole name ("ning bo shi ... you xian gong si") holds syllables that
    # are also places (xian); only a few Latin words are read as places and industries.
    latin_filters = len(words) <= MAX_LATIN_FILTER_WORDS
    for word in words:
        if not latin_filters and not contains_han(word):
            rest.append(word)
            continue
        places, industry = _place_or_industry(word)
        if places is None and industry is None:
            rest.append(word)
            continue
        regions.update(places or ())
        sector.extend(industry or ())
    return QueryWords(frozenset(regions), tuple(sector), " ".join(rest))


def _place_or_industry(word: str) -> tuple[frozenset[str] | None, tuple[str, ...] | None]:
    if not contains_han(word):
        industry = INDUSTRY_TOKENS.get(word)
        return latin_region_codes([word]), industry
    places = han_place(word)
    if places is not None and not _stand_in(places):
        return places, None
    if word in INDUSTRY_TOKENS:
        return None, INDUSTRY_TOKENS[word]
    form = parse_name(word)  # 深圳电子: a place and an industry word run together
    if form.regions and not _stand_in(form.regions) and form.core in INDUSTRY_TOKENS:
        return form.regions, INDUSTRY_TOKENS[form.core]
    return None, None


def _stand_in(codes: frozenset[str]) -> bool:
    # A stand-in code is any two to four characters that might be a place (华兴 too).
    return any(code.startswith("?") for code in codes)
