"""How alike two parsed names are, as a number in [0, 1] with a short reason.

Chinese against Chinese: the trade name (字号) carries the identity and is compared by character
and by sound (registry.screening.matching.sound): a homophone character (华兴 / 华星) or two
swapped characters is a near match, one character replaced, added or left out keeps a trade name
of three or more characters above the threshold, and a trade name sharing only one character
(华兴 / 华美) is another enterprise. The region prefix, the industry word and the legal form are
each recognised and weighed on their own (present, absent or different) and explained as parts.

Latin letters (pinyin or a Latin name on at least one side): edit similarity tolerates typos.
Distinctive words are compared with distinctive words and industry words with industry words,
so that shared industry words ("Precision Instruments") cannot carry two different names over
the threshold. Where the parse may have gone wrong (pinyin run together, a misspelt industry
word), the distinctive part of one name is also looked for inside the other.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from registry.screening.matching.forms import NameForm
from registry.screening.matching.regions import codes_compatible, latin_place_names
from registry.screening.matching.sound import (
    DIFFERENT_CEILING,
    MIN_AGREEING_FOR_SLIP,
    TradeNameScore,
    compare_chars,
    slip_bounds,
    trade_name_score,
)
from registry.screening.matching.text import contains_han

# The industry word matters less than the trade name: 华兴科技 vs 华兴电子 keeps 0.7.
INDUSTRY_SHARE = 0.3
# Similarity of the industry part when the query leaves it out (华兴 for 华兴科技: 0.85, so
# that a bare two-character name, often a person's, needs every character to match), and when
# the query has one that the listed name lacks (田晨半导体 against the person 田晨).
OMITTED_INDUSTRY = 0.5
EXTRA_INDUSTRY = 0.0
# Letters a matched span may grow by to cover whole words (see _widen_to_words).
WORD_SLACK = 2
# Left over after the aligned distinctive words, this close to the industry words is they,
# misspelt (keji / krji: 0.75); less alike is another word (an extra distinctive one).
MISSPELT_INDUSTRY = 0.7
# A query word this close to the listed subject's place name is that place, misspelt.
MISSPELT_PLACE_CUTOFF = 75
MIN_PLACE_LENGTH = 4
MIN_WORDS_FOR_PLACE = 2
# Typing slips in Latin letters (a letter replaced, added or left out, two neighbours swapped):
# each costs SLIP_COST, and a run of n letters may hold n // LETTERS_PER_SLIP of them, at most
# two. Edit similarity alone counts a replaced or swapped letter twice. Two slips must leave
# the first letter (or swap it with the second), and at most one may be a replaced letter: a
# name that starts otherwise (Falkvik / Altvik) or has two letters replaced (a syllable changed:
# Solgen / Siggen, Margen / Marses) is another name as often as the name misspelt.
SLIP_COST = 0.08
LETTERS_PER_SLIP = 3
DISTINCT_SLIPS = 2
INDUSTRY_SLIPS = 2
# Two region prefixes naming different places (杭州 vs 深圳) scale the similarity by this.
REGION_CONFLICT_FACTOR = 0.7
REGION_CONFLICT_WEIGHT = 1.0 - REGION_CONFLICT_FACTOR
# A core longer than this without a known industry word is a trade name and an unknown one;
# a trade name has at least two characters.
_LONG_CORE = 4
_SHORTEST_TRADE = 2
# Trade names this many slips apart score at most DIFFERENT_CEILING.
_SLIPS_APART = 2
# A different legal form (有限公司 / 股份有限公司) is weak evidence: people write it loosely.
LEGAL_FORM_WEIGHT = 0.02
# Industry words (and what follows trade names) compared, kept per worker: the bound of every
# Chinese candidate compares them, and pairs of industry words recur (科技 / 电子).
AGREEMENT_CACHE = 16384


class Part(NamedTuple):
    """One part of a Chinese name compared on its own: score, weight (as a factor) and note."""

    feature: str
    score: float
    weight: float
    note: str
    code: str = ""  # what was found, in a word (see FeatureExplanation.code)


class Similarity(NamedTuple):
    """A similarity in [0, 1], the reason for it in words, and the parts it was built from."""

    score: float
    reason: str
    parts: tuple[Part, ...] = ()


def compare_forms(query: NameForm, listed: NameForm) -> Similarity:
    """Compare a query name with a listed name (Chinese rules if both are Chinese)."""
    if query.is_empty or listed.is_empty:
        return Similarity(0.0, "nothing left to compare after normalisation")
    if query.han and listed.han:
        return _compare_han(query, listed)
    similarity = _compare_latin(query, listed)
    if codes_compatible(query.regions, listed.regions):
        return similarity
    return Similarity(
        similarity.score * REGION_CONFLICT_FACTOR,
        similarity.reason + "; the region prefixes name different places",
    )


def latin_upper_bound(query: NameForm, listed: NameForm) -> float:
    """A quick similarity that a comparison in Latin letters does not exceed.

    Every Latin comparison is capped by how well the distinctive words meet, in some order, as
    a part of the other or a typing slip away (once a misspelt place word is left out); a few
    calls into rapidfuzz tell that without the full comparison.
    """
    # The comparison leaves out a query word that is the listed subject's place misspelt.
    query = _without_misspelt_place(query, listed)
    if not query.sector and not listed.sector:
        return _spelling(query.words, listed.words, DISTINCT_SLIPS)  # the comparison itself
    if not query.distinct or not listed.distinct:
        # Distinctive words on one side only score 0; names of industry words only, anything.
        return 0.0 if query.distinct or listed.distinct else 1.0
    partial = fuzz.partial_ratio(query.distinct_joined, listed.distinct_joined)
    ordered = fuzz.token_sort_ratio(query.distinct_spaced, listed.distinct_spaced)
    return max(
        max(partial, ordered) / 100.0,
        slip_similarity(query.distinct_joined, listed.distinct_joined, DISTINCT_SLIPS),
    )


def slip_similarity(left: str, right: str, most: int) -> float:
    """1 - SLIP_COST per typing slip between two runs of letters; 0.0 beyond what they may hold.

    At most `most` slips; two only with the first letter in place and at most one letter
    replaced (see SLIP_COST).
    """
    allowed = min(most, max(len(left), len(right)) // LETTERS_PER_SLIP)
    if not allowed:
        return 0.0
    slips = OSA.distance(left, right, score_cutoff=allowed)
    if slips > allowed or (slips > 1 and not _typing_slips(left, right)):
        return 0.0
    return 1.0 - SLIP_COST * slips


def _typing_slips(left: str, right: str) -> bool:
    """True if two slips apart runs start alike (or swapped) with at most one letter replaced."""
    starts_alike = left[0] == right[0] or left[1::-1] == right[:2]
    return starts_alike and replaced_letters(left, right) <= 1


def replaced_letters(left: str, right: str) -> int:
    """The fewest letters replaced in an alignment of the fewest slips between two runs.

    Optimal string alignment (a swap of neighbours is one slip), tracking per cell the slips
    and, among alignments with that many, the fewest replaced letters.
    """
    previous = [(j, 0) for j in range(len(right) + 1)]
    before = previous
    for i, letter in enumerate(left, 1):
        row = [(i, 0)]
        for j, other in enumerate(right, 1):
            slips, replaced = previous[j - 1]
            best = (slips, replaced) if letter == other else (slips + 1, replaced + 1)
            best = min(best, _added(previous[j]), _added(row[j - 1]))
            if i > 1 and j > 1 and letter == right[j - 2] and left[i - 2] == other != letter:
                best = min(best, _added(before[j - 2]))
            row.append(best)
        before, previous = previous, row
    return previous[-1][1]


def _added(cell: tuple[int, int]) -> tuple[int, int]:
    return cell[0] + 1, cell[1]


def _ratio(left: str, right: str) -> float:
    return fuzz.ratio(left, right) / 100.0


def _compare_han(query: NameForm, listed: NameForm) -> Similarity:
    """Trade name by character and sound; industry word, legal form and region weighed apart."""
    trade, industry = max(
        _han_alignments(query, listed),
        key=lambda option: option[0].score * _factor(option[1]),
    )
    parts = (
        Part("trade_name", trade.score, 1.0, trade.reason, trade.code),
        industry,
        _legal_form_part(query, listed),
        _region_part(query, listed),
    )
    score = trade.score
    for part in parts[1:]:
        score *= _factor(part)
    reason = "; ".join(part.note for part in parts if part.score < 1.0) or parts[0].note
    return Similarity(score, reason, parts)


def _factor(part: Part) -> float:
    return 1.0 - part.weight * (1.0 - part.score)


def _han_alignments(query: NameForm, listed: NameForm) -> list[tuple[TradeNameScore, Part]]:
    """Ways to line two Chinese names up: (trade-name score, industry part) for each."""
    person = listed.person
    return [
        (trade_name_score(*trades, person=person), industry)
        for trades, industry in _alignments(query, listed)
    ]


def _alignments(query: NameForm, listed: NameForm) -> list[tuple[tuple[str, str], Part]]:
    """Ways to line two Chinese names up: (the two trade names, industry part) for each."""
    if query.industry and listed.industry:
        agreement = _agreement(query.industry, listed.industry)
        note = (
            f"same industry word {listed.industry}"
            if agreement == 1.0
            else f"industry word {query.industry} vs {listed.industry} ({agreement:.2f} alike)"
        )
        code = "same" if agreement == 1.0 else "different"
        industry = Part("industry", agreement, INDUSTRY_SHARE, note, code)
    elif not query.industry and not listed.industry:
        industry = Part(
            "industry", 1.0, INDUSTRY_SHARE, "neither name has an industry word", "none"
        )
    elif listed.industry:
        industry = Part(
            "industry",
            OMITTED_INDUSTRY,
            INDUSTRY_SHARE,
            f"the query leaves out the industry word {listed.industry}",
            "omitted",
        )
    else:
        industry = Part(
            "industry",
            EXTRA_INDUSTRY,
            INDUSTRY_SHARE,
            f"the query adds an industry word {query.industry} the listed name does not have",
            "extra",
        )
    trades, shared = _trade_names(query, listed)
    if shared:
        industry = industry._replace(
            note=f"same unlisted industry word {query.core[-shared:]}", code="same"
        )
    options = [(trades, industry)]
    if query.industry != listed.industry:
        # The parse may have read a slip in an industry word (医疗 typed 依疗) as part of the
        # trade name: line the shorter trade name up with the start of the other core.
        size = min(map(len, trades))
        rest = _rest_agreement(query.core[size:], listed.core[size:])
        note = (
            f"what follows the trade name, {query.core[size:] or '(nothing)'} vs"
            f" {listed.core[size:] or '(nothing)'}, is {rest:.2f} alike"
        )
        options.append(
            (
                (query.core[:size], listed.core[:size]),
                Part("industry", rest, INDUSTRY_SHARE, note, "same" if rest == 1.0 else "rest"),
            )
        )
    return options


def _trade_names(query: NameForm, listed: NameForm) -> tuple[tuple[str, str], int]:
    """The two trade names to compare, and the length of a shared ending taken for industry."""
    trades = (_trade_part(query), _trade_part(listed))
    if not query.industry and not listed.industry and min(map(len, trades)) > _LONG_CORE:
        # Neither industry word is known (工艺品): an ending the two cores share is taken for
        # it, so that the trade names before it are compared as trade names (万藤 / 万智).
        shared = _shared_ending(*trades)
        if shared:
            return (trades[0][:-shared], trades[1][:-shared]), shared
    return trades, 0


def han_upper_bound(query: NameForm, listed: NameForm, floor: float = 0.0) -> float:
    """A similarity that the comparison of two Chinese names does not exceed, found cheaply.

    The name's score is a trade-name score times the factors of the industry word, the legal
    form and the region prefix (`_compare_han`), each at most 1. A trade-name score is at most
    DIFFERENT_CEILING unless the two trade names are at most one slip apart with enough
    characters agreeing (sound.slip_bounds); each way of lining the names up is taken with
    the very industry part the comparison gives it (`_alignments`). The legal form's and the
    region's factors do not depend on how the names are lined up, and cost a comparison of
    sets: they are taken in whole, in the order `_compare_han` multiplies them, so that the
    bound is not exceeded by rounding either. A region prefix naming another place alone keeps
    a name below the default threshold, whatever its trade name: when those two factors alone
    keep the name below `floor`, their product is the bound, and the trade names are not
    looked at.
    """
    legal_form = _legal_form_factor(query, listed)
    region = _region_factor(query, listed)
    if legal_form * region < floor:
        return legal_form * region
    # Each way of lining the names up, as `_compare_han` scores it, with the trade names'
    # score bounded: the industry part is the one the comparison multiplies by.
    return (
        max(
            _trade_upper_bound(*trades) * _factor(industry)
            for trades, industry in _alignments(query, listed)
        )
        * legal_form
        * region
    )


def _trade_upper_bound(query: str, listed: str) -> float:
    if query == listed:
        return 1.0
    slips, agreeing = slip_bounds(query, listed)
    if slips >= _SLIPS_APART:
        return DIFFERENT_CEILING
    if slips and agreeing < max(MIN_AGREEING_FOR_SLIP, max(len(query), len(listed)) - 1):
        return DIFFERENT_CEILING  # one slip, but too few characters agree for it to count
    return 1.0


def _shared_ending(left: str, right: str) -> int:
    """Length of the ending two cores share, leaving each a trade name of two characters."""
    longest = min(len(left), len(right)) - _SHORTEST_TRADE
    size = 0
    while size < longest and left[-size - 1] == right[-size - 1]:
        size += 1
    return size if size >= _SHORTEST_TRADE else 0


@lru_cache(maxsize=AGREEMENT_CACHE)
def _agreement(query: str, listed: str) -> float:
    """How alike two runs of characters are, by character and sound, in [0, 1]."""
    if query == listed:
        return 1.0
    if not (contains_han(query) or contains_han(listed)):
        # Letters (what follows a Latin name): by spelling, or typing slips ("Liasb" / labs).
        return max(_ratio(query, listed), slip_similarity(query, listed, INDUSTRY_SLIPS))
    longer = max(len(query), len(listed))
    return round(max(0.0, 1.0 - compare_chars(query, listed).cost / longer), 4)


def _rest_agreement(query_rest: str, listed_rest: str) -> float:
    """How well what follows the trade names agrees.

    A query may leave the industry word out (华兴 for 华兴科技); a listed name that ends where
    the query goes on (a person 田晨 against 田晨半导体) is another subject.
    """
    if query_rest and listed_rest:
        return _agreement(query_rest, listed_rest)
    if listed_rest:
        return OMITTED_INDUSTRY
    return EXTRA_INDUSTRY if query_rest else 1.0


def _trade_part(form: NameForm) -> str:
    return form.trade if form.industry else form.core


# What `_factor` makes of the legal form's and the region's parts, found without writing their
# notes (the bound of every candidate takes them; the explanation only those compared in full).
_LEGAL_FORM_DIFFERENT = 1.0 - LEGAL_FORM_WEIGHT * (1.0 - 0.0)
_REGION_DIFFERENT = 1.0 - REGION_CONFLICT_WEIGHT * (1.0 - 0.0)


# A name whose region prefix names a place apart from the query's scores at most this, Chinese
# or Latin: the factor multiplies a similarity of at most 1, and whatever else is weighed only
# lowers it. A record whose every name does so cannot reach a higher threshold (index.py).
OTHER_PLACE_CEILING = max(REGION_CONFLICT_FACTOR, _REGION_DIFFERENT)


def _legal_form_factor(query: NameForm, listed: NameForm) -> float:
    """`_factor(_legal_form_part(query, listed))`."""
    if query.legal_form and listed.legal_form and query.legal_form != listed.legal_form:
        return _LEGAL_FORM_DIFFERENT
    return 1.0


def _region_factor(query: NameForm, listed: NameForm) -> float:
    """`_factor(_region_part(query, listed))`."""
    if query.regions and listed.regions and not codes_compatible(query.regions, listed.regions):
        return _REGION_DIFFERENT
    return 1.0


def _legal_form_part(query: NameForm, listed: NameForm) -> Part:
    if not query.legal_form or not listed.legal_form:
        missing = "the query" if not query.legal_form else "the listed name"
        note = f"{missing} names no legal form"
        return Part("legal_form", 1.0, LEGAL_FORM_WEIGHT, note, "missing")
    if query.legal_form == listed.legal_form:
        note = f"same legal form {listed.legal_form}"
        return Part("legal_form", 1.0, LEGAL_FORM_WEIGHT, note, "same")
    return Part(
        "legal_form",
        0.0,
        LEGAL_FORM_WEIGHT,
        f"legal form {query.legal_form} vs {listed.legal_form} (often written loosely)",
        "different",
    )


def _region_part(query: NameForm, listed: NameForm) -> Part:
    if not query.regions or not listed.regions:
        missing = "the query" if not query.regions else "the listed name"
        note = f"{missing} names no region"
        return Part("name_region", 1.0, REGION_CONFLICT_WEIGHT, note, "missing")
    if codes_compatible(query.regions, listed.regions):
        note = "the region prefixes agree"
        return Part("name_region", 1.0, REGION_CONFLICT_WEIGHT, note, "same")
    return Part(
        "name_region",
        0.0,
        REGION_CONFLICT_WEIGHT,
        "the region prefixes name different places",
        "different",
    )


def _compare_latin(query: NameForm, listed: NameForm) -> Similarity:
    query = _without_misspelt_place(query, listed)
    if not query.sector and not listed.sector:
        score = _spelling(query.words, listed.words, DISTINCT_SLIPS)
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
        if len(word) >= MIN_PLACE_LENGTH and process.extractOne(
            word, places, scorer=fuzz.ratio, score_cutoff=MISSPELT_PLACE_CUTOFF
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
        distinct = _spelling(query.distinct, listed.distinct, DISTINCT_SLIPS)
    else:
        distinct = 0.0 if query.distinct or listed.distinct else 1.0
    if query.sector and listed.sector:
        industry = _spelling(query.sector, listed.sector, INDUSTRY_SLIPS)
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
    rest = _rest_agreement(*rests)
    if rest >= MISSPELT_INDUSTRY and listed.sector and not query.sector:
        # What is left is the listed industry word misspelt beyond recognition ("Krji" for
        # Keji): it weighs as much as an industry word does in the structured comparison.
        return found * ((1.0 - INDUSTRY_SHARE) + INDUSTRY_SHARE * rest)
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


def _spelling(left: tuple[str, ...], right: tuple[str, ...], slips: int) -> float:
    """The best of a word-order-free, a spacing-free and a typing-slip comparison."""
    spaced = fuzz.token_sort_ratio(" ".join(left), " ".join(right))
    joined = "".join(left), "".join(right)
    return max(max(spaced, fuzz.ratio(*joined)) / 100.0, slip_similarity(*joined, slips))
