"""Chinese characters compared by character and by sound: a trade name typed another way.

Input methods and speech entry write a name with another character of the same toneless
pinyin (华兴 as 华星); clerks swap two characters (兴华) or slip one in or out (华兴达 / 华达).
`compare_chars` aligns two runs of characters with an edit distance in which a character of the
same sound costs little and a swap of neighbours counts as one step, and reports what it found.
`trade_name_score` turns that into a score: sound-alikes and swaps stay near 1, one slip keeps a
name of three or more characters above the screening threshold, while a two-character trade
name sharing only one character with another (华兴 / 华美) is a different enterprise and stays
below it (it is still offered, ranked low, by the site's search).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin import Style, pinyin

from registry.screening.matching.pinyin import phrase_readings
from registry.screening.matching.text import contains_han

HOMOPHONE_COST = 0.2
SWAP_COST = 0.3
# Scores by what separates two trade names (the screening threshold is 0.8).
SOUND_ALIKE_PENALTY = 0.06  # per character of the same sound
SWAP_PENALTY = 0.1  # per pair of swapped characters
# Alignments of a query's and a candidate's trade names kept per worker (the same query screened
# again, or one candidate of many queries); bounded so a worker's memory does not grow with the
# distinct names it screens.
PAIR_CACHE = 16384
ONE_SLIP_SCORE = 0.85  # one character replaced, added or left out, two or more agree
# Anything else is scaled so that half the characters agreeing gives this, never more.
DIFFERENT_CEILING = 0.7
# People: a homophone given name is usually another person (张伟 / 张玮), so a sound-alike
# personal name is a near match below the threshold; the ID number decides.
PERSON_SOUND_ALIKE = 0.75
MIN_AGREEING_FOR_SLIP = 2
# Readings of a name kept for blocking (a few characters have two or three: 行 xing/hang).
MAX_READINGS = 8
# Besides its most common reading, a character is heard another way only if at least this
# share of its readings in pypinyin's phrase dictionary are that way: 行 hang (15%) and
# 长 chang (74%) count; 盛 cheng (8%, 盛饭, never in a name), 行 heng (1 word in 762), 鑫 xun
# and 晟 jing (in no word) do not.
MIN_READING_SHARE = 0.1


@cache
def readings(char: str) -> frozenset[str]:
    """The toneless pinyin readings of a character in use (ü as u); others stand for themselves.

    pypinyin's first reading is the most common one; the others it lists come from
    dictionaries of every period (鑫 xun, 晟 jing), and count only if words use them
    (MIN_READING_SHARE), so that a rare reading makes no sound-alike (嘉鑫 / 嘉迅).
    """
    if not contains_han(char):
        return frozenset({char})
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    spelled = [reading.replace("v", "u") for reading in (found[0] if found else ())]
    if not spelled:
        return frozenset({char})
    uses = phrase_readings().get(char)
    if uses is None:
        return frozenset(spelled[:1])
    least = MIN_READING_SHARE * sum(uses.values())
    return frozenset(spelled[:1] + [reading for reading in spelled[1:] if uses[reading] >= least])


@cache
def first_reading(char: str) -> str:
    """The most common toneless reading of a character: the blocking key of its sound."""
    if not contains_han(char):
        return char
    found = pinyin(char, style=Style.NORMAL, errors="ignore")
    return found[0][0].replace("v", "u") if found and found[0] else char


def sound_of(text: str) -> tuple[str, ...]:
    """One syllable per character, by its most common reading (digits and letters as they are)."""
    return tuple(first_reading(char) for char in text)


def sounds_of(text: str) -> list[tuple[str, ...]]:
    """Every way of reading a run of characters, one syllable each (at most MAX_READINGS)."""
    spellings: list[tuple[str, ...]] = [()]
    for char in text:
        spellings = [
            (*spelled, reading) for spelled in spellings for reading in sorted(readings(char))
        ][:MAX_READINGS]
    return spellings


def same_sound(left: str, right: str) -> bool:
    """True if two characters are equal or share a toneless reading."""
    return left == right or not readings(left).isdisjoint(readings(right))


@dataclass(frozen=True, order=True)
class CharComparison:
    """How two runs of characters line up: the cost first, then what the steps were."""

    cost: float
    homophones: int = 0  # characters replaced by one of the same sound
    swaps: int = 0  # pairs of neighbouring characters swapped
    slips: int = 0  # characters replaced by another sound, added or left out
    same: int = 0  # characters equal

    @property
    def agreeing(self) -> int:
        """Characters equal or of the same sound, swapped ones included."""
        return self.same + self.homophones + 2 * self.swaps


@lru_cache(maxsize=PAIR_CACHE)
def compare_chars(query: str, listed: str) -> CharComparison:
    """The cheapest alignment of two character runs (optimal string alignment distance)."""
    # Cells are tuples (cost, homophones, swaps, slips, same): compared like CharComparison,
    # built many times faster.
    cols = len(listed) + 1
    previous: list[tuple[float, int, int, int, int]] = [(float(j), 0, 0, j, 0) for j in range(cols)]
    before: list[tuple[float, int, int, int, int]] = previous
    for i in range(1, len(query) + 1):
        left = query[i - 1]
        row = [(float(i), 0, 0, i, 0)]
        for j in range(1, cols):
            right = listed[j - 1]
            c, h, w, s, e = previous[j - 1]
            if left == right:
                best = (c, h, w, s, e + 1)
            elif same_sound(left, right):
                best = (c + HOMOPHONE_COST, h + 1, w, s, e)
            else:
                best = (c + 1.0, h, w, s + 1, e)
            c, h, w, s, e = previous[j]
            best = min(best, (c + 1.0, h, w, s + 1, e))
            c, h, w, s, e = row[j - 1]
            best = min(best, (c + 1.0, h, w, s + 1, e))
            if (
                i > 1
                and j > 1
                and left != right
                and same_sound(left, listed[j - 2])
                and same_sound(query[i - 2], right)
            ):
                c, h, w, s, e = before[j - 2]
                best = min(best, (c + SWAP_COST, h, w + 1, s, e))
            row.append(best)
        before, previous = previous, row
    return CharComparison(*previous[-1])


def slip_bounds(query: str, listed: str) -> tuple[int, int]:
    """(fewest slips, most agreeing characters) any alignment of two runs can have.

    A character with no character of the same sound on the other side is a slip in every
    alignment (compare_chars), and so is every character one run has more than the other; only
    the other characters can agree.
    """
    unmatched_query = _unmatched(query, _heard(listed))
    unmatched_listed = _unmatched(listed, _heard(query))
    slips = max(abs(len(query) - len(listed)), unmatched_query, unmatched_listed)
    return slips, min(len(query) - unmatched_query, len(listed) - unmatched_listed)


@lru_cache(maxsize=1024)
def _heard(text: str) -> frozenset[str]:
    """The characters of a run and every reading of them."""
    return frozenset(text).union(*map(readings, text))


def _unmatched(text: str, heard: frozenset[str]) -> int:
    return sum(1 for char in text if char not in heard and readings(char).isdisjoint(heard))


@dataclass(frozen=True)
class TradeNameScore:
    """A trade-name similarity in [0, 1] and what it rests on, in words."""

    score: float
    reason: str
    # What was found, for explanations in other languages: same, sound_alike, one_slip,
    # different, person_sound_alike or person_different.
    code: str = "different"


def trade_name_score(query: str, listed: str, person: bool = False) -> TradeNameScore:
    """Score two trade names (or personal names) by character and by sound."""
    if query == listed:
        return TradeNameScore(1.0, f"same characters {listed}", "same")
    found = compare_chars(query, listed)
    longer = max(len(query), len(listed))
    if person:
        if found.slips == 0 and found.swaps == 0:
            return TradeNameScore(
                PERSON_SOUND_ALIKE,
                f"{query} sounds like {listed} ({_sounds(query, listed)}); for a person that"
                " is often another"
                " person, so the ID number should decide",
                "person_sound_alike",
            )
        return TradeNameScore(
            min(DIFFERENT_CEILING, _share(found, longer) ** 2),
            f"{query} and {listed} are different names",
            "person_different",
        )
    penalty = SOUND_ALIKE_PENALTY * found.homophones + SWAP_PENALTY * found.swaps
    if found.slips == 0:
        what = _describe(found)
        return TradeNameScore(
            round(1.0 - penalty, 4),
            f"{query} is {listed} {what} ({_sounds(query, listed)})",
            "sound_alike",
        )
    agreeing_enough = found.agreeing >= max(MIN_AGREEING_FOR_SLIP, longer - 1)
    if found.slips == 1 and agreeing_enough:
        return TradeNameScore(
            round(ONE_SLIP_SCORE - penalty, 4),
            f"{query} is {listed} with one character replaced, added or left out",
            "one_slip",
        )
    score = min(DIFFERENT_CEILING, DIFFERENT_CEILING * 2 * _share(found, longer))
    return TradeNameScore(
        round(score, 4),
        f"{query} and {listed} share {found.agreeing} of {longer} characters by sound:"
        " a different trade name",
    )


def _sounds(query: str, listed: str) -> str:
    return f"{' '.join(sound_of(query))} / {' '.join(sound_of(listed))}"


def _share(found: CharComparison, longer: int) -> float:
    return max(0.0, 1.0 - found.cost / longer) if longer else 0.0


def _describe(found: CharComparison) -> str:
    parts = []
    if found.homophones:
        parts.append(f"written with {found.homophones} character(s) of the same sound")
    if found.swaps:
        parts.append(f"with {found.swaps} pair(s) of characters swapped")
    return " and ".join(parts)
