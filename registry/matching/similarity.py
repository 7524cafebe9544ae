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
    if query.industry and listed.industry:
        trade = 1.0 if query.trade == listed.trade else _ratio(query.trade, listed.trade)
        industry = _ratio(query.industry, listed.industry)
    elif not query.industry and not listed.industry:
        trade, industry = _ratio(query.core, listed.core), 1.0
    else:
        # Only one side has a recognised industry word (the other may have a slip in it):
        # line its trade name up with the start of the other core.
        parsed, other = (query, listed) if query.industry else (listed, query)
        head, tail = other.core[: len(parsed.trade)], other.core[len(parsed.trade) :]
        trade = _ratio(parsed.trade, head)
        industry = _ratio(parsed.industry, tail) if tail else OMITTED_INDUSTRY
    # Squared: one changed character in a two-character trade name leaves 0.25, not 0.5.
    score = trade * trade * ((1.0 - INDUSTRY_SHARE) + INDUSTRY_SHARE * industry)
    return Similarity(score, _han_reason(query, listed, trade, industry))


def _han_reason(query: NameForm, listed: NameForm, trade: float, industry: float) -> str:
    if query.core == listed.core:
        return f"same name {listed.core} once region and legal form are set aside"
    if trade == 1.0:
        return f"same trade name {listed.trade}; industry part {industry:.2f} alike"
    return f"trade name differs ({query.trade} vs {listed.trade}, {trade:.2f} alike)"


def _compare_latin(query: NameForm, listed: NameForm) -> Similarity:
    spaced = fuzz.token_sort_ratio(" ".join(query.latin), " ".join(listed.latin))
    joined = fuzz.ratio(query.latin_joined, listed.latin_joined)
    score = max(spaced, joined) / 100.0
    return Similarity(score, f"spelling {score:.2f} alike, ignoring word order and spacing")
