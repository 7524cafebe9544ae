"""List states for other days and sizes moved from the kept one, beside whole replays, by CPU.

Every reader of a web worker (lookups, screening, the site, the entries API) answers from a
list state the worker keeps (registry.publication.public_view.ListStateCache). This measures,
in one process, on a registry of N published entries generated in bulk
(bench/registry_data.py, SQLite), with removals recorded on each of the last `DAYS` days:

- the first state, replayed whole, and the memory it holds;
- a lookup's state for each of those earlier `as_of` days: moved from the kept state
  (`as_of.moved`, the entries with an event since that day read again), against replaying
  one such day whole, and the memory the moved states add against that of one whole copy;
- 10 more removals: the new state moved, the screening index of the shared file carried
  over (`StateIndex.moved`) and the person index moved (`PersonIndex.moved`; a legal
  representative recorded for every subject), each against the whole replay,
  `StateIndex.over_file` and the person index built whole;
- one more person recorded: the person index moved, against building it whole;
- whether every moved state is the whole replay of its size and day.

Run `python -m bench.list_states` (10k and 100k entries; `--quick`: 2,000; `--sizes` any
list; `--data-dir DIR` keeps each generated registry for later runs). `make bench` runs it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.registry_data import app_for, remove_latest, run_sizes
from bench.site_pages import cpu

SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000,)
DAYS = 7
REMOVED = 10


@dataclass(frozen=True)
class Measured:
    """CPU seconds and megabytes of one size's steps, and whether moved states are whole ones."""

    entries: int
    first_state: float
    first_mb: float
    as_of_moved: list[float]
    as_of_mb: float
    as_of_whole: float
    whole_mb: float
    removal_moved: float
    removal_whole: float
    index_carried: float
    index_whole: float
    persons_moved: float
    persons_whole: float
    person_moved: float
    person_whole: float
    same: bool


def resident_mb() -> float:
    """This process's resident memory in megabytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉红文辉鹏飞宇浩"


def person_row(number: int) -> tuple[Any, ...]:
    """A legal representative of subject `number`: a name and a valid resident ID number."""
    from stdnum.cn import ric

    name = SURNAMES[number % len(SURNAMES)] + GIVEN[number // len(SURNAMES) % len(GIVEN)]
    if number % 3:
        name += GIVEN[number * 7 % len(GIVEN)]
    born = dt.date(1960, 1, 1) + dt.timedelta(days=number // 900)
    body = f"350100{born:%Y%m%d}{number % 900 + 100:03d}"
    value = body + ric.calc_check_digit(body + "0")
    return number, "legal_representative", name, "cn_ric", "", value


def _record_persons(session: Any, entries: int) -> None:
    """A legal representative for every subject, inserted in bulk."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    session.connection().exec_driver_sql(
        "INSERT INTO responsible_persons (subject_id, role, name, scheme, scheme_name, value,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*person_row(number), now) for number in range(1, entries + 1)],
    )
    session.commit()


def _same(moved: Any, whole: Any) -> bool:
    return bool(
        list(moved.entries.items()) == list(whole.entries.items())
        and moved.identifiers == whole.identifiers
        and moved.by_identifier == whole.by_identifier
    )


def measure(workdir: Path, entries: int) -> Measured:
    """Every step on the registry prepared in `workdir`."""
    import gc

    from api.public_view import list_states, today
    from registry.actors import SYSTEM
    from registry.publication.as_of import list_state
    from registry.publication.events import log_size
    from registry.screening.persons import (
        PersonIndex,
        load_relations,
        person_index,
        persons_version,
    )
    from registry.screening.shared_index import (
        SharedIndex,
        StateIndex,
        match_index,
        write_shared_index,
    )
    from registry.subjects.persons import PersonInput, record_person
    from runtime.extensions import db

    app = app_for(workdir)
    now = dt.datetime.now(dt.UTC)
    days = [today() - dt.timedelta(days=back) for back in range(DAYS, 0, -1)]
    with app.app_context():
        session = db.session()
        for day in days:  # removals recorded at noon, Beijing time, on each of the last days
            remove_latest(session, REMOVED, dt.datetime.combine(day, dt.time(4), tzinfo=dt.UTC))
        _record_persons(session, entries)
        path = workdir / "screening.index"
        write_shared_index(path, list_state(session, log_size(session), today()))
        gc.collect()
        shared, cache, size = SharedIndex(path), list_states(), log_size(session)
        before = resident_mb()
        first_state, kept = cpu(lambda: cache.get(session, size, today()))
        first_mb = resident_mb() - before
        assert kept.by_identifier is not None  # built by the first lookup
        match_index(kept, shared)  # the shared file's index, every entry stamped
        person_index(session, kept)  # every person's name parsed
        before = resident_mb()
        as_of_moved = [cpu(lambda day=day: cache.get(session, size, day))[0] for day in days]
        as_of_mb = resident_mb() - before
        same = all(
            _same(cache.get(session, size, day), list_state(session, size, day))
            for day in days[::3]
        )
        gc.collect()
        before = resident_mb()
        as_of_whole, held = cpu(lambda: list_state(session, size, days[0]))
        whole_mb = resident_mb() - before
        del held
        remove_latest(session, REMOVED, now)
        size = log_size(session)
        removal_moved, state = cpu(lambda: cache.get(session, size, today()))
        index_carried, index = cpu(lambda: match_index(state, shared))
        removal_whole, whole = cpu(lambda: list_state(session, size, today()))
        index_whole, _ = cpu(lambda: StateIndex.over_file(state, index.file))
        persons_moved, moved = cpu(lambda: person_index(session, state))
        persons_whole, built = cpu(
            lambda: PersonIndex(load_relations(session, state), persons_version(session))
        )
        same = same and moved.relations == built.relations
        ric = person_row(entries + 1)[5]
        record_person(
            session, SYSTEM, 1, PersonInput("main_responsible", "欧阳娜娜", "cn_ric", ric)
        )
        person_moved, moved = cpu(lambda: person_index(session, state))
        person_whole, built = cpu(
            lambda: PersonIndex(load_relations(session, state), persons_version(session))
        )
        same = same and moved.relations == built.relations
        same = same and _same(state, whole) and len(index) == len(whole.entries)
        db.session.remove()
        db.engine.dispose()
    return Measured(
        entries,
        first_state,
        first_mb,
        as_of_moved,
        as_of_mb,
        as_of_whole,
        whole_mb,
        removal_moved,
        removal_whole,
        index_carried,
        index_whole,
        persons_moved,
        persons_whole,
        person_moved,
        person_whole,
        same,
    )


def report(result: Measured) -> None:
    """Print one size's table."""
    moved = statistics.median(result.as_of_moved)
    whole = result.as_of_whole
    print(f"  {result.entries:,} entries")
    print(
        f"    first state, replayed whole              {result.first_state:8.2f} s"
        f"   +{result.first_mb:.0f} MB"
    )
    print(
        f"    as_of, {DAYS} earlier days, each moved       {moved * 1e3:8.1f} ms (median)"
        f"   whole replay of one {whole:.2f} s   ratio {moved / whole:.4f}"
    )
    print(
        f"      memory: the {DAYS} moved states +{result.as_of_mb:.0f} MB,"
        f" one whole copy +{result.whole_mb:.0f} MB"
    )
    print(
        f"    {REMOVED} removals: state moved             {result.removal_moved * 1e3:8.1f} ms"
        f"   whole replay {result.removal_whole:.2f} s"
        f"   ratio {result.removal_moved / result.removal_whole:.4f}"
    )
    print(
        f"    {REMOVED} removals: screening index carried {result.index_carried * 1e3:8.1f} ms"
        f"   every entry stamped {result.index_whole * 1e3:.0f} ms"
        f"   ratio {result.index_carried / result.index_whole:.4f}"
    )
    print(
        f"    {REMOVED} removals: person index moved      {result.persons_moved * 1e3:8.1f} ms"
        f"   built whole {result.persons_whole:.2f} s"
        f"   ratio {result.persons_moved / result.persons_whole:.4f}"
    )
    print(
        f"    a person recorded: person index moved {result.person_moved * 1e3:8.1f} ms"
        f"   built whole {result.person_whole:.2f} s"
        f"   ratio {result.person_moved / result.person_whole:.4f}"
    )
    print(f"    moved states and indexes are the whole ones: {'yes' if result.same else 'NO'}")


def main(argv: list[str] | None = None) -> None:
    """Prepare each size's registry, measure, print."""
    run_sizes(
        argv,
        prog="python -m bench.list_states",
        description=__doc__,
        title="list states moved against replayed whole, in process, CPU time",
        sizes=SIZES,
        quick_sizes=QUICK_SIZES,
        least=REMOVED * (DAYS + 1) * 2,
        run=lambda workdir, size: report(measure(workdir, size)),
    )


if __name__ == "__main__":
    main()
