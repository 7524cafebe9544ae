"""The static layout of the log (c2sp.org/tlog-tiles): tile paths, entry bundles, tile stores.

A tile is 256 consecutive Merkle tree hashes at one level; level 0 holds leaf hashes and
level L holds the roots of full tiles at level L-1. The rightmost tile of each level is
partial (`.p/<W>`). Every path names immutable content, so a store refuses to overwrite a
path with different bytes: that would mean the log forked.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from registry.errors import Conflict, DomainError, InvalidValue

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16 length

_LEVEL = re.compile(r"(0|[1-9][0-9]?)\Z")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}\Z")


class TileUnavailable(DomainError):
    """A tile or entry bundle the log needs is missing from the store or damaged."""

    code = "tile_unavailable"


@dataclass(frozen=True)
class TileRef:
    """One tile: `level` None means the entry bundle of that index."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def path(self) -> str:
        """The tile's path relative to the log prefix, e.g. `tile/0/x001/234.p/7`."""
        kind = "entries" if self.level is None else str(self.level)
        suffix = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """Encode a tile index as 3-digit path elements, all but the last prefixed with `x`."""
    if index < 0:
        raise InvalidValue(
            "index",
            "tile index must not be negative, got %(index)s",
            index=index,
        )
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def hash_tile(level: int, index: int, width: int = TILE_WIDTH) -> TileRef:
    """Return the reference of a Merkle hash tile, validating its coordinates."""
    if not 0 <= level <= MAX_LEVEL:
        raise InvalidValue(
            "level",
            "must be between 0 and %(MAX_LEVEL)s, got %(level)s",
            MAX_LEVEL=MAX_LEVEL,
            level=level,
        )
    return _checked(TileRef(level, index, width))


def entries_tile(index: int, width: int = TILE_WIDTH) -> TileRef:
    """Return the reference of an entry bundle, validating its coordinates."""
    return _checked(TileRef(None, index, width))


def _checked(ref: TileRef) -> TileRef:
    if ref.index < 0:
        raise InvalidValue(
            "index",
            "tile index must not be negative, got %(ref_index)s",
            ref_index=ref.index,
        )
    if not 1 <= ref.width <= TILE_WIDTH:
        raise InvalidValue(
            "width",
            "must be between 1 and %(TILE_WIDTH)s, got %(width)s",
            TILE_WIDTH=TILE_WIDTH,
            width=ref.width,
        )
    return ref


def parse_tile_path(path: str) -> TileRef:
    """Parse `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`; only canonical forms."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise InvalidValue(
            "path",
            "%(path)r does not start with tile/<level>/",
            path=path,
        )
    width = TILE_WIDTH
    if len(parts) >= 4 and parts[-2].endswith(".p"):
        if not _WIDTH.match(parts[-1]) or int(parts[-1]) >= TILE_WIDTH:
            raise InvalidValue(
                "path",
                "partial width %(parts)r must be 1 to 255",
                parts=parts[-1],
            )
        width = int(parts[-1])
        parts = [*parts[:-2], parts[-2][:-2]]
    if parts[1] == "entries":
        level = None
    elif _LEVEL.match(parts[1]) and int(parts[1]) <= MAX_LEVEL:
        level = int(parts[1])
    else:
        raise InvalidValue(
            "path",
            "level %(parts)r must be 'entries' or 0 to %(MAX_LEVEL)s",
            parts=parts[1],
            MAX_LEVEL=MAX_LEVEL,
        )
    digits = "".join(part.removeprefix("x") for part in parts[2:])
    if not digits.isdecimal() or not digits.isascii():
        raise InvalidValue(
            "path",
            "tile index in %(path)r is not made of digits",
            path=path,
        )
    ref = TileRef(level, int(digits), width)
    if ref.path != path:
        raise InvalidValue(
            "path",
            "%(path)r is not canonical; expected %(ref_path)r",
            path=path,
            ref_path=ref.path,
        )
    return ref


def tiles_written_since(old_size: int, new_size: int) -> list[TileRef]:
    """Every tile a log growing from `old_size` to `new_size` leaves may have written.

    That is, per level (and for the entry bundles), each tile from the one that was partial
    at `old_size` on, at every width it may have had on the way (each append may flush
    partial tiles, `TiledLog.flush`); the tiles of the log at `old_size` come first. Some of
    them may never have been written (a bulk append flushes once). Empty unless it grew.
    """
    refs: list[TileRef] = []
    for level in (None, *range(MAX_LEVEL + 1)):
        shift = TILE_HEIGHT * (level or 0)
        old, new = old_size >> shift, new_size >> shift
        if new <= old:
            if level is not None:
                break  # this level did not grow, and no level above it did
            continue
        for index in range(old // TILE_WIDTH, (new - 1) // TILE_WIDTH + 1):
            start = index * TILE_WIDTH
            low, high = max(old - start, 1), min(new - start, TILE_WIDTH)
            refs.extend(TileRef(level, index, width) for width in range(low, high + 1))
    return refs


def encode_bundle(entries: list[bytes]) -> bytes:
    """Encode entries as an entry bundle: each entry prefixed by its big-endian uint16 length."""
    chunks = []
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise InvalidValue(
                "entry",
                "entry %(position)s is %(size)s bytes; the limit is %(limit)s",
                position=position,
                size=len(entry),
                limit=MAX_ENTRY_SIZE,
            )
        chunks.append(len(entry).to_bytes(2, "big"))
        chunks.append(entry)
    return b"".join(chunks)


def decode_bundle(data: bytes) -> list[bytes]:
    """Decode an entry bundle into its entries."""
    entries = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise InvalidValue(
                "bundle",
                "truncated length prefix at offset %(offset)s",
                offset=offset,
            )
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise InvalidValue(
                "bundle",
                "entry at offset %(last)s claims %(length)s bytes",
                last=offset - 2,
                length=length,
            )
        entries.append(data[offset : offset + length])
        offset += length
    if len(entries) > TILE_WIDTH:
        raise InvalidValue(
            "bundle",
            "holds %(entries_count)s entries; a bundle has at most 256",
            entries_count=len(entries),
        )
    return entries


class TileStore(Protocol):
    """Where tiles live; paths are relative to the log prefix (`tile/...`)."""

    def read(self, path: str) -> bytes | None:
        """Return the bytes stored at `path`, or None if there are none."""
        ...

    def write(self, path: str, data: bytes) -> None:
        """Store `data` at `path` once; raise Conflict if different bytes are already there."""
        ...


def _refuse_rewrite(path: str) -> Conflict:
    return Conflict(
        "%(path)s already holds different bytes: tiles are immutable, the log would fork",
        path=path,
    )


class MemoryTileStore:
    """A TileStore in a dict, for tests and benchmarks."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def read(self, path: str) -> bytes | None:
        """Return the bytes stored at `path`, or None."""
        return self.files.get(path)

    def write(self, path: str, data: bytes) -> None:
        """Store `data` at `path` once."""
        existing = self.files.get(path)
        if existing is not None and existing != data:
            raise _refuse_rewrite(path)
        self.files[path] = bytes(data)


class DirectoryTileStore:
    """A TileStore on disk, laid out exactly as served (`<root>/tile/...`)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _file(self, path: str) -> Path:
        ref = parse_tile_path(path)  # also keeps '..' and absolute paths out of the store
        return self.root / ref.path

    def read(self, path: str) -> bytes | None:
        """Return the bytes stored at `path`, or None."""
        try:
            return self._file(path).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, path: str, data: bytes) -> None:
        """Store `data` at `path` once, atomically."""
        target = self._file(path)
        existing = self.read(path)
        if existing is not None:
            if existing != data:
                raise _refuse_rewrite(path)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tile-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            # Tiles are public: readable by the web server, not only by the publisher.
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
