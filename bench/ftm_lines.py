"""FollowTheMoney export lines: the followthemoney library against direct rendering.

`python -m bench.ftm_lines` renders the two export lines of N benchmark entries both ways
(the library's entity objects dumped as sorted-key JSON, and registry/publication/ftm_lines.py),
checks they are identical, and prints the CPU time per entry of each beside raw Ed25519
signing of the same entries, all in this one process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from bench.publish import RECORDED_AT, _entry, _listing_row, _subject_row

BASE_URL = "https://ipl.example.cn"


def _bundles(count: int) -> list[dict[str, Any]]:
    return [
        {"entry": _entry(_listing_row(n, "published", RECORDED_AT), _subject_row(n, RECORDED_AT))}
        for n in range(1, count + 1)
    ]


def _cpu_per_entry(render: Callable[[dict[str, Any]], object], bundles: list[Any]) -> float:
    started = time.process_time()
    for bundle in bundles:
        render(bundle)
    return (time.process_time() - started) / len(bundles) * 1e6


def main(argv: list[str] | None = None) -> None:
    """Measure and print microseconds of CPU per entry."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.canonical import canonical_bytes
    from registry.publication.ftm_entities import entry_entities
    from registry.publication.ftm_lines import entry_lines

    parser = argparse.ArgumentParser(prog="python -m bench.ftm_lines", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    bundles = _bundles(parser.parse_args(argv).entries)

    def library(bundle: dict[str, Any]) -> bytes:
        return b"".join(
            json.dumps(
                proxy.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
            ).encode("utf-8")
            + b"\n"
            for proxy in entry_entities(bundle, base_url=BASE_URL)
        )

    def direct(bundle: dict[str, Any]) -> bytes:
        return entry_lines(bundle, base_url=BASE_URL)

    assert all(library(bundle) == direct(bundle) for bundle in bundles[:1000])
    key = Ed25519PrivateKey.generate()
    messages = [b"ipl.entry/v1\x00" + canonical_bytes(bundle["entry"]) for bundle in bundles]
    started = time.process_time()
    for message in messages:
        key.sign(message)
    sign = (time.process_time() - started) / len(messages) * 1e6
    figures = {
        "library": _cpu_per_entry(library, bundles),
        "direct": _cpu_per_entry(direct, bundles),
    }
    print(f"FtM export lines, {len(bundles):,} entries, CPU time per entry (same process):")
    print(f"  raw Ed25519 signing {sign:7.1f} us  1.00x")
    for name, micros in figures.items():
        print(f"  {name:<19} {micros:7.1f} us  {micros / sign:.2f}x signing")
    print(f"  direct / library    {figures['direct'] / figures['library']:.3f}")


if __name__ == "__main__":
    main()
