"""Blocking: find the few listed subjects worth scoring for a query, from inverted lists.

Every listed name contributes keys: bigrams of its Chinese trade name and its whole core
(`h`), the trade name's syllables as they come, sorted, and with one left out (`s`, `o`), and
its single characters (`c`), and the sound keys again with the industry words (`S`, `O`); in
Latin letters (`l`), trigrams of its distinctive words, the words whole, the words with their
industry words, the first letters, and one-letter deletions of the words, alone and with the
industry words. Subjects with no Chinese name repeat their Latin keys under `x`,
which Chinese queries reach through their pinyin. Industry words and legal forms give no keys
of their own: thousands share them.
A query looks up its own keys, ignores keys so common they say nothing, and keeps the records
sharing the most keys with it, and those one typo away.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Protocol

import numpy as np

from registry.screening.matching.forms import NameForm
from registry.screening.matching.regions import significant_code
from registry.screening.matching.score import IndexedRecord
from registry.screening.matching.sound import sounds_of

# At most this many records per key family are scored for a query (plus near misses).
MAX_CANDIDATES = 24
# Records sharing fewer than this share of the best record's keys are dropped.
MIN_HIT_SHARE = 0.5
# A key shared by more than this share of records (but at least MIN_KEY_CAP) is too common to
# block on; a query whose keys are all that common still uses its MIN_KEYS rarest ones.
COMMON_KEY_SHARE = 0.0025
MIN_KEY_CAP = 64
MIN_KEYS = 3
# Up to this many positions in all, shared keys are counted in Python, beyond with numpy.
SMALL_COUNT = 2048
# A key shared by at most this many records counts twice.
RARE_KEY = 16
# Distinctive words (run together) of this length get one-letter-deletion keys.
MIN_DELETION_WORD = 4
MAX_DELETION_WORD = 14
# Distinctive words (run together) of this length also get two-letter-deletion keys, which meet
# a word two typing slips away; only in names written in Latin letters (a foreign company's name,
# a Chinese company's English name), not in the pinyin made from every Chinese name.
MIN_TWO_SLIP_WORD = 6
MAX_TWO_SLIP_WORD = 10
HEAD_LETTERS = 6
# Query words run together by up to this many neighbours, to meet a listed name whole.
MAX_RUN_WORDS = 4
# Chinese trade names of this many characters get keys with one syllable left out.
MIN_SOUND_DELETION = 3
# Query names whose keys are kept per worker (a batch screened again reuses them); each holds
# a hundred or more key strings, so few are kept.
QUERY_KEY_CACHE = 256
# Keys looked up in an index file whose answer (the positions, or that there are none) a blocker
# keeps: two fifths of a new name's keys were looked up for an earlier name (common characters,
# syllables, trigrams, industry words), and each look-up hashes the key. Lists of more than
# KEPT_LIST positions are not kept (they are looked up each time); emptied when full.
KEPT_KEYS = 65536
KEPT_LIST = 256

_SOUND_KEYS = ("s=", "o=", "S=", "O=")
# Keys that may end in "/" and the industry words, after a key without them: sound keys of a
# Chinese trade name, one-typo keys of distinctive words (`l`, and `x` of a name in pinyin).
_WITH_INDUSTRY = ("S=", "O=", "l-", "x-")


def _grams(text: str, size: int) -> set[str]:
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def _han_keys(form: NameForm) -> set[str]:
    # The trade name carries the identity; industry bigrams (科技) would only add noise. The
    # whole core ranks 华兴科技 above 华兴电子 when many enterprises share the trade name.
    trade = form.trade if form.industry else form.core
    keys = {"h" + gram for gram in _grams(trade, 2)}
    keys.add("h=" + form.core)
    # By sound: the trade name's syllables (华星 finds 华兴), in any order (兴华), with any one
    # left out (华达 and 华美达 find 华兴达); and each character, for a slip in a short name.
    sounds = set()
    for sound in sounds_of(trade):
        sounds.add("s=" + "-".join(sound))
        sounds.add("o=" + "-".join(sorted(sound)))
        if len(sound) >= MIN_SOUND_DELETION:
            sounds.update("s=" + "-".join(sound[:i] + sound[i + 1 :]) for i in range(len(sound)))
    keys |= sounds
    if form.industry:
        # The same sounds with the industry: among many trade names one slip from the query
        # (添启 for 添腾启, 添启达, 添X启 ...), those of the same trade are few.
        industry = "/" + "".join(sorted(form.sector))
        keys.update(key[0].upper() + key[1:] + industry for key in sounds)
    keys.update("c" + char for char in trade)
    return keys


def _latin_keys(form: NameForm, two_slips: bool = False) -> tuple[set[str], set[str]]:
    """(plain keys, typo keys) of the distinctive words in Latin letters.

    Trigrams find misspellings; whole words ("=huaxing") find exact spellings among the
    thousands of names sharing common trigrams; one-letter deletions ("-huaxng") find a word
    with a single typo, which may leave no rare trigram in a short word (ruhao / runhao), and
    with `two_slips` two-letter deletions one with two (Pahok / Paxhof).
    """
    joined = "".join(form.distinct)
    plain = _grams(joined, 3)
    plain.update("=" + word for word in {joined, *form.distinct})
    # Distinctive and industry words together rank "Nordwind Optics" above the other
    # Nordwind companies, in any word order.
    plain.add("+" + joined + "/" + "".join(sorted(form.sector)))
    # The start of the name, where the trade name is, also when more follows it run together
    # ("runchenxinxijishu" for 润宸信息技术).
    if len(joined) >= HEAD_LETTERS:
        plain.add("^" + joined[:HEAD_LETTERS])
    typo = _deletion_keys(joined)
    if form.sector:
        # One typo away with the same industry words: few, where the word alone is common.
        industry = "/" + "".join(sorted(form.sector))
        typo |= {key + industry for key in typo}
    if two_slips and MIN_TWO_SLIP_WORD <= len(joined) <= MAX_TWO_SLIP_WORD:
        typo.update(
            "-" + word[:i] + word[i + 1 :]
            for word in {joined[:i] + joined[i + 1 :] for i in range(len(joined))}
            for i in range(len(word))
        )
    return plain, typo


def _deletion_keys(word: str) -> set[str]:
    """A word and the word with each one letter left out (`-` keys), if of a fitting length."""
    if not MIN_DELETION_WORD <= len(word) <= MAX_DELETION_WORD:
        return set()
    marked = "-" + word
    keys = {marked[: i + 1] + word[i + 1 :] for i in range(len(word))}
    keys.add(marked)
    return keys


def record_keys(record: IndexedRecord) -> set[str]:
    """Every blocking key of a listed subject's names."""
    keys: set[str] = set()
    seen: set[tuple[tuple[str, ...], tuple[str, ...], bool]] = set()
    for _, _, form in record.forms:
        if form.han:
            keys |= _han_keys(form)
        # A name written in Latin letters is typed in them, slips and all; the pinyin made from
        # a Chinese name is not, and is filed without two-slip keys (a Chinese query looks up
        # its own pinyin exactly).
        two_slips = not form.han
        if (form.distinct, form.sector, two_slips) in seen:
            continue  # a Latin name and the pinyin of the Chinese one often agree
        seen.add((form.distinct, form.sector, two_slips))
        plain, typo = _latin_keys(form, two_slips=two_slips)
        keys.update("l" + key for key in plain | typo)
        if not record.has_han:
            keys.update("x" + key for key in plain | typo)
    return keys


def _query_keys(form: NameForm) -> list[tuple[set[str], set[str]]]:
    """Per family of keys, (plain keys, one-typo keys) to look up for a query name.

    A Chinese query looks up Chinese records by its characters and records with only Latin
    names by its pinyin; the two are ranked apart so that neither crowds out the other.
    """
    # A Chinese query is not a foreign name mistyped: only a Latin one looks two typos away.
    plain, typo = _latin_keys(form, two_slips=not form.han)
    # Runs of neighbouring words, whole: the trade name of a pinyin query whose industry word
    # is misspelt ("Li Jie Dain Zi": lijie) meets the listed trade name's own key.
    plain.update(
        "=" + "".join(form.distinct[start:end])
        for start in range(len(form.distinct))
        for end in range(start + 2, min(len(form.distinct), start + MAX_RUN_WORDS) + 1)
    )
    if len(form.distinct) > 1:
        # Each distinctive word on its own, one typo away: an unrecognised place word
        # ("Tiagjin Linlian") leaves the trade name to find the record ("Lianlian").
        typo.update(key for word in form.distinct for key in _deletion_keys(word))
    prefix = "x" if form.han else "l"
    latin = ({prefix + key for key in plain}, {prefix + key for key in typo})
    if not form.han:
        return [latin]
    # Keys of the trade name's sound are also near-miss keys: a record sounding like the query
    # (华星 for 华兴) is a serious candidate even when others share more characters with it.
    han = _han_keys(form)
    return [(han, {key for key in han if key.startswith(_SOUND_KEYS)}), latin]


@lru_cache(maxsize=QUERY_KEY_CACHE)
def _lookup_keys(
    form: NameForm,
) -> tuple[
    tuple[tuple[frozenset[str], frozenset[str]], ...], tuple[str, ...], tuple[tuple[str, str], ...]
]:
    """A query name's key families (as _query_keys) and its keys to look up, made once a name.

    The keys are given in two parts: those looked up first, and (key, base) pairs of keys a
    record has only if it also has the base key, looked up only when the base key was found.
    A key with the industry words (`S=`, `O=`, `-.../industry`) is filed for a record only with
    the same key without them, which most names share with no record.
    """
    families = tuple((frozenset(plain), frozenset(typo)) for plain, typo in _query_keys(form))
    every = set().union(*(plain | typo for plain, typo in families))
    deferred = []
    for key in every:
        if "/" in key and key.startswith(_WITH_INDUSTRY):
            head = key[: key.index("/")]
            base = key[0].lower() + head[1:]
            if base in every:
                deferred.append((key, base))
    first = every.difference(key for key, _ in deferred)
    return families, tuple(first), tuple(deferred)


def identifier_posting_key(scheme: str, value: str) -> str:
    """The key of an exact identifier (scheme and normalised value)."""
    return f"i{scheme}\x1f{value}"


def place_keys(record: IndexedRecord) -> set[str]:
    """Keys for `entries_in`: each place, its enclosing divisions, and its industry tokens.

    A record none of whose names holds a place is filed under NO_PLACE_KEY.
    """
    keys: set[str] = set()
    for _, _, form in record.forms:
        for code in form.regions:
            significant = significant_code(code)
            keys.add("q" + significant)  # the place itself: found from places within it
            keys.update("p" + significant[:end] for end in range(2, len(significant) + 1, 2))
        keys.update("t" + token for token in form.sector)
    if not any(form.regions for _, _, form in record.forms):
        keys.add(NO_PLACE_KEY)
    return keys


# The key of the records whose names hold no place ("q" and a division's significant code is
# the place itself, and no such code is empty): with `query_place_keys`, it gives every record
# that a query naming a place may match (MatchIndex._screen).
NO_PLACE_KEY = "q"


def every_key(record: IndexedRecord) -> set[str]:
    """Every key a record is filed under: blocking, identifier, place and industry keys."""
    keys = record_keys(record) | place_keys(record)
    keys.update(identifier_posting_key(*pair) for pair in record.identifiers)
    return keys


def places_keyed(regions: Iterable[str]) -> bool:
    """True when `query_place_keys(regions)` finds every record of a place compatible with them.

    So it is for division codes, whose significant parts have two, four or six digits. A place
    the table does not know ("?cixi") is compatible with the unknown places its own code starts
    with or that start with it, which the keys of even lengths do not all reach.
    """
    return all(code.isascii() and code.isdigit() for code in regions)


def query_place_keys(regions: Iterable[str]) -> set[str]:
    """Keys of the records in or around `regions`: places within them, and places holding them."""
    keys: set[str] = set()
    for code in regions:
        significant = significant_code(code)
        keys.add("p" + significant)
        keys.update("q" + significant[:end] for end in range(2, len(significant) + 1, 2))
    return keys


class Postings(Protocol):
    """Where a blocker finds the record positions filed under each key."""

    def get_many(self, keys: Iterable[str]) -> Mapping[str, Sequence[int]]:
        """The positions of every key that has any."""


class DictPostings:
    """Postings held in memory, in a dict of arrays."""

    def __init__(self, postings: dict[str, array[int]]) -> None:
        self._postings = postings

    def get_many(self, keys: Iterable[str]) -> dict[str, array[int]]:
        """The positions of every key that has any."""
        postings = self._postings
        return {key: postings[key] for key in keys if key in postings}


class KeptPostings:
    """Postings of an index file, with the answers for recent keys kept in memory.

    Positions are kept as copies (an index file's mapping can be closed while a blocker
    lives); a key with no positions is kept as None.
    """

    def __init__(self, postings: Postings) -> None:
        self._postings = postings
        self._kept: dict[str, array[int] | None] = {}

    def get_many(self, keys: Iterable[str]) -> dict[str, Sequence[int]]:
        """The positions of every key that has any (in no particular order)."""
        kept = self._kept
        found: dict[str, Sequence[int]] = {}
        missing = []
        for key in keys:
            plist = kept.get(key, _UNKNOWN)
            if plist is _UNKNOWN:
                missing.append(key)
            elif plist is not None:
                found[key] = plist
        if not missing:
            return found
        looked = self._postings.get_many(missing)
        if len(kept) + len(missing) > KEPT_KEYS:
            kept.clear()
        for key in missing:
            positions = looked.get(key)
            if positions is None:
                kept[key] = None
            else:
                found[key] = positions
                if len(positions) <= KEPT_LIST:
                    kept[key] = array("i", positions)
        return found


_UNKNOWN = array("i")  # a marker: no answer kept for the key


class Blocker:
    """Inverted lists from keys to record positions."""

    def __init__(self, postings: Postings, size: int) -> None:
        # An index file's look-ups hash every key; those in memory are dictionary look-ups.
        self._postings = postings if isinstance(postings, DictPostings) else KeptPostings(postings)
        self._key_cap = max(MIN_KEY_CAP, int(size * COMMON_KEY_SHARE))

    def candidates(self, form: NameForm) -> list[int]:
        """Positions of the records sharing the most informative keys with the query name."""
        families, first, deferred = _lookup_keys(form)
        found = self._postings.get_many(first)
        if deferred and found:
            wanted = [key for key, base in deferred if base in found]
            if wanted:
                found = {**found, **self._postings.get_many(wanted)}
        if not found:
            return []  # most names screened share no key with any listed subject
        positions: list[int] = []
        for plain, typo in families:
            positions += self._best_sharing(plain, typo, found)
        return positions

    def _best_sharing(
        self,
        plain: frozenset[str],
        typo: frozenset[str],
        postings: Mapping[str, Sequence[int]],
    ) -> list[int]:
        # A distinctive word of a record one typo away: the deletion keys point at few
        # records, each of which is a serious candidate. Only the keys found are visited
        # (a set: their order does not matter).
        near: set[int] = set()
        for key in typo.intersection(postings):
            plist = postings[key]
            if len(plist) <= RARE_KEY:
                near.update(plist)
        found = sorted([postings[key] for key in plain if key in postings], key=len)
        if not found:
            # Nothing shared: only the near misses, lowest position first (all count 0).
            return sorted(near)[:MAX_CANDIDATES]
        informative = [plist for plist in found if len(plist) <= self._key_cap]
        if len(informative) < MIN_KEYS:
            informative = found[:MIN_KEYS]
        # A rare key says more: its records count twice.
        lists = informative + [plist for plist in informative if len(plist) <= RARE_KEY]
        shared = SharedKeys.count(lists)
        ranked = shared.top(MAX_CANDIDATES)
        # Records sharing far fewer keys than the best one are not worth scoring, unless they
        # are near misses.
        floor = ranked[0][1] * MIN_HIT_SHARE if ranked else 0
        best = [position for position, count in ranked if count >= floor]
        if not near:
            return best
        near_only = shared.counts_of(sorted(near.difference(best)))
        return best + [position for position, _ in _most_shared_first(near_only)][:MAX_CANDIDATES]


def _most_shared_first(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(position, count) pairs by count, highest first, then by position; sorted in place.

    Two sorts in C (by position, then stably by count) instead of a key made in Python for
    each pair: a name sharing keys with thousands of records sorts as many pairs.
    """
    items.sort()
    items.sort(key=itemgetter(1), reverse=True)
    return items


class SharedKeys:
    """How many posting lists hold each position: counted in Python for a few, numpy for many."""

    def __init__(self, positions: np.ndarray, counts: np.ndarray) -> None:
        self._positions = positions  # sorted
        self._counts = counts

    @classmethod
    def count(cls, lists: list[Sequence[int]]) -> SharedKeys | CountedKeys:
        """Count the positions of `lists`."""
        if sum(map(len, lists)) <= SMALL_COUNT:
            hits: Counter[int] = Counter()
            for plist in lists:
                hits.update(plist)
            return CountedKeys(hits)
        if not lists:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        positions, counts = np.unique(
            np.concatenate([_as_array(p) for p in lists]), return_counts=True
        )
        return cls(positions, counts)

    def top(self, size: int) -> list[tuple[int, int]]:
        """The `size` positions held by most lists (then the lowest), with their counts."""
        if len(self._positions) <= size:
            order = np.lexsort((self._positions, -self._counts))
        else:
            order = np.lexsort((self._positions, -self._counts))[:size]
        return list(zip(self._positions[order].tolist(), self._counts[order].tolist(), strict=True))

    def counts_of(self, positions: list[int]) -> list[tuple[int, int]]:
        """Each of `positions` (sorted) with its count, 0 if no list holds it."""
        if not positions or not len(self._positions):
            return [(position, 0) for position in positions]
        wanted = np.asarray(positions)
        where = np.searchsorted(self._positions, wanted).clip(max=len(self._positions) - 1)
        found = np.where(self._positions[where] == wanted, self._counts[where], 0)
        return list(zip(positions, found.tolist(), strict=True))


class CountedKeys:
    """SharedKeys for a few positions, counted in a dict (no arrays to build for a handful)."""

    def __init__(self, hits: Counter[int]) -> None:
        self._hits = hits

    def top(self, size: int) -> list[tuple[int, int]]:
        """The `size` positions held by most lists (then the lowest), with their counts."""
        hits = self._hits
        if size < 1:
            return []
        if len(hits) > size:
            # Only positions counted at least as often as the size-th best can be among them.
            least = sorted(hits.values(), reverse=True)[size - 1]
            items = [item for item in hits.items() if item[1] >= least]
        else:
            items = list(hits.items())
        return _most_shared_first(items)[:size]

    def counts_of(self, positions: list[int]) -> list[tuple[int, int]]:
        """Each of `positions` with its count, 0 if no list holds it."""
        hits = self._hits
        return [(position, hits.get(position, 0)) for position in positions]


def _as_array(positions: Sequence[int]) -> np.ndarray:
    found: np.ndarray = np.frombuffer(positions, dtype=np.int32)  # type: ignore[call-overload]
    return found
