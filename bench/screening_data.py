"""A seeded benchmark for screening: listed subjects and labelled query variants.

`generate_benchmark(n)` lists n subjects (Chinese enterprises, foreign companies, natural
persons) and derives queries from them: true variants (typos, pinyin, dropped suffix or region,
traditional characters, full width, word order, aliases, identifiers) that must find their
subject, and negatives (look-alike trade names, another region, a near-miss pinyin name with a
different credit code, another person of the same name, unrelated names) that must find nothing.
The same seed gives the same benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from bench.screening_queries import LabeledQuery, NegativeMaker, true_variants
from bench.screening_subjects import generate_subjects
from registry.screening.matching import ListedName

SEED = 20260301


@dataclass(frozen=True)
class Benchmark:
    """Listed subjects and the labelled queries derived from them."""

    listed: list[ListedName]
    queries: list[LabeledQuery]


def generate_benchmark(
    listed_count: int = 2000, query_count: int = 2400, seed: int = SEED
) -> Benchmark:
    """Listed subjects and labelled queries: three quarters true variants, a quarter negatives."""
    rng = random.Random(seed)
    world, enterprises, listed = generate_subjects(listed_count, rng)
    by_id = {e.listed.entry_id: e for e in enterprises}
    positives: list[LabeledQuery] = []
    while len(positives) < query_count * 3 // 4:
        positives.append(rng.choice(true_variants(rng, by_id, rng.choice(listed))))
    persons = [subject for subject in listed if subject.kind == "natural_person"]
    maker = NegativeMaker(rng, world, enterprises, persons)
    makers: list[tuple[Callable[[], LabeledQuery | None], float]] = [
        (maker.lookalike_other_trade, 0.15),
        (maker.lookalike_one_char, 0.15),
        (maker.other_region, 0.10),
        (maker.near_pinyin, 0.15),
        (maker.namesake, 0.10),
        (maker.other_given_name, 0.10),
        (maker.unrelated_enterprise, 0.10),
        (maker.unrelated_foreign, 0.10),
        (maker.unrelated_person, 0.05),
    ]
    negatives: list[LabeledQuery] = []
    while len(positives) + len(negatives) < query_count:
        make = rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
        if (negative := make()) is not None:
            negatives.append(negative)
    return Benchmark(listed, positives + negatives)
