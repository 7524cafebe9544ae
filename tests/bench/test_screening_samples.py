"""The screening benchmark's pooled samples: every class, its queries summed over the samples."""

from __future__ import annotations

import re

import pytest

from bench.screening import per_class, report_samples
from bench.screening_data import generate_benchmark
from registry.screening.matching import MatchIndex


def test_pooled_rates_weigh_each_sample_by_its_queries(capsys: pytest.CaptureFixture[str]) -> None:
    report_samples(200, 300, seeds=[3, 4])
    rows = {
        match["variant"]: (int(match["count"].replace(",", "")), float(match["pooled"]))
        for match in re.finditer(
            r"^ {4}(?P<variant>[a-z_0-9]+) +(?:recall|false positives) +(?P<count>[\d,]+)"
            r" +(?P<pooled>[\d.]+) +[\d.]+–[\d.]+",
            capsys.readouterr().out,
            re.MULTILINE,
        )
    }
    expected: dict[str, list[tuple[int, float]]] = {}
    for seed in (3, 4):
        benchmark = generate_benchmark(200, 300, seed=seed)
        results = MatchIndex.build(benchmark.listed).screen_many(
            labeled.query for labeled in benchmark.queries
        )
        for variant, (_, count, rate) in per_class(benchmark.queries, results).items():
            expected.setdefault(variant, []).append((count, rate))
    assert rows.keys() == expected.keys()
    for variant, samples in expected.items():
        count = sum(n for n, _ in samples)
        assert rows[variant][0] == count
        assert rows[variant][1] == pytest.approx(sum(n * r for n, r in samples) / count, abs=1e-4)
