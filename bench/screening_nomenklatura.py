"""The same screening queries through nomenklatura's matcher, as yente uses it, beside ours.

yente finds candidates with a full-text search in Elasticsearch, then scores each against the
query with a nomenklatura algorithm (LogicV1, yente's default) and calls a result a match at
its default threshold, 0.7. Here the candidates come from rapidfuzz instead of Elasticsearch:
the CANDIDATES names most like the query by WRatio, and any subject sharing an identifier with
it. Both sides see the same listed subjects and the same sample of labelled queries.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from followthemoney import EntityProxy, model
from nomenklatura.matching import LogicV1
from rapidfuzz import fuzz, process

from bench.screening_queries import LabeledQuery
from registry.screening.matching import (
    DEFAULT_THRESHOLD,
    ListedName,
    MatchIndex,
    ScreeningQuery,
    normalize_name,
)

YENTE_THRESHOLD = 0.7
CANDIDATES = 10
SCHEMAS = {"legal_person": "Company", "natural_person": "Person", "other_org": "Organization"}
# Where our identifier schemes go in FollowTheMoney.
PROPERTIES = {"cn_ric": "idNumber", "cn_uscc": "registrationNumber"}


def _entity(
    entity_id: str,
    schema: str,
    names: Sequence[str],
    identifiers: Sequence[tuple[str, str]],
) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.id = entity_id
    entity.add("name", names[0])
    for alias in names[1:]:
        entity.add("alias", alias)
    for scheme, value in identifiers:
        prop = PROPERTIES.get(scheme, "registrationNumber")
        entity.add(prop if entity.schema.get(prop) else "registrationNumber", value)
    return entity


def listed_entity(listed: ListedName) -> EntityProxy:
    """A listed subject as a FollowTheMoney entity."""
    names = [listed.name, *([listed.latin] if listed.latin else []), *listed.aliases]
    return _entity(listed.entry_id, SCHEMAS[listed.kind], names, listed.identifiers)


def query_entity(query: ScreeningQuery) -> EntityProxy:
    """A screening query as the entity a yente client would send."""
    schema = SCHEMAS[query.kind] if query.kind else "LegalEntity"
    names = [query.name] if query.name.strip() else []
    return _entity("query", schema, names or [""], query.identifiers)


class Nomenklatura:
    """Candidates by rapidfuzz (in place of Elasticsearch), scored by nomenklatura's LogicV1."""

    def __init__(self, listed: Sequence[ListedName]) -> None:
        self._listed = listed
        self._entities = [listed_entity(item) for item in listed]
        self._names = [normalize_name(item.name) for item in listed]
        self._by_identifier: dict[tuple[str, str], list[int]] = {}
        for position, item in enumerate(listed):
            for identifier in item.identifiers:
                self._by_identifier.setdefault(identifier, []).append(position)
        self._config = LogicV1.default_config()

    def screen(self, query: ScreeningQuery) -> list[str]:
        """Entry ids nomenklatura calls a match for the query."""
        positions = {
            position
            for identifier in query.identifiers
            for position in self._by_identifier.get(identifier, ())
        }
        if query.name.strip():
            found = process.extract(
                normalize_name(query.name), self._names, scorer=fuzz.WRatio, limit=CANDIDATES
            )
            positions.update(position for _, _, position in found)
        entity = query_entity(query)
        return [
            self._listed[position].entry_id
            for position in sorted(positions)
            if LogicV1.compare(entity, self._entities[position], self._config).score
            >= YENTE_THRESHOLD
        ]


def _rates(queries: Sequence[LabeledQuery], found: Sequence[Sequence[str]]) -> tuple[float, float]:
    """(recall, false-positive rate) of answers given as entry ids."""
    hits = positives = false = negatives = 0
    for labeled, ids in zip(queries, found, strict=True):
        if labeled.expected is None:
            negatives += 1
            false += bool(ids)
        else:
            positives += 1
            hits += labeled.expected in ids
    return hits / max(positives, 1), false / max(negatives, 1)


def report_side_by_side(
    listed: Sequence[ListedName], index: MatchIndex, queries: Sequence[LabeledQuery]
) -> None:
    """Print recall and false-positive rate of nomenklatura and of this engine on `queries`."""
    matcher = Nomenklatura(listed)
    start = time.perf_counter()
    theirs = [matcher.screen(labeled.query) for labeled in queries]
    their_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ours = [
        [match.entry_id for match in found]
        for found in index.screen_many(labeled.query for labeled in queries)
    ]
    our_seconds = time.perf_counter() - start
    positives = sum(1 for labeled in queries if labeled.expected is not None)
    print(
        f"  side by side on a sample of {len(queries)} queries ({positives} true variants,"
        f" {len(queries) - positives} negatives), {len(listed):,} listed subjects"
    )
    print(f"    {'matcher':<48}{'recall':>8}{'false pos.':>12}{'queries/s':>11}")
    for label, found, seconds in (
        (f"this registry, threshold {DEFAULT_THRESHOLD}", ours, our_seconds),
        (
            f"nomenklatura LogicV1 (as yente), threshold {YENTE_THRESHOLD}",
            theirs,
            their_seconds,
        ),
    ):
        recall, fpr = _rates(queries, found)
        print(f"    {label:<48}{recall:>8.4f}{fpr:>12.4f}{len(queries) / seconds:>11,.1f}")
