"""The screening index: find the few listed subjects worth scoring, then score them.

Blocking: every listed name contributes keys to inverted lists — character bigrams of its
Chinese trade name (`h`), trigrams of its distinctive words in Latin letters (`l`), and for
subjects with no Chinese name also `x` trigrams, which Chinese queries reach through their
pinyin. Industry words and legal forms give no keys: they are shared by thousands. A query looks
up its own keys, ignores keys so common they say nothing, and scores only the records sharing
the most keys with it. Identifiers are looked up exactly.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

from registry.errors import InvalidValue
from registry.matching.forms import NameForm
from registry.matching.records import ListedName, ScreeningQuery
from registry.matching.score import IndexedRecord, PreparedQuery, ScreeningMatch, score_record

# Chosen on the benchmark set (python -m bench.screening): recall >= 0.97, false positives <= 1%.
DEFAULT_THRESHOLD = 0.8
DEFAULT_LIMIT = 10
# How many records, at most, are scored per query after blocking.
MAX_CANDIDATES = 40
# A key shared by more than this share of records (but at least MIN_KEY_CAP) is too common to
# block on; a query whose keys are all that common still uses its MIN_KEYS rarest ones.
COMMON_KEY_SHARE = 0.005
MIN_KEY_CAP = 64
MIN_KEYS = 3
RARE_KEY = 16
# Distinctive words (run together) of this length get one-letter-deletion keys.
MIN_DELETION_WORD = 4
MAX_DELETION_WORD = 14


def _grams(text: str, size: int) -> set[str]:
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def _han_keys(form: NameForm) -> set[str]:
    # The trade name carries the identity; industry bigrams (科技) would only add noise.
    return {"h" + gram for gram in _grams(form.trade if form.industry else form.core, 2)}


def _latin_grams(form: NameForm) -> set[str]:
    # Whole words ("=huaxing") find exact spellings among thousands of names sharing common
    # trigrams; one-letter deletions ("-huaxng") find one typo, which may leave no rare
    # trigram in a short word (ruhao / runhao); trigrams find the rest.
    joined = "".join(form.distinct)
    grams = _grams(joined, 3) | {"=" + token for token in form.distinct}
    for token in form.distinct:
        grams |= _grams(token, 3)
    if MIN_DELETION_WORD <= len(joined) <= MAX_DELETION_WORD:
        grams |= {"-" + joined} | {"-" + joined[:i] + joined[i + 1 :] for i in range(len(joined))}
    return grams


def _record_keys(record: IndexedRecord) -> set[str]:
    keys: set[str] = set()
    for _, _, form in record.forms:
        if form.han:
            keys |= _han_keys(form)
        grams = _latin_grams(form)
        keys |= {"l" + gram for gram in grams}
        if not record.has_han:
            keys |= {"x" + gram for gram in grams}
    return keys


def _query_keys(form: NameForm) -> set[str]:
    if form.han:
        return _han_keys(form) | {"x" + gram for gram in _latin_grams(form)}
    return {"l" + gram for gram in _latin_grams(form)}


def _check_screen_options(threshold: float, limit: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidValue("threshold", "must be a number between 0 and 1")
    if not 0.0 <= threshold <= 1.0:
        raise InvalidValue("threshold", f"must be between 0 and 1, got {threshold}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidValue("limit", "must be a whole number of at least 1")


class MatchIndex:
    """Listed subjects, indexed for fast fuzzy screening by name and exact lookup by identifier."""

    def __init__(
        self,
        records: Sequence[IndexedRecord],
        postings: dict[str, array[int]],
        identifiers: dict[tuple[str, str], list[int]],
    ) -> None:
        self._records = records
        self._postings = postings
        self._identifiers = identifiers
        self._key_cap = max(MIN_KEY_CAP, int(len(records) * COMMON_KEY_SHARE))

    @classmethod
    def build(cls, listed: Iterable[ListedName]) -> MatchIndex:
        """Parse and index listed subjects; entry ids must be unique."""
        records: list[IndexedRecord] = []
        postings: dict[str, array[int]] = {}
        identifiers: dict[tuple[str, str], list[int]] = {}
        seen: set[str] = set()
        for position, item in enumerate(listed):
            if not isinstance(item, ListedName):
                raise InvalidValue(f"records[{position}]", "must be a ListedName")
            if item.entry_id in seen:
                raise InvalidValue(
                    f"records[{position}].entry_id", f"{item.entry_id} is listed twice"
                )
            seen.add(item.entry_id)
            record = IndexedRecord.from_listed(item)
            records.append(record)
            for key in _record_keys(record):
                postings.setdefault(key, array("i")).append(position)
            for identifier in record.identifiers:
                identifiers.setdefault(identifier, []).append(position)
        return cls(records, postings, identifiers)

    def __len__(self) -> int:
        return len(self._records)

    def screen(
        self,
        query: ScreeningQuery,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        exclude_entry_ids: Iterable[str] = (),
    ) -> list[ScreeningMatch]:
        """Listed subjects scoring at least `threshold` for the query, best first."""
        _check_screen_options(threshold, limit)
        return self._screen(PreparedQuery.prepare(query), threshold, limit, set(exclude_entry_ids))

    def screen_many(
        self,
        queries: Iterable[ScreeningQuery],
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        exclude_entry_ids: Iterable[str] = (),
    ) -> list[list[ScreeningMatch]]:
        """Screen a batch of queries; one result list per query, in order."""
        _check_screen_options(threshold, limit)
        excluded = set(exclude_entry_ids)
        return [
            self._screen(PreparedQuery.prepare(query), threshold, limit, excluded)
            for query in queries
        ]

    def _screen(
        self, query: PreparedQuery, threshold: float, limit: int, excluded: set[str]
    ) -> list[ScreeningMatch]:
        positions = set(self._by_name(query.form)) if query.form else set()
        for identifier in query.identifiers:
            positions.update(self._identifiers.get(identifier, ()))
        matches = []
        for position in positions:
            record = self._records[position]
            if record.listed.entry_id in excluded:
                continue
            match = score_record(query, record)
            if match.score >= threshold:
                matches.append(match)
        matches.sort(key=lambda match: (-match.score, match.entry_id))
        return matches[:limit]

    def _by_name(self, form: NameForm) -> list[int]:
        """Positions of the records sharing the most informative keys with the query name."""
        found = sorted(
            (self._postings[key] for key in _query_keys(form) if key in self._postings), key=len
        )
        informative = [plist for plist in found if len(plist) <= self._key_cap]
        if len(informative) < MIN_KEYS:
            informative = found[:MIN_KEYS]
        hits: Counter[int] = Counter()
        for plist in informative:
            hits.update(plist)
            if len(plist) <= RARE_KEY:
                hits.update(plist)  # a rare key says more: count it twice
        return [position for position, _ in hits.most_common(MAX_CANDIDATES)]
