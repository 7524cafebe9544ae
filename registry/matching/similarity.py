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
    # As written (tolerates typos in industry words) or with industry words as shared tokens
    # (so "Technology" meets "Keji"): the better counts.
    whole = max(_spelling(query.words, listed.words), _spelling(query.latin, listed.latin))
    if not (query.has_industry or listed.has_industry) or not (query.distinct and listed.distinct):
        return Similarity(whole, f"spelling {whole:.2f} alike, ignoring word order and spacing")
    # Shared industry words ("Precision Instruments") must not carry two different names
    # (Lumvik / Paxvik) over the threshold: each side's distinctive words must be found in the
    # other name.
    distinct = min(
        fuzz.partial_ratio("".join(query.distinct), "".join(listed.words)),
        fuzz.partial_ratio("".join(listed.distinct), "".join(query.words)),
    ) / 100.0
    if distinct >= whole:
        return Similarity(whole, f"spelling {whole:.2f} alike, ignoring word order and spacing")
    score = (whole + distinct) / 2.0
    return Similarity(
        score,
        f"spelling {whole:.2f} alike, but the distinctive words only {distinct:.2f}",
    )


def _spelling(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """The better of a word-order-free and a spacing-free comparison."""
    spaced = fuzz.token_sort_ratio(" ".join(left), " ".join(right))
    joined = fuzz.ratio("".join(left), "".join(right))
    return max(spaced, joined) / 100.0
