"""The delta between two feed versions: the log events in between, each with its entry content.

A line is the log leaf object (`ipl.event/v1`) plus `bundle`, the signed entry it refers to,
or null once the content is purged; an audit anchor's line (`ipl.audit_anchor/v1`) has a null
`bundle`. Dropping `bundle` and canonicalising gives back the leaf
bytes, so a consumer can check each line against the transparency log.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.worker_pool import WorkerPool
from publisher.writers.atomic import write_immutable
from publisher.writers.index import Counter, Delta, check_version, describe
from registry.canonical import canonical_bytes
from registry.errors import InvalidValue
from registry.ledger.anchors import ANCHOR_TYPE, checked_anchor, is_anchor
from registry.ledger.events import EVENT_TYPE, event_object

# event_object's parameter names, which are also the leaf's keys.
_LEAF_FIELDS = ("seq", "event", "entry_id", "revision", "content_sha256", "recorded_at", "reason")
_HANDED_OVER_KEYS = {"type", "bundle", *_LEAF_FIELDS}
_BUNDLE_KEYS = {"entry", "signature"}
# Events rendered per job.
BATCH = 1_000
Decode = Callable[[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Rendered:
    """A run of delta lines: where it starts, its bytes and count, its first and last seq,
    and the error that stopped it early, in parts (raised once the lines before it are out)."""

    offset: int
    lines: bytes
    count: int
    first_seq: int | None
    last_seq: int | None
    error: tuple[str, str, dict[str, Any]] | None

    def raise_error(self) -> None:
        """Raise the InvalidValue that stopped this run, if one did."""
        if self.error is not None:
            field, template, params = self.error
            raise InvalidValue(field, template, **params)


def event_leaf_object(event: Any, field: str) -> dict[str, Any]:
    """Return the validated leaf object of an event as handed over (no bundle).

    An ipl.event/v1 event, or an ipl.audit_anchor/v1 anchor (whose bundle is always null).
    """
    if not isinstance(event, Mapping):
        raise InvalidValue(field, f"must be an event object, got {type(event).__name__}")
    if event.get("type") == ANCHOR_TYPE:
        return _anchor_leaf_object(event, field)
    unknown = sorted(map(str, set(event) - _HANDED_OVER_KEYS))
    if unknown:
        raise InvalidValue(field, f"unexpected keys {', '.join(unknown)}")
    if event.get("type", EVENT_TYPE) != EVENT_TYPE:
        raise InvalidValue(f"{field}.type", f"must be {EVENT_TYPE!r}")
    fields: dict[str, Any] = {name: event.get(name) for name in _LEAF_FIELDS}
    try:
        return event_object(**fields)
    except InvalidValue as error:
        raise InvalidValue(f"{field}.{error.field}", error.reason) from None


def _anchor_leaf_object(event: Mapping[str, Any], field: str) -> dict[str, Any]:
    if event.get("bundle") is not None:
        raise InvalidValue(f"{field}.bundle", "an audit anchor has no entry: must be null")
    try:
        return checked_anchor({k: v for k, v in event.items() if k != "bundle"})
    except InvalidValue as error:
        raise InvalidValue(f"{field}.{error.field}", error.reason) from None


def event_bundle(
    leaf: Mapping[str, Any], event: Mapping[str, Any], field: str
) -> Mapping[str, Any] | None:
    """Return the event's signed bundle (None once purged), checking it is the named entry."""
    checked = _checked_bundle(leaf, event, field)
    return None if checked is None else checked[0]


def _checked_bundle(
    leaf: Mapping[str, Any], event: Mapping[str, Any], field: str
) -> tuple[Mapping[str, Any], bytes] | None:
    """The event's bundle and the canonical bytes of its entry, or None once purged."""
    bundle = event.get("bundle")
    if bundle is None or is_anchor(leaf):
        return None
    if not isinstance(bundle, Mapping) or not isinstance(bundle.get("entry"), Mapping):
        raise InvalidValue(f"{field}.bundle", "must be a signed bundle with an entry, or null")
    entry = bundle["entry"]
    if (entry.get("entry_id"), entry.get("revision")) != (leaf["entry_id"], leaf["revision"]):
        raise InvalidValue(
            f"{field}.bundle",
            f"holds {entry.get('entry_id')} revision {entry.get('revision')}, "
            f"but the event is about {leaf['entry_id']} revision {leaf['revision']}",
        )
    entry_bytes = canonical_bytes(entry)
    if hashlib.sha256(entry_bytes).hexdigest() != leaf["content_sha256"]:
        reason = "entry content does not match the event's content_sha256"
        raise InvalidValue(f"{field}.bundle", reason)
    return bundle, entry_bytes


def _line(leaf: Mapping[str, Any], checked: tuple[Mapping[str, Any], bytes] | None) -> bytes:
    """JCS of the leaf plus `bundle`, reusing the entry's canonical bytes already hashed."""
    if checked is None:
        return canonical_bytes({**leaf, "bundle": None}) + b"\n"
    bundle, entry_bytes = checked
    if set(bundle) != _BUNDLE_KEYS or not leaf or "bundle" in leaf or min(leaf) < "bundle":
        return canonical_bytes({**leaf, "bundle": bundle}) + b"\n"
    # JCS sorts the ASCII keys: "bundle" comes first in the line, "entry" then "signature"
    # in the bundle, so the line is those parts joined (each part canonical on its own).
    signature = canonical_bytes(bundle["signature"])
    rest = canonical_bytes(leaf)[1:]
    return b'{"bundle":{"entry":%b,"signature":%b},%b\n' % (entry_bytes, signature, rest)


def _rendered(events: list[Any], offset: int, decode: Decode | None) -> Rendered:
    """The lines of `events`, numbered from `offset`, up to the first refused event."""
    if decode is not None:
        events = [decode(event) for event in events]
    lines: list[bytes] = []
    first: int | None = None
    last: int | None = None
    try:
        for number, event in enumerate(events, offset):
            field = f"events[{number}]"
            leaf = event_leaf_object(event, field)
            seq = leaf["seq"]
            # A delta with a gap would silently lose history, so seqs must run without holes
            # (the caller checks the first against the run before).
            if last is not None and seq != last + 1:
                reason = f"expected {last + 1} after {last}, got {seq}"
                raise InvalidValue(f"{field}.seq", reason)
            first = seq if first is None else first
            last = seq
            lines.append(_line(leaf, _checked_bundle(leaf, event, field)))
    except InvalidValue as error:
        failure = (error.field, error.template, error.params)
        return Rendered(offset, b"".join(lines), len(lines), first, last, failure)
    return Rendered(offset, b"".join(lines), len(lines), first, last, None)


def _batches(
    events: Iterable[Any], decode: Decode | None
) -> Iterator[tuple[list[Any], int, Decode | None]]:
    batch: list[Any] = []
    offset = 0
    for event in events:
        batch.append(event)
        if len(batch) == BATCH:
            yield batch, offset, decode
            offset += len(batch)
            batch = []
    if batch:
        yield batch, offset, decode


def _lines(
    events: Iterable[Any], counter: Counter, pool: WorkerPool, decode: Decode | None
) -> Iterator[bytes]:
    previous: int | None = None
    for rendered in pool.ordered(_rendered, _batches(events, decode)):
        first = rendered.first_seq
        if previous is not None and first is not None and first != previous + 1:
            reason = f"expected {previous + 1} after {previous}, got {first}"
            raise InvalidValue(f"events[{rendered.offset}].seq", reason)
        counter.value += rendered.count
        yield rendered.lines
        rendered.raise_error()
        previous = rendered.last_seq


def write_delta(
    feed_dir: str | os.PathLike[str],
    from_version: int,
    to_version: int,
    events: Iterable[Any],
    pool: WorkerPool | None = None,
    decode: Decode | None = None,
) -> Delta:
    """Write `delta/<from>-<to>.jsonl`, the events in seq order; return the index's delta record.

    With `pool`, runs of BATCH events are rendered in its worker processes; `decode` (a
    module-level function) turns each of `events` into an event object there.
    """
    start = check_version(from_version, "from_version")
    end = check_version(to_version, "to_version")
    if start >= end:
        raise InvalidValue("to_version", f"must be greater than from_version {start}, got {end}")
    directory = Path(feed_dir)
    path = directory / "delta" / f"{start}-{end}.jsonl"
    counter = Counter()
    written = write_immutable(path, _lines(events, counter, pool or WorkerPool(), decode))
    resource = describe(directory, path, "delta", written, counter.value)
    return {
        "from": start,
        "to": end,
        "path": resource["path"],
        "sha256": resource["sha256"],
        "size": resource["size"],
        "count": resource["count"],
    }
