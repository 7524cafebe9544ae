"""FollowTheMoney export: each published entry as its subject plus a Sanction, one entity per line.

Screening tools built on FollowTheMoney (yente, nomenklatura, Aleph) load this file as is.
Entity ids are derived from the entry_id alone, so they stay stable across versions. Lines
are not signed, so they are plain sorted-key JSON rather than the (much slower) JCS, rendered
without building entity objects (registry/publication/ftm_lines.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from publisher.writers.atomic import write_immutable
from publisher.writers.index import Counter, Resource, check_version, describe
from publisher.writers.snapshot import in_entry_order
from registry.errors import InvalidValue
from registry.publication.ftm_entities import DEFAULT_PROGRAM
from registry.publication.ftm_lines import entry_lines


def _lines(
    bundles: Iterable[Any], counter: Counter, program: str, base_url: str | None
) -> Iterator[bytes]:
    for number, bundle in enumerate(in_entry_order(bundles)):
        counter.value += 2
        yield entry_lines(bundle, program=program, base_url=base_url, field=f"bundles[{number}]")


def write_ftm(
    feed_dir: str | os.PathLike[str],
    version: int,
    bundles: Iterable[Any],
    *,
    program: str = DEFAULT_PROGRAM,
    base_url: str | None = None,
) -> Resource:
    """Write `ftm/<version>.ftm.json`, two entities per entry; count is entities, not entries."""
    if not program:
        raise InvalidValue("program", "must name the list, e.g. the authority's list title")
    directory = Path(feed_dir)
    path = directory / "ftm" / f"{check_version(version)}.ftm.json"
    counter = Counter()
    written = write_immutable(path, _lines(bundles, counter, program, base_url))
    return describe(directory, path, "ftm", written, counter.value)
