"""An append-only Merkle log kept as c2sp.org/tlog-tiles in a TileStore.

Only the tile hashes are kept (256 leaf hashes per level-0 tile, one hash per full tile
at each level above); the levels in between are recomputed from one tile when needed.
Appending touches the rightmost tile of each level only, so it costs amortised O(1)
hashes, and any root or proof reads O(log n) tiles instead of rehashing the leaves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from registry.errors import InvalidValue
from registry.ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from registry.ledger.proofs import consistency_proof, inclusion_proof
from registry.ledger.tiles import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileRef,
    TileStore,
    TileUnavailable,
    decode_bundle,
    encode_bundle,
)

# Full tiles never change, so their inner levels can be kept; this many tiles (about 33 kB
# each) covers every tile a proof touches even in a log of billions of leaves.
CACHED_TILES = 32


def tile_levels(hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Return the Merkle levels inside one tile, from its hashes up to its root."""
    # levels[r][j] is the root of the aligned run of 2**r hashes starting at j * 2**r; in a
    # partial tile an unpaired last node is not carried up, so only complete runs appear.
    levels = [list(hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


class TiledLog:
    """The log at its current size; `flush()` writes the partial tiles for that size."""

    def __init__(self, store: TileStore, size: int = 0) -> None:
        if size < 0:
            raise InvalidValue(
                "size",
                "must not be negative, got %(size)s",
                size=size,
            )
        self._store = store
        self._size = size
        # _edge[L] holds the hashes of the rightmost, not yet full, tile at level L.
        self._edge: list[list[bytes]] = []
        self._pending_entries: list[bytes] = []
        self._full_tiles: OrderedDict[tuple[int, int], list[list[bytes]]] = OrderedDict()
        self._edge_levels: dict[int, list[list[bytes]]] = {}  # until the next append
        self._resume()

    @property
    def size(self) -> int:
        """The number of leaves in the log."""
        return self._size

    def _resume(self) -> None:
        """Load the rightmost partial tiles of every level, as flushed at this size."""
        level = 0
        while self._size >> (TILE_HEIGHT * level):
            width = (self._size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            index = self._size >> (TILE_HEIGHT * (level + 1))
            hashes: list[bytes] = []
            if width:
                data = self._read(TileRef(level, index, width), width * HASH_SIZE)
                hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
            self._edge.append(hashes)
            level += 1
        width = self._size % TILE_WIDTH
        if width:
            ref = TileRef(None, self._size // TILE_WIDTH, width)
            self._pending_entries = self._read_bundle(ref, width)

    def _read(self, ref: TileRef, length: int) -> bytes:
        data = self._store.read(ref.path)
        if data is None:
            raise TileUnavailable(
                "%(ref_path)s is missing from the tile store",
                ref_path=ref.path,
            )
        if len(data) != length:
            raise TileUnavailable(
                "%(ref_path)s holds %(data_count)s bytes, expected %(length)s",
                ref_path=ref.path,
                data_count=len(data),
                length=length,
            )
        return data

    def _read_bundle(self, ref: TileRef, count: int) -> list[bytes]:
        data = self._store.read(ref.path)
        if data is None:
            raise TileUnavailable(
                "%(ref_path)s is missing from the tile store",
                ref_path=ref.path,
            )
        entries = decode_bundle(data)
        if len(entries) != count:
            raise TileUnavailable(
                "%(ref_path)s holds %(entries_count)s entries, expected %(count)s",
                ref_path=ref.path,
                entries_count=len(entries),
                count=count,
            )
        return entries

    def append(self, entry: bytes) -> int:
        """Append one entry (the leaf bytes) and return its index."""
        if len(entry) > MAX_ENTRY_SIZE:
            raise InvalidValue(
                "entry",
                "is %(entry_count)s bytes; the limit is %(MAX_ENTRY_SIZE)s",
                entry_count=len(entry),
                MAX_ENTRY_SIZE=MAX_ENTRY_SIZE,
            )
        index = self._size
        self._size += 1
        self._edge_levels.clear()
        self._pending_entries.append(entry)
        if len(self._pending_entries) == TILE_WIDTH:
            bundle = encode_bundle(self._pending_entries)
            self._store.write(TileRef(None, index // TILE_WIDTH).path, bundle)
            self._pending_entries = []
        self._push(0, leaf_hash(entry))
        return index

    def append_leaf_hash(self, hash_: bytes) -> int:
        """Append one entry by its leaf hash alone (computed elsewhere); return its index.

        For a replay that checks the entries itself: the log keeps no entry bundle for the
        entries appended this way, only the hash tiles.
        """
        if len(hash_) != HASH_SIZE:
            raise InvalidValue(
                "hash",
                "is %(size)s bytes; a leaf hash is %(expected)s",
                size=len(hash_),
                expected=HASH_SIZE,
            )
        index = self._size
        self._size += 1
        self._edge_levels.clear()
        self._push(0, hash_)
        return index

    def extend_leaf_hashes(self, hashes: Iterable[bytes]) -> int:
        """Append entries by their leaf hashes, in order (see append_leaf_hash); the new size."""
        for hash_ in hashes:
            self.append_leaf_hash(hash_)
        return self._size

    def extend(self, entries: Iterable[bytes]) -> int:
        """Append entries in order and return the new size."""
        for entry in entries:
            self.append(entry)
        return self._size

    def _push(self, level: int, hash_: bytes) -> None:
        while True:
            if level == len(self._edge):
                self._edge.append([])
            edge = self._edge[level]
            edge.append(hash_)
            if len(edge) < TILE_WIDTH:
                return
            index = (self._size >> (TILE_HEIGHT * (level + 1))) - 1
            self._store.write(TileRef(level, index).path, b"".join(edge))
            levels = tile_levels(edge)
            self._remember(level, index, levels)
            hash_ = levels[-1][0]
            self._edge[level] = []
            level += 1

    def flush(self) -> None:
        """Write the partial tiles and entry bundle that describe the log at its current size."""
        for level, edge in enumerate(self._edge):
            if edge:
                index = self._size >> (TILE_HEIGHT * (level + 1))
                self._store.write(TileRef(level, index, len(edge)).path, b"".join(edge))
        if self._pending_entries:
            ref = TileRef(None, self._size // TILE_WIDTH, len(self._pending_entries))
            self._store.write(ref.path, encode_bundle(self._pending_entries))

    def _remember(self, level: int, index: int, levels: list[list[bytes]]) -> None:
        self._full_tiles[(level, index)] = levels
        self._full_tiles.move_to_end((level, index))
        while len(self._full_tiles) > CACHED_TILES:
            self._full_tiles.popitem(last=False)

    def _full_tile_levels(self, level: int, index: int) -> list[list[bytes]]:
        levels = self._full_tiles.get((level, index))
        if levels is None:
            data = self._read(TileRef(level, index), TILE_WIDTH * HASH_SIZE)
            levels = tile_levels([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])
        self._remember(level, index, levels)
        return levels

    def _aligned_hash(self, start: int, height: int) -> bytes:
        """Return the hash of the complete subtree of 2**height leaves starting at `start`."""
        level, rest = divmod(height, TILE_HEIGHT)
        first = start >> (TILE_HEIGHT * level)  # position among the level's hashes
        tile_index, offset = divmod(first, TILE_WIDTH)
        if tile_index < self._size >> (TILE_HEIGHT * (level + 1)):
            return self._full_tile_levels(level, tile_index)[rest][offset >> rest]
        # The rightmost tile is still open; its levels hold until the next append.
        levels = self._edge_levels.get(level)
        if levels is None:
            levels = self._edge_levels[level] = tile_levels(self._edge[level])
        return levels[rest][offset >> rest]

    def subtree_hash(self, start: int, end: int) -> bytes:
        """Return MTH(D[start:end]) for the ranges RFC 9162 proofs use (start aligned)."""
        if not 0 <= start < end <= self._size:
            raise InvalidValue(
                "range",
                "[%(start)s, %(end)s) is not inside a log of size %(size)s",
                start=start,
                end=end,
                size=self._size,
            )
        pieces = []
        while start < end:
            height = (end - start).bit_length() - 1
            if start:
                height = min(height, (start & -start).bit_length() - 1)
            pieces.append(self._aligned_hash(start, height))
            start += 1 << height
        result = pieces.pop()
        while pieces:
            result = node_hash(pieces.pop(), result)
        return result

    def _checked_size(self, size: int | None, field: str = "tree_size") -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise InvalidValue(
                field,
                "must be between 0 and the log size %(size)s, got %(size2)s",
                size=self._size,
                size2=size,
            )
        return size

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash of the log at `size` leaves (default: now)."""
        size = self._checked_size(size)
        return self.subtree_hash(0, size) if size else EMPTY_ROOT

    def leaf_hash(self, index: int) -> bytes:
        """Return the leaf hash at `index`."""
        if not 0 <= index < self._size:
            raise InvalidValue(
                "index",
                "must be between 0 and %(last)s, got %(index)s",
                last=self._size - 1,
                index=index,
            )
        return self._aligned_hash(index, 0)

    def entry(self, index: int) -> bytes:
        """Return the entry (leaf bytes) at `index`."""
        if not 0 <= index < self._size:
            raise InvalidValue(
                "index",
                "must be between 0 and %(last)s, got %(index)s",
                last=self._size - 1,
                index=index,
            )
        tile_index, offset = divmod(index, TILE_WIDTH)
        if tile_index < self._size // TILE_WIDTH:
            return self._read_bundle(TileRef(None, tile_index), TILE_WIDTH)[offset]
        return self._pending_entries[offset]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of leaf `index` in the log at `size` leaves."""
        return inclusion_proof(index, self._checked_size(size), self.subtree_hash)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Return the proof that the log at size1 is a prefix of the log at size2."""
        size2 = self._checked_size(size2, "size2")
        return consistency_proof(size1, size2, self.subtree_hash)
