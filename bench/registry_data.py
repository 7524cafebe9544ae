"""Registries of N published entries for the benchmarks: generated in bulk, kept between runs.

`generate(workdir, entries)` fills a fresh SQLite database with N published listings as the
publisher stores them: subject and its credit code (published in the entry), listing, signed
entry revision, `listed` log event and the log's tiles. The work per entry (canonical JSON,
content hash, Ed25519 signature, log leaf, and each column's value as SQLAlchemy binds it)
runs in worker processes, one per core; the main process appends the leaves to the log in
order and inserts the rows with `executemany`, all in one transaction.

`prepare(workdir, entries, data_dir)` gives a benchmark a registry to publish. With a data
directory (`--data-dir`, or `BENCH_DATA_DIR`), the database and its signing keys are generated
once under `<data_dir>/registry-<N>/` and copied into the work folder for each run; a kept copy
is used only while its fingerprint (the tables' DDL and the source of the code that makes the
rows, signatures and leaves) matches the current code, and is generated again otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import multiprocessing
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BATCH = 5_000
LISTED_ON = dt.date(2026, 3, 2)
RECORDED_AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DATABASE = "registry.sqlite3"
KEYS = "keys"
MANIFEST = "generated.json"
DATA_DIR_VARIABLE = "BENCH_DATA_DIR"

Row = dict[str, Any]
Params = tuple[Any, ...]


def app_for(workdir: Path) -> Any:
    """The registry app on the SQLite database, keys and feed folders in `workdir`."""
    warnings.simplefilter("ignore")  # a benchmark reports numbers, not library warnings
    os.environ.setdefault("REGISTRY_ENV", "testing")
    os.environ["REGISTRY_SCHEDULER"] = "false"
    from server.app import create_app

    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / DATABASE}",
            "KEYS_DIR": str(workdir / KEYS),
            "FEED_DIR": str(workdir / "feed"),
            "NATIONAL_EXPORT_DIR": str(workdir / "national-platform"),
            "SCREENING_INDEX": str(workdir / "screening.index"),
        }
    )


def subject_row(number: int, now: dt.datetime) -> Row:
    """The subject of entry `number`."""
    return {
        "id": number,
        "kind": "legal_person",
        "name": f"基准测试科技有限公司{number:07d}",
        "name_latin": f"Jizhun Ceshi Keji Youxian Gongsi {number:07d}",
        "name_latin_edited": False,
        "aliases": [],
        "legal_representative": "王伟",
        "responsible_persons": [],
        "region": "350100",
        "address": None,
        "created_at": now,
        "updated_at": now,
    }


def credit_code(number: int) -> str:
    """A valid unified social credit code of subject `number` (one per number below 10^8)."""
    from stdnum.cn import uscc

    from registry.subjects.credit_codes import organisation_check_character

    organisation = f"{number:08d}"
    body = f"91350100{organisation}{organisation_check_character(organisation)}"
    return body + uscc.calc_check_digit(body)


def identifier_row(number: int) -> Row:
    """The credit code of subject `number`, as the clerk records it."""
    return {
        "id": number,
        "subject_id": number,
        "scheme": "cn_uscc",
        "scheme_name": "",
        "value": credit_code(number),
    }


def listing_row(number: int, state: str, now: dt.datetime) -> Row:
    """The listing of entry `number`, published or (for the incremental run) approved."""
    published = state == "published"
    return {
        "id": number,
        "entry_id": f"IPL-2026-{number:06d}" if published else None,
        "subject_id": number,
        "state": state,
        "grounds": [
            {
                "code": "deliberate_infringement",
                "explanation": "wilful infringement found by an effective judgment",
            }
        ],
        "sectors": ["manufacturing"],
        "measures": ["public disclosure"],
        "remedy": "Perform the decision and apply for credit restoration.",
        "decision_authority": "福州市知识产权局",
        "decision_document_number": f"榕知罚〔2026〕{number}号",
        "decision_decided_on": dt.date(2026, 2, 1),
        "proposed_on": dt.date(2026, 1, 5),
        "approved_on": dt.date(2026, 2, 1),
        "listed_on": LISTED_ON if published else None,
        "period_end": dt.date(2029, 3, 2) if published else None,
        "revision": 1 if published else 0,
        "lock_version": 1,
        "created_at": now,
        "updated_at": now,
    }


def entry_content(listing: Row, subject: Row) -> Row:
    """The published entry of a listing and its subject."""
    return {
        "type": "ipl.entry/v1",
        "entry_id": listing["entry_id"],
        "revision": 1,
        "status": "published",
        "subject": {
            "kind": subject["kind"],
            "name": subject["name"],
            "name_latin": subject["name_latin"],
            "aliases": [],
            "identifiers": [{"scheme": "cn_uscc", "value": credit_code(subject["id"])}],
            "region": subject["region"],
            "legal_representative": subject["legal_representative"],
        },
        "grounds": listing["grounds"],
        "basis": [],
        "decision": {
            "authority": listing["decision_authority"],
            "document_number": listing["decision_document_number"],
            "decided_on": "2026-02-01",
        },
        "sectors": listing["sectors"],
        "listed_on": LISTED_ON.isoformat(),
        "period_end": "2029-03-02",
        "measures": listing["measures"],
        "remedy": listing["remedy"],
        "nonce": f"bench{listing['id']:011d}AAAAAAA=",
    }


def published_rows(number: int, key: Any) -> tuple[Row, Row, Row, Row, Row]:
    """Subject, listing, entry revision, log event and credit code rows of entry `number`."""
    from registry.canonical import sha256_hex
    from registry.ledger.events import event_leaf
    from registry.signing.signatures import sign_entry

    subject = subject_row(number, RECORDED_AT)
    listing = listing_row(number, "published", RECORDED_AT)
    entry = entry_content(listing, subject)
    digest = sha256_hex(entry)
    seq = number - 1
    leaf = event_leaf(seq, "listed", entry["entry_id"], 1, digest, "2026-03-02T08:00:00Z")
    revision = {
        "entry_id": entry["entry_id"],
        "revision": 1,
        "listing_id": number,
        "bundle": sign_entry(entry, key),
        "content_sha256": digest,
        "published_at": RECORDED_AT,
    }
    event = {
        "seq": seq,
        "event": "listed",
        "entry_id": entry["entry_id"],
        "revision": 1,
        "content_sha256": digest,
        "recorded_at": RECORDED_AT,
        "reason": None,
        "leaf": leaf,
    }
    return subject, listing, revision, event, identifier_row(number)


class BoundTable:
    """One table's INSERT with every column's value as SQLAlchemy binds it (defaults filled)."""

    def __init__(self, table: Any, sample: Row, dialect: Any) -> None:
        given = list(sample)
        defaulted = [
            column.key
            for column in table.columns
            if column.key not in sample
            and column.default is not None
            and (column.default.is_scalar or column.default.is_callable)
        ]
        self.columns = given + defaulted
        self._defaults = {name: table.columns[name].default for name in defaulted}
        self._processors: list[Callable[[Any], Any] | None] = [
            table.columns[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.columns
        ]
        names = ", ".join(self.columns)
        marks = ", ".join("?" for _ in self.columns)
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"

    def _value(self, row: Row, name: str) -> Any:
        if name in row:
            return row[name]
        default = self._defaults[name]
        return default.arg if default.is_scalar else default.arg(None)

    def params(self, row: Row) -> Params:
        """The row's DB-API parameters, in the order of `sql` (blobs as bytes, to pickle)."""
        values = (self._value(row, name) for name in self.columns)
        bound = (
            value if process is None or value is None else process(value)
            for value, process in zip(values, self._processors, strict=True)
        )
        return tuple(bytes(value) if isinstance(value, memoryview) else value for value in bound)


# What the worker processes work with, set before they are forked.
_WORKER: dict[str, Any] = {}


def _bound_rows(numbers: range) -> tuple[list[bytes], list[list[Params]]]:
    """In a worker: the leaves and each table's parameters for the entries `numbers`."""
    key, tables = _WORKER["key"], _WORKER["tables"]
    leaves: list[bytes] = []
    params: list[list[Params]] = [[] for _ in tables]
    for number in numbers:
        rows = published_rows(number, key)
        leaves.append(rows[3]["leaf"])
        for table_params, table, row in zip(params, tables, rows, strict=True):
            table_params.append(table.params(row))
    return leaves, params


def batches(first: int, last: int, size: int = BATCH) -> Iterator[range]:
    """The numbers `first`..`last` in ranges of `size`."""
    for start in range(first, last + 1, size):
        yield range(start, min(start + size, last + 1))


def generate(workdir: Path, entries: int, workers: int | None = None, batch: int = BATCH) -> float:
    """Fill a fresh database in `workdir` with `entries` published entries; seconds taken."""
    from registry.models import (
        Base,
        EntryRevision,
        Listing,
        LogEvent,
        Subject,
        SubjectIdentifier,
    )
    from registry.publication.events import open_log
    from runtime.extensions import db
    from runtime.signing_keys import key_store

    started = time.perf_counter()
    app = app_for(workdir)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        dialect = db.engine.dialect
        sample = published_rows(1, key_store(app).current("entry"))
        models = (Subject, Listing, EntryRevision, LogEvent, SubjectIdentifier)
        _WORKER["key"] = key_store(app).current("entry")
        _WORKER["tables"] = [
            BoundTable(model.__table__, row, dialect)
            for model, row in zip(models, sample, strict=True)
        ]
        session = db.session()
        connection = session.connection()
        log = open_log(session)
        context = multiprocessing.get_context("fork")
        with context.Pool(workers or os.cpu_count() or 1) as pool:
            for leaves, params in pool.imap(_bound_rows, batches(1, entries, batch)):
                for leaf in leaves:
                    log.append(leaf)
                for table, table_params in zip(_WORKER["tables"], params, strict=True):
                    connection.exec_driver_sql(table.sql, table_params)
        _WORKER.clear()
        log.flush()
        session.commit()
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started


def fingerprint() -> str:
    """What a kept registry must have been made with: the tables' and indexes' DDL and the code
    making rows.

    That code is the registry's canonical form, signatures and log leaves, and this module's
    functions that build and insert the rows (not the rest of it, so that a change to how a
    kept registry is found or copied does not make it again).
    """
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    import registry.canonical
    import registry.ledger.events
    import registry.signing.signatures
    from registry.models import Base

    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        digest.update(str(CreateTable(table).compile(dialect=sqlite.dialect())).encode())
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            digest.update(str(CreateIndex(index).compile(dialect=sqlite.dialect())).encode())
    code: tuple[Any, ...] = (
        registry.canonical,
        registry.ledger.events,
        registry.signing.signatures,
        subject_row,
        credit_code,
        identifier_row,
        listing_row,
        entry_content,
        published_rows,
        BoundTable,
        _bound_rows,
        generate,
    )
    for item in code:
        digest.update(inspect.getsource(item).encode())
    return digest.hexdigest()


def data_dir_from(option: str | None) -> Path | None:
    """The data directory an option names, else `BENCH_DATA_DIR`, else none (no cache)."""
    chosen = option or os.environ.get(DATA_DIR_VARIABLE)
    return Path(chosen) if chosen else None


def _kept(directory: Path, entries: int) -> bool:
    manifest = directory / MANIFEST
    if not manifest.exists() or not (directory / DATABASE).exists():
        return False
    recorded = json.loads(manifest.read_text())
    return bool(recorded["entries"] == entries and recorded["fingerprint"] == fingerprint())


def keep(data_dir: Path, entries: int, workers: int | None = None) -> tuple[Path, float | None]:
    """The kept registry of `entries` entries, generated first if missing or stale.

    Returns its folder and the seconds its generation took in this call (None if reused).
    """
    directory = data_dir / f"registry-{entries}"
    if _kept(directory, entries):
        return directory, None
    building = data_dir / f"registry-{entries}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    seconds = generate(building, entries, workers)
    record = {
        "entries": entries,
        "fingerprint": fingerprint(),
        "generated_s": round(seconds, 1),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (building / MANIFEST).write_text(json.dumps(record, indent=1) + "\n")
    shutil.rmtree(directory, ignore_errors=True)
    building.rename(directory)
    return directory, seconds


def prepare(
    workdir: Path, entries: int, data_dir: Path | None, workers: int | None = None
) -> tuple[float, bool]:
    """Put a registry of `entries` entries in `workdir`: (seconds, whether a kept one was used).

    The seconds are those of generating it here, or of generating the kept copy now plus
    copying it, or of copying it alone.
    """
    if data_dir is None:
        return generate(workdir, entries, workers), False
    started = time.perf_counter()
    directory, generated = keep(data_dir, entries, workers)
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(directory / DATABASE, workdir / DATABASE)
    shutil.copytree(directory / KEYS, workdir / KEYS, dirs_exist_ok=True)
    return time.perf_counter() - started, generated is None


def describe(entries: int, seconds: float, reused: bool) -> str:
    """One line for a benchmark's output about where its registry came from."""
    if reused:
        return f"  copied the kept registry of {entries:,} signed entries in {seconds:.1f}s"
    return f"  generated {entries:,} signed entries and leaves in {seconds:.1f}s"


def run_sizes(
    argv: list[str] | None,
    *,
    prog: str,
    description: str | None,
    title: str,
    sizes: tuple[int, ...],
    quick_sizes: tuple[int, ...],
    least: int,
    run: Callable[[Path, int], None],
) -> None:
    """The command line of a benchmark over generated registries of some sizes: parse the
    sizes (`--quick`, `--sizes`, `--data-dir`), then for each prepare a registry in a scratch
    folder, say where it came from, and `run(folder, size)`."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help=f"{quick_sizes[0]:,} entries")
    parser.add_argument("--sizes", help="comma-separated entry counts, e.g. 10000,100000")
    parser.add_argument("--data-dir", help="keep each size's generated registry here")
    args = parser.parse_args(argv)
    try:
        chosen = (
            [int(size) for size in args.sizes.split(",")]
            if args.sizes
            else list(quick_sizes if args.quick else sizes)
        )
    except ValueError:
        parser.error("--sizes: give entry counts separated by commas, e.g. 10000,100000")
    if any(size < least for size in chosen):
        parser.error(f"--sizes: each size needs at least {least} entries")
    data_dir = data_dir_from(args.data_dir)
    print(title)
    for size in chosen:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{size}-"))
        try:
            seconds, reused = prepare(workdir, size, data_dir)
            print(describe(size, seconds, reused), flush=True)
            run(workdir, size)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def remove_latest(session: Any, count: int, when: dt.datetime) -> None:
    """Log the removal of the last `count` listed entries at `when`, as reviewers confirming
    them do."""
    from sqlalchemy import select

    from registry.models import EntryRevision, LogEvent
    from registry.publication.events import append_event

    removed = select(LogEvent.entry_id).where(LogEvent.event == "removed")
    rows = session.execute(
        select(EntryRevision.entry_id, EntryRevision.revision, EntryRevision.content_sha256)
        .where(EntryRevision.entry_id.not_in(removed))
        .order_by(EntryRevision.entry_id.desc())
        .limit(count)
    ).all()
    for entry_id, revision, digest in rows:
        append_event(session, "removed", entry_id, revision, digest, when, "credit_restored")
    session.commit()
