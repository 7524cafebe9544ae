"""How alike two parsed names are, as a number in [0, 1] with a short reason.

Chinese against Chinese: the trade name (字号) must agree. Two registered enterprises in one
region routinely differ in a single trade-name character, often a homophone (华兴 / 华星), so a
changed trade-name character counts as a different enterprise, while a slip in the industry word,
a missing region or a missing legal form does not. Pinyin is never used between two Chinese
names, because it would make those homophones equal.

Latin space (pinyin or Latin on at least one side): edit similarity tolerates typos; the better
of a token-sorted comparison (word order) and a comparison with spaces removed (how pinyin was
split into words) counts.
"""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz import fuzz

from registry.matching.forms import NameForm
from registry.matching.regions import codes_compatible

# The industry word matters less than the trade name: 华兴科技 vs 华兴电子 keeps 0.7.
INDUSTRY_SHARE = 0.3
# Similarity of the industry part when one side leaves it out (华兴 vs 华兴科技).
OMITTED_INDUSTRY = 0.75
# Letters a matched span may grow by to cover whole words (see _widen_to_words).
WORD_SLACK = 2
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
        shorter, other = sorted((query, listed), key=_trade_length)
        size = _trade_length(shorter)
        trade = _ratio(shorter.core[:size], other.core[:size])
        rests = (shorter.core[size:], other.core[size:])
        industry = _ratio(*rests) if all(rests) else OMITTED_INDUSTRY
    # Squared: one changed character in a two-character trade name leaves 0.25, not 0.5.
    score = trade * trade * ((1.0 - INDUSTRY_SHARE) + INDUSTRY_SHARE * industry)
    return Similarity(score, _han_reason(query, listed, trade, industry))


def _trade_length(form: NameForm) -> int:
    return len(form.trade) if form.industry else len(form.core)


def _han_reason(query: NameForm, listed: NameForm, trade: float, industry: float) -> str:
    if query.core == listed.core:
        return f"same name {listed.core} once region and legal form are set aside"
    if trade == 1.0:
        return f"same trade name {listed.trade}; industry part {industry:.2f} alike"
    return f"trade name differs ({query.trade} vs {listed.trade}, {trade:.2f} alike)"


def _compare_latin(query: NameForm, listed: NameForm) -> Similarity:
    if not query.sector and not listed.sector:
        score = _spelling(query.words, listed.words)
        return Similarity(score, f"spelling {score:.2f} alike, ignoring word order and spacing")
    structured = _structured(query, listed)
    aligned = _aligned(query, listed)
    if aligned > structured.score:
        return Similarity(aligned, f"distinctive words found in the other name ({aligned:.2f})")
    return structured


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
        industry = OMITTED_INDUSTRY
    score = distinct * ((1.0 - INDUSTRY_SHARE) + INDUSTRY_SHARE * industry)
    return Similarity(
        score, f"distinctive words {distinct:.2f} alike, industry words {industry:.2f} alike"
    )


def _aligned(query: NameForm, listed: NameForm) -> float:
    """Find the shorter distinctive part inside the other name, then compare what is left.

    This catches what the parse missed: pinyin run together ("chengmeiruntongxinjishu") or an
    industry word misspelt beyond recognition ("Klarstein Lgoistircs"). What is left over must
    look like the industry words, so an extra distinctive word ("Zhong" Huaxing) still counts.
    """
    short, other = sorted((query, listed), key=lambda form: len("".join(form.distinct)))
    needle, haystack = "".join(short.distinct), "".join(other.words)
    if not needle or len(needle) > len(haystack):
        return 0.0
    alignment = fuzz.partial_ratio_alignment(needle, haystack)
    start, end = _widen_to_words(other.words, alignment.dest_start, alignment.dest_end)
    found = _ratio(needle, haystack[start:end])
    rest_short = "".join(word for word in short.words if word not in short.distinct)
    rest_other = haystack[:start] + haystack[end:]
    if rest_short and rest_other:
        rest = _ratio(rest_short, rest_other)
    else:
        rest = OMITTED_INDUSTRY if rest_short or rest_other else 1.0
    return found * rest


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
