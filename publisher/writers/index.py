"""The feed head: `index.json` (signed, written last) and `keys.json` (DESIGN.md section 5).

The index names every resource of one feed version with its sha256, size and record count,
so a consumer who trusts the index signature can trust every file it fetches.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypedDict

from publisher.writers.atomic import write_atomic
from registry.canonical import canonical_bytes, loads_strict
from registry.errors import Conflict, InvalidValue
from registry.signing.keys import VerificationKey
from registry.signing.signatures import FEED_INDEX_TYPE
from registry.timestamps import format_timestamp

INDEX_FILE = "index.json"
KEYS_FILE = "keys.json"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}\Z")


class Resource(TypedDict):
    """One file of a feed version, as listed in the index."""

    name: str
    path: str
    sha256: str
    size: int
    count: int


# "from" is a keyword, so this TypedDict needs the functional form.
Delta = TypedDict(
    "Delta",
    {"from": int, "to": int, "path": str, "sha256": str, "size": int, "count": int},
)


def _non_negative(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(field, f"must be a non-negative integer, got {value!r}")
    return value


def check_version(version: object, field: str = "version") -> int:
    """Return `version` if it is a non-negative integer feed version."""
    return _non_negative(version, field)


class Counter:
    """Counts the records a stream has produced, readable once the stream is consumed."""

    def __init__(self) -> None:
        self.value = 0


def describe(
    feed_dir: Path, path: Path, name: str, written: tuple[str, int], count: int
) -> Resource:
    """Return the index record of a file written under `feed_dir`."""
    sha256, size = written
    return {
        "name": name,
        "path": path.relative_to(feed_dir).as_posix(),
        "sha256": sha256,
        "size": size,
        "count": count,
    }


def _check_file_fields(record: Mapping[str, Any], field: str) -> None:
    path = record.get("path")
    if not isinstance(path, str) or not path:
        raise InvalidValue(f"{field}.path", "must be a non-empty relative path")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or "\\" in path or ".." in parts:
        raise InvalidValue(f"{field}.path", f"{path!r} must be relative to the feed directory")
    sha256 = record.get("sha256")
    if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256):
        raise InvalidValue(f"{field}.sha256", "must be 64 lowercase hex digits")
    _non_negative(record.get("size"), f"{field}.size")
    _non_negative(record.get("count"), f"{field}.count")


def _check_resources(resources: Sequence[Mapping[str, Any]]) -> list[Resource]:
    checked: list[Resource] = []
    names: set[str] = set()
    for number, record in enumerate(resources):
        field = f"resources[{number}]"
        if not isinstance(record, Mapping) or set(record) != set(Resource.__annotations__):
            reason = f"must have exactly the keys {', '.join(Resource.__annotations__)}"
            raise InvalidValue(field, reason)
        name = record["name"]
        if not isinstance(name, str) or not name:
            raise InvalidValue(f"{field}.name", "must be a non-empty string")
        if name in names:
            raise InvalidValue(f"{field}.name", f"{name!r} is listed twice")
        names.add(name)
        _check_file_fields(record, field)
        checked.append(
            {
                "name": name,
                "path": record["path"],
                "sha256": record["sha256"],
                "size": record["size"],
                "count": record["count"],
            }
        )
    return checked


def _check_delta(delta: Mapping[str, Any], version: int) -> Delta:
    if set(delta) != set(Delta.__annotations__):
        reason = f"must have exactly the keys {', '.join(Delta.__annotations__)}"
        raise InvalidValue("delta", reason)
    start = check_version(delta["from"], "delta.from")
    end = check_version(delta["to"], "delta.to")
    if end != version or start >= end:
        reason = f"must lead from an earlier version to {version}, got {start}-{end}"
        raise InvalidValue("delta", reason)
    _check_file_fields(delta, "delta")
    return {
        "from": start,
        "to": end,
        "path": delta["path"],
        "sha256": delta["sha256"],
        "size": delta["size"],
        "count": delta["count"],
    }


def build_index(
    version: int,
    issued_at: dt.datetime,
    expires: dt.datetime,
    checkpoint_note: str,
    resources: Sequence[Mapping[str, Any]],
    delta: Mapping[str, Any],
) -> dict[str, Any]:
    """Return the `signed` object of an ipl.feed-index/v1 envelope."""
    check_version(version)
    issued = format_timestamp(issued_at, "issued_at")
    expiry = format_timestamp(expires, "expires")
    if expiry <= issued:
        raise InvalidValue("expires", f"{expiry} must be later than issued_at {issued}")
    if not isinstance(checkpoint_note, str) or not checkpoint_note.endswith("\n"):
        reason = "must be the signed checkpoint note text, ending in a newline"
        raise InvalidValue("checkpoint", reason)
    if "\n\n" not in checkpoint_note:
        reason = "has no signature lines; pass the signed note, not just its body"
        raise InvalidValue("checkpoint", reason)
    return {
        "type": FEED_INDEX_TYPE,
        "version": version,
        "issued_at": issued,
        "expires": expiry,
        "checkpoint": checkpoint_note,
        "resources": _check_resources(resources),
        "delta": _check_delta(delta, version),
    }


def _check_envelope(envelope: Mapping[str, Any]) -> int:
    signed = envelope.get("signed")
    if not isinstance(signed, Mapping) or signed.get("type") != FEED_INDEX_TYPE:
        raise InvalidValue("signed.type", f"must be {FEED_INDEX_TYPE!r}")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise InvalidValue("signatures", "the index must carry at least one signature")
    for number, signature in enumerate(signatures):
        if not isinstance(signature, Mapping) or set(signature) != {"kid", "sig"}:
            reason = "must be an object with exactly kid and sig"
            raise InvalidValue(f"signatures[{number}]", reason)
    if set(envelope) != {"signed", "signatures"}:
        raise InvalidValue("envelope", "must have exactly the keys signed and signatures")
    version = check_version(signed.get("version"), "signed.version")
    resources = signed.get("resources")
    if not isinstance(resources, list):
        raise InvalidValue("signed.resources", "must be a list of resource records")
    _check_resources(resources)
    delta = signed.get("delta")
    if not isinstance(delta, Mapping):
        raise InvalidValue("signed.delta", "must be the delta record")
    _check_delta(delta, version)
    return version


def _published_version(path: Path) -> int | None:
    try:
        document = loads_strict(path.read_bytes())
    except FileNotFoundError:
        return None
    except InvalidValue:
        # A damaged head cannot vouch for anything; replacing it is the repair.
        return None
    signed = document.get("signed") if isinstance(document, dict) else None
    version = signed.get("version") if isinstance(signed, dict) else None
    return version if isinstance(version, int) else None


def _check_files_present(feed_dir: Path, signed: Mapping[str, Any]) -> None:
    # The head goes out last: refuse to point consumers at a file that is missing or torn.
    for record in [*signed["resources"], signed["delta"]]:
        path = feed_dir / record["path"]
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise InvalidValue("resources", f"{path} is listed in the index but missing") from None
        if size != record["size"]:
            reason = f"{path} is {size} bytes, the index says {record['size']}"
            raise InvalidValue("resources", reason)


def write_index(feed_dir: str | os.PathLike[str], envelope: Mapping[str, Any]) -> tuple[str, int]:
    """Write the signed index envelope to `index.json` atomically; return (sha256, size)."""
    directory = Path(feed_dir)
    version = _check_envelope(envelope)
    _check_files_present(directory, envelope["signed"])
    target = directory / INDEX_FILE
    published = _published_version(target)
    if published is not None and version < published:
        raise Conflict(
            f"{target} is at version {published}; the feed version never goes back to {version}"
        )
    return write_atomic(target, canonical_bytes(envelope) + b"\n")


def write_keys(
    feed_dir: str | os.PathLike[str],
    public_keys: Iterable[Mapping[str, Any]],
    witness_policy: str | None = None,
) -> tuple[str, int]:
    """Write `keys.json` (every public key record, current and retired) atomically.

    With a witness policy (c2sp.org/tlog-policy text), it is published beside the keys: it names
    the witnesses' cosigner keys and the quorum that offline verifiers check checkpoints against.
    """
    records = []
    for number, record in enumerate(public_keys):
        try:
            VerificationKey.from_record(record)
        except InvalidValue as error:
            raise InvalidValue(f"public_keys[{number}].{error.field}", error.reason) from None
        records.append(dict(record))
    if not records:
        raise InvalidValue("public_keys", "at least one public key must be published")
    document: dict[str, Any] = {"keys": records}
    if witness_policy is not None:
        document["witness_policy"] = witness_policy
    return write_atomic(Path(feed_dir) / KEYS_FILE, canonical_bytes(document) + b"\n")
