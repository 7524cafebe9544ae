"""How alike two parsed names are, as a number in [0, 1] with a short reason.

Chinese against Chinese: the trade name (字号) must agree. Two registered enterprises in one
region routinely differ in a single trade-name character, often a homophone (华兴 / 华星), so a
changed trade-name character counts as a different enterprise, while a slip in the industry word,
a missing region or a missing legal form does not. Pinyin is never used between two Chinese
names, because it would make those homophones equal.

Latin letters (pinyin or a Latin name on at least one side): edit similarity tolerates typos.
Distinctive words are compared with distinctive words and industry words with industry words,
so that shared industry words ("Precision Instruments") cannot carry two different names over
the threshold. Where the parse may have gone wrong (pinyin run together, a misspelt industry
word), the distinctive part of one name is also looked for inside the other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from rapidfuzz import fuzz

from registry.screening.matching.forms import NameForm
from registry.screening.matching.regions import codes_compatible, latin_place_names

# The industry word matters less than the trade name: 华兴科技 vs 华兴电子 keeps 0.7.
INDUSTRY_SHARE = 0.3
# Similarity of the industry part when the query leaves it out (华兴 for 华兴科技), and when
# the query has one that the listed name lacks (田晨半导体 against the person 田晨).
OMITTED_INDUSTRY = 0.75
EXTRA_INDUSTRY = 0.0
# Letters a matched span may grow by to cover whole words (see _widen_to_words).
WORD_SLACK = 2
# A query word this close to the listed subject's place name is that place, misspelt.
MISSPELT_PLACE_CUTOFF = 75
MIN_PLACE_LENGTH = 4
MIN_WORDS_FOR_PLACE = 2
# Two region prefixes naming different places (杭州 vs 深圳) scale the similarity by this.
REGION_CONFLICT_FACTOR = 0.7


class Similarity(NamedTuple):
    """A similarity in [0, 1] and the reason for it, in words."""

    score: float
    reason: str


def compare_forms(query: NameForm, listed: NameForm) -> Similarity:
    """Compare a query name with a listed name (Chinese rules if both are Chinese)."""
    if query.is_empty or listed.is_empty:
        return Similarity(0.0, "nothing left to compare after normalisation")
    similarity = (
        _compare_han(query, listed) if query.han and listed.han else _compare_latin(query, listed)
    )
    if codes_compatible(query.regions, listed.regions):
        return similarity
    return Similarity(
        similarity.score * REGION_CONFLICT_FACTOR,
        similarity.reason + "; the region prefixes name different places",
    )


def latin_upper_bound(query: NameForm, listed: NameForm) -> float:
    """A quick similarity that a comparison in Latin letters does not exceed.

    Every Latin comparison is capped by how well the distinctive words meet, in some order or
    as a part of the other; two calls into rapidfuzz tell that without the full comparison.
    """
    partial = fuzz.partial_ratio(query.distinct_joined, listed.distinct_joined)
    ordered = fuzz.token_sort_ratio(query.distinct_spaced, listed.distinct_spaced)
    return max(partial, ordered) / 100.0


def _ratio(left: str, right: str) -> float:
    return fuzz.ratio(left, right) / 100.0


def _compare_han(query: NameForm, listed: NameForm) -> Similarity:
    if query.industry and query.industry == listed.industry:
        # Same industry: the trade names alone tell the two apart.
        trade = 1.0 if query.trade == listed.trade else _ratio(query.trade, listed.trade)
        industry = 1.0
    elif not query.industry and not listed.industry:
        trade, industry = _ratio(query.core, listed.core), 1.0
    else:
        # Different or unrecognised industry words (one may hold a slip, 信息 typed 心息):
        # line the shorter trade name up with the start of the other core, compare the rest.
        size = min(_trade_length(query), _trade_length(listed))
        trade = _ratio(query.core[:size], listed.core[:size])
        industry = _rest_agreement(query.core[size:], listed.core[size:])
    # Squared: one changed character in a two-character trade name leaves 0.25, not 0.5.
    score = trade * trade * ((1.0 - INDUSTRY_SHARE) + INDUSTRY_SHARE * industry)
    return Similarity(score, _han_reason(query, listed, trade, industry))


def _rest_agreement(query_rest: str, listed_rest: str) -> float:
    """How well what follows the trade names agrees.

    A query may leave the industry word out (华兴 for 华兴科技); a listed name that ends where
    the query goes on (a person 田晨 against 田晨半导体) is another subject.
    """
    if query_rest and listed_rest:
        return _ratio(query_rest, listed_rest)
    if listed_rest:
        return OMITTED_INDUSTRY
    return EXTRA_INDUSTRY if query_rest else 1.0


def _trade_length(form: NameForm) -> int:
    return len(form.trade) if form.industry else len(form.core)


def _han_reason(query: NameForm, listed: NameForm, trade: float, industry: float) -> str:
    if query.core == listed.core:
        return f"same name {listed.core} once region and legal form are set aside"
    if trade == 1.0:
        return f"same trade name {listed.trade}; industry part {industry:.2f} alike"
    return f"trade name differs ({query.trade} vs {listed.trade}, {trade:.2f} alike)"


def _compare_latin(query: NameForm, listed: NameForm) -> Similarity:
    query = _without_misspelt_place(query, listed)
    if not query.sector and not listed.sector:
        score = _spelling(query.words, listed.words)
        return Similarity(score, f"spelling {score:.2f} alike, ignoring word order and spacing")
    structured = _structured(query, listed)
    if not _parses_disagree(query, listed):
        return structured
    aligned = _aligned(query, listed)
    if aligned > structured.score:
        return Similarity(aligned, f"distinctive words found in the other name ({aligned:.2f})")
    return structured


def _without_misspelt_place(query: NameForm, listed: NameForm) -> NameForm:
    """Drop a first or last query word that is a misspelling of the listed subject's place.

    "Shnaghai Runjie" is not recognised as a region prefix, but it is one when the listed
    subject is in Shanghai. Only when the query has another distinctive word left to compare.
    """
    if query.regions or not listed.regions or len(query.distinct) < MIN_WORDS_FOR_PLACE:
        return query
    places = latin_place_names(listed.regions)
    for word in (query.distinct[0], query.distinct[-1]):
        if len(word) >= MIN_PLACE_LENGTH and any(
            fuzz.ratio(word, place) >= MISSPELT_PLACE_CUTOFF for place in places
        ):
            return replace(
                query,
                distinct=tuple(w for w in query.distinct if w != word),
                words=tuple(w for w in query.words if w != word),
            )
    return query


def _structured(query: NameForm, listed: NameForm) -> Similarity:
    """Distinctive words against distinctive words, industry words against industry words.

    Shared industry words ("Precision Instruments") must not carry two different names
    (Lumvik / Paxvik) over the threshold, so they count for INDUSTRY_SHARE only.
    """
    if query.distinct and listed.distinct:
        distinct = _spelling(query.distinct, listed.distinct)
    else:
        distinct = 0.0 if query.distinct or listed.distinct else 1.0
    if query.sector and listed.sector:
        industry = _spelling(query.sector, listed.sector)
    else:
        industry = OMITTED_INDUSTRY if listed.sector else EXTRA_INDUSTRY
    score = distinct * ((1.0 - INDUSTRY_SHARE) + INDUSTRY_SHARE * industry)
    return Similarity(
        score, f"distinctive words {distinct:.2f} alike, industry words {industry:.2f} alike"
    )


def _parses_disagree(query: NameForm, listed: NameForm) -> bool:
    """True if one side found no industry word, or the distinctive parts differ in length.

    Only then can the parse have gone wrong (pinyin run together, a misspelt industry word)
    and the aligned comparison find more than the structured one.
    """
    if not (query.sector and listed.sector):
        return True
    size = abs(sum(map(len, query.distinct)) - sum(map(len, listed.distinct)))
    return size > WORD_SLACK


def _aligned(query: NameForm, listed: NameForm) -> float:
    """Find the shorter distinctive part inside the other name, then compare what is left.

    This catches what the parse missed: pinyin run together ("chengmeiruntongxinjishu") or an
    industry word misspelt beyond recognition ("Klarstein Lgoistircs"). What is left over must
    look like the industry words, so an extra distinctive word ("Zhong" Huaxing) still counts.
    """
    query_shorter = len("".join(query.distinct)) <= len("".join(listed.distinct))
    short, other = (query, listed) if query_shorter else (listed, query)
    needle, haystack = "".join(short.distinct), "".join(other.words)
    if not needle or len(needle) > len(haystack):
        return 0.0
    alignment = fuzz.partial_ratio_alignment(needle, haystack)
    if alignment is None:
        return 0.0
    start, end = _widen_to_words(other.words, alignment.dest_start, alignment.dest_end)
    found = _ratio(needle, haystack[start:end])
    rest_short = "".join(short.words).replace(needle, "", 1)
    rest_other = haystack[:start] + haystack[end:]
    rests = (rest_short, rest_other) if query_shorter else (rest_other, rest_short)
    return found * _rest_agreement(*rests)


def _widen_to_words(words: tuple[str, ...], start: int, end: int) -> tuple[int, int]:
    """Stretch a span to whole words when that adds at most WORD_SLACK letters.

    "corix" matches "ordix" inside "nordix"; the whole word is what must be compared.
    Pinyin run together stays unwidened: there the word boundaries are unknown.
    """
    bounds = [0]
    for word in words:
        bounds.append(bounds[-1] + len(word))
    wide_start = max(b for b in bounds if b <= start)
    wide_end = min(b for b in bounds if b >= end)
    if (start - wide_start) + (wide_end - end) <= WORD_SLACK:
        return wide_start, wide_end
    return start, end


def _spelling(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """The better of a word-order-free and a spacing-free comparison."""
    spaced = fuzz.token_sort_ratio(" ".join(left), " ".join(right))
    joined = fuzz.ratio("".join(left), "".join(right))
    return max(spaced, joined) / 100.0
