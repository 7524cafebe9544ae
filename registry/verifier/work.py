"""The per-line work of a verification, done where it is cheapest: in worker processes.

Each function here takes bytes and returns small, picklable results, so the same code runs
in the verifying process (one worker) or in one process per core (registry/verifier/
parallel_check.py), and the reports are the same either way. A snapshot chunk's lines and a
run of log entry tiles are each read once: parsed, checked for canonical form, hashed and,
for entries, their signatures checked. The verifying process is left with what needs the
whole feed in order (sorting across chunks, the Merkle tree, the lines against the log).

A line already in canonical form (every line the publisher writes) takes a fast path: it is
parsed and re-serialised once, in C (registry.canonical.loads_canonical), and the entry's
signature and content hash are checked on its own bytes within the line. Anything else takes
the strict path, which names what is wrong.

A delta line whose bundle is, byte for byte, a snapshot line whose signature verified (every
line of a first version's delta repeats one) is not verified twice: the snapshot's checks
return each such line's fingerprint (`bundle_print`), the verifying process hands the delta
checks the fingerprint expected at each seq, and a bundle with that fingerprint passes the
same checks bar the Ed25519 verification, whose answer for those bytes is already known. When
the rest of the line is also, byte for byte, the leaf its place names, nothing of it is parsed
(`_repeated_line`): the snapshot line and the leaf were checked against each other already.

On a local disk the workers read the chunks, tiles and runs of lines they check themselves
(registry.verifier.source.LocalFile), instead of receiving their bytes through a pipe.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.canonical import (
    MAX_SAFE_INTEGER,
    canonical_bytes,
    jcs_bmp_bytes,
    loads_canonical,
    loads_strict,
    sha256_hex,
)
from registry.errors import InvalidValue
from registry.ledger.anchors import ANCHOR_TYPE, checked_anchor, is_anchor
from registry.ledger.events import EVENT_TYPE, REASONS, event_object
from registry.ledger.hashing import leaf_hash
from registry.ledger.tiles import TILE_WIDTH, decode_bundle
from registry.signing.keys import ALGORITHM, VerificationKey
from registry.signing.signatures import ENTRY_TYPES, SignatureInvalid, verify_entry
from registry.timestamps import check_timestamp
from registry.verifier.leaf_codes import NO_EVENT, entry_code, fingerprint, pack_mark
from registry.verifier.source import LocalFile

# A signed entry is a few kilobytes; a longer line is refused unread, so a hostile feed made
# of one endless line cannot exhaust the verifier's memory.
MAX_LINE_BYTES = 1 << 20

# Ranks order a line's problems as the checks run: reading and signature, then sorting,
# then the chunk key, the status, and last the log (checked by the verifying process).
RANK_READ, RANK_ORDER, RANK_KEY, RANK_STATUS, RANK_LOG = range(5)

# A delta line's: its seq following the one before, inside the checkpoint, equal to its
# log leaf (checked by the verifying process), then its bundle.
DELTA_GAP, DELTA_RANGE, DELTA_LEAF, DELTA_BUNDLE = range(1, 5)

Problem = tuple[int, int, str]
"""(line number, rank, message) of one failed check; line 0 is the file as a whole."""


def split_lines(
    data: bytes, problem: Callable[[int, str], None], first_line: int = 1
) -> Iterator[tuple[int, bytes]]:
    """jsonl_lines over bytes in memory, in one split: the same lines and problems."""
    lines = data.split(b"\n")
    last = lines.pop()
    if last:
        lines.append(last)
        if len(last) <= MAX_LINE_BYTES:
            number = first_line + len(lines) - 1
            problem(number, "does not end with a newline (the file may be truncated)")
    if max(map(len, lines), default=0) <= MAX_LINE_BYTES:
        yield from enumerate(lines, start=first_line)
        return
    for number, line in enumerate(lines, start=first_line):
        if len(line) > MAX_LINE_BYTES:
            problem(number, f"line {number} is longer than {MAX_LINE_BYTES:,} bytes; skipped")
        else:
            yield number, line


def jsonl_lines(
    stream: IO[bytes], problem: Callable[[int, str], None], first_line: int = 1
) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, line without its newline); bad lines go to `problem`, unyielded."""
    number = first_line - 1
    while line := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if not line.endswith(b"\n") and len(line) > MAX_LINE_BYTES:
            problem(number, f"line {number} is longer than {MAX_LINE_BYTES:,} bytes; skipped")
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_LINE_BYTES + 1)
            continue
        if not line.endswith(b"\n"):  # only the last line can lack it
            problem(number, "does not end with a newline (the file may be truncated)")
        yield number, line.removesuffix(b"\n")


def where(number: int, entry_id: Any, revision: Any) -> str:
    """How a problem names a signed line: `line 3 (IPL-2026-000001 revision 1)`."""
    return f"line {number} ({entry_id} revision {revision})"


def entry_label(bundle: Any) -> str:
    """How a line names its entry in a problem: `IPL-2026-000001 revision 1`."""
    entry = bundle.get("entry") if isinstance(bundle, dict) else None
    if isinstance(entry, dict):
        return f"{entry.get('entry_id')} revision {entry.get('revision')}"
    return "an object without an entry"


@dataclass(frozen=True)
class LineCheck:
    """One signed line's signature check (None: valid) and its entry's content hash."""

    rejected: str | None
    content_sha256: str | None


def line_check(bundle: Any, keys: tuple[VerificationKey, ...]) -> LineCheck:
    """Check one bundle's signature and hash its entry (the strict path)."""
    try:
        verify_entry(bundle, keys)
    except SignatureInvalid as error:
        return LineCheck(error.reason, None)
    return LineCheck(None, sha256_hex(bundle["entry"]))


class EntryKeys:
    """The entry keys by kid, each loaded once for the many signatures it checks."""

    def __init__(self, keys: tuple[VerificationKey, ...]) -> None:
        self.keys = keys
        self.loaded = {
            key.kid: Ed25519PublicKey.from_public_bytes(key.public_key)
            for key in keys
            if key.use == "entry"
        }


_SIGNED_PREFIX = b'{"entry":'
_SIGNATURE_MEMBER = b',"signature":'


def fast_entry_check(line: bytes, keys: EntryKeys) -> tuple[dict[str, Any], str] | None:
    """(bundle, content sha256) of a canonical line whose signature verifies, else None.

    None sends the line down the strict path.
    """
    bundle: Any = loads_canonical(line)
    digest = canonical_bundle_check(bundle, line, keys)
    return None if digest is None else (bundle, digest)


def bundle_print(secret: bytes, data: bytes) -> int:
    """The fingerprint of a bundle's canonical bytes whose signature verified (never 0)."""
    return fingerprint(secret, data) or 1


def canonical_bundle_check(
    bundle: Any, data: bytes, keys: EntryKeys, verified: bool = False
) -> str | None:
    """The entry's content sha256 when `data`, JCS of `bundle`, carries a valid signature.

    `data` is `{"entry":` JCS(entry) `,"signature":` JCS(signature) `}`, so JCS(entry), what
    the signature and the content hash cover, is checked as it stands in `data`, without
    serialising the entry again. None: not such a bundle, or the signature does not verify.
    `verified`: these very bytes passed this check before, with the same keys, so the
    signature is not verified again (everything else is).
    """
    if not isinstance(bundle, dict) or bundle.keys() != {"entry", "signature"}:
        return None
    entry, signature = bundle["entry"], bundle["signature"]
    if not isinstance(entry, dict) or not isinstance(signature, dict):
        return None
    type_, kid = entry.get("type"), signature.get("kid")
    if type_ not in ENTRY_TYPES or signature.get("alg") != ALGORITHM or not isinstance(kid, str):
        return None
    public = keys.loaded.get(kid)
    sig = signature.get("sig")
    if public is None or not isinstance(sig, str):
        return None
    # The signature member is the last: a key named so inside it would only make the bytes
    # taken here fail the signature check, and the strict path decide.
    signed = data[len(_SIGNED_PREFIX) : data.rfind(_SIGNATURE_MEMBER)]
    try:
        raw = base64.b64decode(sig, validate=True)
        if not verified:
            public.verify(raw, str(type_).encode("utf-8") + b"\x00" + signed)
    except (binascii.Error, ValueError, InvalidSignature):
        return None
    return hashlib.sha256(signed).hexdigest()


@dataclass
class ChunkOutcome:
    """What a snapshot chunk's own checks found; the log and cross-chunk checks come after."""

    size: int
    sha256: str
    # Why the chunk could not be read where it was checked (LocalFile.read); nothing else
    # is then set.
    unreadable: str | None = None
    count: int = 0
    # (line number, entry_id, revision) of the first line whose signature verified, when
    # it passed the order check within the chunk: the order across chunks is checked on it.
    # `last` is the entry_id the next chunk must sort after.
    first: tuple[int, str, Any] | None = None
    last: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # Of each signed line, in order, in flat arrays (a million lines cost the pipe and the
    # verifying process little): its line number, its entry's code and its content
    # fingerprint (registry/verifier/leaf_codes.py), which the log check looks up, its
    # revision (-1: see `unusual`) and its content sha256 (32 bytes a line, for a problem's
    # text). `unusual` gives (entry_id, revision) by position for a line whose id has no code
    # (0) or whose revision is not a small integer; any other id is `entry_name` of its code.
    numbers: array[int] = field(default_factory=lambda: array("Q"))
    codes: array[int] = field(default_factory=lambda: array("Q"))
    contents: array[int] = field(default_factory=lambda: array("Q"))
    revisions: array[int] = field(default_factory=lambda: array("q"))
    digests: bytearray = field(default_factory=bytearray)
    unusual: dict[int, tuple[str, Any]] = field(default_factory=dict)
    # With `prints`, the same order again: each line's bundle_print when its signature
    # verified on the fast path, else 0 (what a delta line repeating it need not verify).
    bundles: array[int] = field(default_factory=lambda: array("Q"))


def check_chunk(
    data: bytes | LocalFile,
    key: str,
    keys: tuple[VerificationKey, ...],
    first_line: int = 1,
    secret: bytes = b"",
    prints: bool = False,
) -> ChunkOutcome:
    """Hash a snapshot chunk (or a piece of a whole snapshot, key "") and check its lines.

    Per line: valid JSON, signature, sorted by entry_id within the chunk, the id under the
    chunk's key, status published; and the entry's content hash for the log check, with
    its fingerprint under `secret`. Lines are numbered from `first_line`. With `prints`,
    also each line's bundle fingerprint (ChunkOutcome.bundles). A chunk on the local disk
    is read here (`LocalFile`).
    """
    if isinstance(data, LocalFile):
        read = data.read()
        if isinstance(read, str):
            return ChunkOutcome(0, "", unreadable=read)
        data = read
    outcome = ChunkOutcome(len(data), hashlib.sha256(data).hexdigest())
    entry_keys = EntryKeys(keys)

    def problem(number: int, message: str, rank: int = RANK_READ) -> None:
        outcome.problems.append((number, rank, message))

    previous, seen = "", False
    for number, line in split_lines(data, problem, first_line):
        fast = fast_entry_check(line, entry_keys)
        signed = 0
        if fast is not None:
            bundle, digest = fast
            if prints:
                signed = bundle_print(secret, line)
        else:
            try:
                bundle = loads_strict(line)
            except InvalidValue as error:
                problem(number, f"line {number} is not valid JSON: {error.reason}")
                continue
            check = line_check(bundle, keys)
            if check.rejected is not None:
                outcome.count += 1
                label = f"line {number} ({entry_label(bundle)})"
                problem(number, f"{label}: entry signature rejected: {check.rejected}")
                continue
            digest = str(check.content_sha256)
        outcome.count += 1
        entry = bundle["entry"]
        entry_id, revision = entry.get("entry_id"), entry.get("revision")
        if not isinstance(entry_id, str) or entry_id <= previous:
            message = "entries must be sorted by entry_id, each once"
            problem(number, f"{where(number, entry_id, revision)}: {message}", RANK_ORDER)
        elif not seen:
            outcome.first = (number, entry_id, revision)
        seen = True
        previous = str(entry_id)
        outcome.last = previous
        if not previous.startswith(key):
            message = f"belongs to no chunk {key!r} (its id has another key)"
            problem(number, f"{where(number, entry_id, revision)}: {message}", RANK_KEY)
        if entry.get("status") != "published":
            message = f"status is {entry.get('status')!r}, not 'published'"
            problem(number, f"{where(number, entry_id, revision)}: {message}", RANK_STATUS)
        code = entry_code(previous)
        small = type(revision) is int and 0 <= revision <= MAX_SAFE_INTEGER
        if not code or not small:
            outcome.unusual[len(outcome.codes)] = (previous, revision)
        outcome.numbers.append(number)
        outcome.codes.append(code)
        outcome.contents.append(fingerprint(secret, digest.encode("ascii")))
        outcome.revisions.append(revision if small else -1)
        outcome.digests += bytes.fromhex(digest)
        if prints:
            # Noted only for an id that is text, as the log's are: the delta's check takes
            # the noted entry_id for the one in the bundle.
            outcome.bundles.append(signed if isinstance(entry_id, str) else 0)
    return outcome


@dataclass
class TileOutcome:
    """One entry tile replayed: its leaf hashes, or why it cannot be read.

    Each leaf's event is given in three words, one array each (registry/verifier/
    leaf_codes.py): its entry's code, its event and revision, its content fingerprint.
    """

    unreadable: str | None = None
    hashes: list[bytes] = field(default_factory=list)
    # (offset, message) of each leaf that is not a valid log event.
    problems: list[tuple[int, str]] = field(default_factory=list)
    codes: array[int] = field(default_factory=lambda: array("Q"))
    marks: array[int] = field(default_factory=lambda: array("Q"))
    contents: array[int] = field(default_factory=lambda: array("Q"))
    # (offset, entry_id) of each event whose entry id has no exact code (code 0).
    other_ids: list[tuple[int, str]] = field(default_factory=list)
    anchors: int = 0
    # Fingerprint of each leaf from the given seq on (what the delta is compared with).
    kept: array[int] = field(default_factory=lambda: array("Q"))


def check_tiles(
    tiles: list[tuple[int, int, bytes | LocalFile]], keep_from: int, secret: bytes
) -> list[TileOutcome]:
    """Replay entry tiles given as (tile index, width, bundle bytes or the file on the local
    disk): decode, check each leaf."""
    return [_check_tile(index, width, data, keep_from, secret) for index, width, data in tiles]


def _check_tile(
    index: int, width: int, data: bytes | LocalFile, keep_from: int, secret: bytes
) -> TileOutcome:
    outcome = TileOutcome()
    if isinstance(data, LocalFile):
        read = data.read()
        if isinstance(read, str):
            outcome.unreadable = read
            return outcome
        data = read
    try:
        entries = decode_bundle(data)
    except InvalidValue as error:
        outcome.unreadable = f"is not a valid entry bundle: {error.reason}"
        return outcome
    if len(entries) != width:
        outcome.unreadable = f"holds {len(entries)} entries, expected {width}"
        return outcome
    timestamps: set[bytes] = set()
    for offset, leaf in enumerate(entries):
        seq = index * TILE_WIDTH + offset
        fields = fast_event(seq, leaf, timestamps)
        if fields is None:
            try:
                event = check_leaf(seq, leaf)
            except InvalidValue as error:
                message = f"entry {offset} (leaf {seq}) is not a valid log event: {error.message}"
                outcome.problems.append((offset, message))
            else:
                if is_anchor(event):
                    outcome.anchors += 1
                else:
                    fields = (
                        str(event["event"]),
                        str(event["entry_id"]),
                        int(event["revision"]),
                        str(event["content_sha256"]).encode("ascii"),
                    )
        if fields is None:
            outcome.codes.append(0)
            outcome.marks.append(NO_EVENT)
            outcome.contents.append(0)
        else:
            name, entry_id, revision, content = fields
            code = entry_code(entry_id)
            if not code:
                outcome.other_ids.append((offset, entry_id))
            outcome.codes.append(code)
            outcome.marks.append(pack_mark(name, revision))
            outcome.contents.append(fingerprint(secret, content))
        if seq >= keep_from:
            outcome.kept.append(fingerprint(secret, leaf))
        outcome.hashes.append(leaf_hash(leaf))
    return outcome


_LEAF_FIELDS = ("seq", "event", "entry_id", "revision", "content_sha256", "recorded_at", "reason")


def check_leaf(seq: int, leaf: bytes) -> dict[str, Any]:
    """Return the leaf's event or anchor object, or raise InvalidValue saying why it is neither."""
    body = loads_strict(leaf)
    if is_anchor(body):
        event = checked_anchor(body)
    elif not isinstance(body, dict) or body.get("type") != EVENT_TYPE:
        raise InvalidValue(
            "type",
            "is neither an %(EVENT_TYPE)s nor an %(ANCHOR_TYPE)s object",
            EVENT_TYPE=EVENT_TYPE,
            ANCHOR_TYPE=ANCHOR_TYPE,
        )
    else:
        unknown = set(body) - {"type", *_LEAF_FIELDS}
        if unknown:
            raise InvalidValue(
                "leaf",
                "has unexpected keys %(unknown)s",
                unknown=", ".join(sorted(unknown)),
            )
        fields: dict[str, Any] = {name: body.get(name) for name in _LEAF_FIELDS}
        event = event_object(**fields)
    if event["seq"] != seq:
        raise InvalidValue(
            "seq",
            "is %(event)s, but the leaf is at index %(seq)s",
            event=event["seq"],
            seq=seq,
        )
    if canonical_bytes(event) != leaf:
        raise InvalidValue("leaf", "is not in canonical (JCS) form")
    return event


# The canonical bytes of an ipl.event/v1 object whose strings need no escaping, members in
# JCS order: a leaf matching this (and the checks in fast_event) is exactly what check_leaf
# accepts for such an event. Anything else (anchors, other ids) takes check_leaf.
_CANONICAL_EVENT = re.compile(
    rb'\{"content_sha256":"([0-9a-f]{64})","entry_id":"([A-Za-z0-9-]+)",'
    rb'"event":"(listed|amended|removed)",(?:"reason":"([a-z_]+)",)?'
    rb'"recorded_at":"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)",'
    rb'"revision":([1-9][0-9]{0,15}),"seq":(0|[1-9][0-9]{0,15}),"type":"ipl\.event/v1"\}\Z'
)


def fast_event(seq: int, leaf: bytes, timestamps: set[bytes]) -> tuple[str, str, int, bytes] | None:
    """(event, entry_id, revision, content_sha256) of a plain canonical event leaf.

    None when the leaf is not of that plain form or fails a check: check_leaf then decides,
    and says why. `timestamps` holds the recorded_at values already found valid.
    """
    match = _CANONICAL_EVENT.match(leaf)
    if match is None:
        return None
    digest, entry_id, event, reason, recorded_at, revision, position = match.groups()
    if int(position) != seq or int(revision) > MAX_SAFE_INTEGER:
        return None
    if (reason is None) != (event == b"listed"):
        return None
    if reason is not None and reason.decode("ascii") not in REASONS:
        return None
    if recorded_at not in timestamps:
        try:
            check_timestamp(recorded_at.decode("ascii"), "recorded_at")
        except InvalidValue:
            return None
        timestamps.add(recorded_at)
    return event.decode("ascii"), entry_id.decode("ascii"), int(revision), digest


@dataclass
class DeltaOutcome:
    """What a run of delta lines' own checks found; the order and the log come after."""

    problems: list[Problem] = field(default_factory=list)
    # (line number, seq, whether seq is inside the checkpoint, fingerprint of the event
    # without its bundle, None when not in canonical form) of each log event line.
    events: list[tuple[int, Any, bool, int | None]] = field(default_factory=list)
    lines: int = 0
    signed: int = 0


_BUNDLE_PREFIX = b'{"bundle":'


@dataclass(frozen=True)
class NotedBundles:
    """What the snapshot's checks and the log noted for a run of delta leaves (registry/
    verifier/leaf_index.py): from seq `base` on, each leaf's bundle_print (0: none) and the
    fingerprint of the leaf itself. Delta line n holds leaf `keep_from + n - 1`."""

    keep_from: int
    base: int
    prints: array[int]
    leaves: array[int]

    def noted(self, seq: int) -> int:
        """The print noted for leaf `seq` (0: none)."""
        position = seq - self.base
        return self.prints[position] if 0 <= position < len(self.prints) else 0


_CONTENT_MEMBER = b',"content_sha256":'


def _repeated_line(line: bytes, number: int, noted: NotedBundles, secret: bytes) -> int | None:
    """The seq of a delta line that repeats, byte for byte, a checked leaf and the snapshot
    line that was found listed by it; None sends the line down the other paths.

    Such a line is `{"bundle":` B `,` and the rest of a canonical record whose first member
    is its content hash, which sorts after "bundle". When the rest is, byte for byte, the
    leaf the line's place names (a canonical event, its seq that place, checked with its
    tile) and B is the snapshot line whose signature verified and whose entry, revision and
    content that leaf records (noted for that seq), every check of the line holds already:
    the line is JCS of the whole record, its bundle's signature verifies, and the bundle
    holds the entry and content the event names.
    """
    position = noted.keep_from + number - 1 - noted.base
    if not 0 <= position < len(noted.prints) or not noted.prints[position]:
        return None
    cut = line.rfind(_CONTENT_MEMBER)
    if cut <= len(_BUNDLE_PREFIX) or not line.startswith(_BUNDLE_PREFIX):
        return None
    if fingerprint(secret, b"{" + line[cut + 1 :]) != noted.leaves[position]:
        return None
    if bundle_print(secret, line[len(_BUNDLE_PREFIX) : cut]) != noted.prints[position]:
        return None
    return noted.base + position


def check_delta_lines(
    data: bytes | LocalFile,
    first_line: int,
    keys: tuple[VerificationKey, ...],
    tree_size: int,
    secret: bytes = b"",
    noted: NotedBundles | None = None,
) -> DeltaOutcome:
    """Check delta lines on their own: a log event, its bundle's signature and content.

    Lines are numbered from `first_line`. The seq order and each event against its log leaf
    (by fingerprint under `secret`) are checked by the caller, which has the whole delta
    and the log. A line repeating its leaf and the snapshot line `noted` for it
    (`_repeated_line`) is neither parsed nor verified again; a line whose bundle alone is
    the one noted has its signature's answer taken from the snapshot's check.
    """
    outcome = DeltaOutcome()
    if isinstance(data, LocalFile):
        read = data.read()
        if isinstance(read, str):
            outcome.problems.append((first_line, RANK_READ, f"lines from {first_line} on: {read}"))
            return outcome
        data = read
    entry_keys = EntryKeys(keys)

    def problem(number: int, message: str, rank: int = RANK_READ) -> None:
        outcome.problems.append((number, rank, message))

    def compare(
        number: int, seq: int, named: tuple[Any, Any], content: str | None, record: dict[str, Any]
    ) -> None:
        where = f"line {number} (leaf {seq})"
        if named != (record.get("entry_id"), record.get("revision")):
            message = f"{where}: the bundle holds another entry than the event names"
            problem(number, message, DELTA_BUNDLE)
        elif content != record.get("content_sha256"):
            message = f"{where}: the entry's hash differs from the event's content_sha256"
            problem(number, message, DELTA_BUNDLE)
        else:
            outcome.signed += 1

    for number, line in split_lines(data, problem, first_line):
        seq = None if noted is None else _repeated_line(line, number, noted, secret)
        if seq is not None and noted is not None:
            outcome.lines += 1
            outcome.signed += 1
            outcome.events.append((number, seq, True, noted.leaves[seq - noted.base]))
            continue
        record = loads_canonical(line)
        fast = isinstance(record, dict) and "bundle" in record
        if not fast:
            try:
                record = loads_strict(line)
            except InvalidValue as error:
                problem(number, f"line {number} is not valid JSON: {error.reason}")
                continue
        outcome.lines += 1
        if not isinstance(record, dict) or "bundle" not in record:
            problem(number, f"line {number} is not a log event with a 'bundle' member")
            continue
        bundle = record.pop("bundle")
        seq = record.get("seq")
        if not isinstance(seq, int) or not 0 <= seq < tree_size:
            message = f"not inside the checkpoint's {tree_size} log entries"
            problem(number, f"line {number} (leaf {seq}): {message}", DELTA_RANGE)
            outcome.events.append((number, seq, False, None))
            continue
        rest = jcs_bmp_bytes(record) if fast else None
        event = rest if rest is not None else _canonical_or_none(record)
        event_print = None if event is None else fingerprint(secret, event)
        outcome.events.append((number, seq, True, event_print))
        if bundle is None:
            continue
        content = None
        if rest is not None and len(rest) > 2:
            # A canonical line is `{"bundle":` JCS(bundle) `,` and the rest of JCS(record).
            bundle_bytes = line[len(_BUNDLE_PREFIX) : len(line) - len(rest)]
            known = 0 if noted is None else noted.noted(seq)
            seen = known != 0 and bundle_print(secret, bundle_bytes) == known
            content = canonical_bundle_check(bundle, bundle_bytes, entry_keys, seen)
        if content is None:
            check = line_check(bundle, keys)
            if check.rejected is not None:
                where = f"line {number} (leaf {seq})"
                problem(
                    number, f"{where}: entry signature rejected: {check.rejected}", DELTA_BUNDLE
                )
                continue
            content = check.content_sha256
        entry = bundle["entry"]
        compare(number, seq, (entry.get("entry_id"), entry.get("revision")), content, record)
    return outcome


def _canonical_or_none(record: dict[str, Any]) -> bytes | None:
    try:
        return canonical_bytes(record)
    except InvalidValue:
        return None
