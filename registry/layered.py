"""Mappings moved from one list state to the next at the cost of what changed.

A web worker keeps the list state of each log size it serves, with its indexes (entry by id,
identifiers by entry, entries by identifier, persons by key). Ten removals on a registry of a
million entries change ten of each; copying every dict for the new state cost hundreds of
milliseconds of every worker's CPU per change. A `Layered` mapping reads through a base dict
shared by every state moved from it and holds only what was written since (values, deletions,
keys added at the end), so that `moved()` copies that layer alone. When the layer grows past
`FLATTEN_SHARE` of the base it is folded into a new base, once, so lookups stay a dict lookup
or two and each write is paid for a bounded number of times.

A `Layered` behaves as the dict it stands for, order included: a key written in place keeps its
position, a new key (or one deleted then written again) goes to the end.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, MutableMapping, ValuesView
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

# The layer is folded into a new base once it holds more keys than this share of the base
# (and more than FLATTEN_LEAST): a move copies at most about this share, a fold the whole.
FLATTEN_SHARE = 1 / 16
FLATTEN_LEAST = 4096

_MISSING = object()


def moved_from(mapping: Mapping[K, V]) -> Layered[K, V]:
    """A mapping to write for the next state, reading through `mapping`: its layer copied
    when it is a `Layered`, else the dict itself shared. The dict must never be written
    again (a list state's are not, once built)."""
    if isinstance(mapping, Layered):
        return mapping.moved()
    shared: Layered[K, V] = Layered()
    shared._base = mapping if isinstance(mapping, dict) else dict(mapping)
    return shared


class Layered(MutableMapping[K, V]):
    """A dict's contents: a base dict never written again, and this mapping's own layer."""

    __slots__ = ("_base", "_gone", "_over", "_tail")

    def __init__(self, base: Mapping[K, V] | None = None) -> None:
        if isinstance(base, Layered):
            self._base: dict[K, V] = base._base
            self._over: dict[K, V] = dict(base._over)
            self._tail: dict[K, V] = dict(base._tail)
            self._gone: set[K] = set(base._gone)
        else:
            self._base = dict(base) if base is not None else {}
            self._over, self._tail, self._gone = {}, {}, set()

    def moved(self) -> Layered[K, V]:
        """A copy to write for the next state: this layer copied, or everything folded."""
        layer = len(self._over) + len(self._tail) + len(self._gone)
        if layer > max(FLATTEN_LEAST, len(self._base) * FLATTEN_SHARE):
            return moved_from(dict(self._items()))
        return Layered(self)

    def __getitem__(self, key: K) -> V:
        value = self._tail.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        if key in self._gone:
            raise KeyError(key)
        value = self._over.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        if key in self._tail:
            return True
        return key not in self._gone and key in self._base

    def __setitem__(self, key: K, value: V) -> None:
        if key in self._tail or key in self._gone or key not in self._base:
            self._tail[key] = value
        else:
            self._over[key] = value

    def __delitem__(self, key: K) -> None:
        if key in self._tail:
            del self._tail[key]
        elif key in self._base and key not in self._gone:
            self._gone.add(key)
            self._over.pop(key, None)
        else:
            raise KeyError(key)

    def __len__(self) -> int:
        return len(self._base) - len(self._gone) + len(self._tail)

    def __iter__(self) -> Iterator[K]:
        if self._gone:
            gone = self._gone
            yield from (key for key in self._base if key not in gone)
        else:
            yield from self._base
        yield from self._tail

    def items(self) -> ItemsView[K, V]:
        return _Items(self)

    def values(self) -> ValuesView[V]:
        return _Values(self)

    def _items(self) -> Iterator[tuple[K, V]]:
        """(key, value) in the dict's order, without a look-up per key where nothing was
        written over the base."""
        if self._over or self._gone:
            over, gone = self._over, self._gone
            for key, value in self._base.items():
                if key not in gone:
                    yield key, over.get(key, value)
        else:
            yield from self._base.items()
        yield from self._tail.items()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(self) == len(other) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"Layered({dict(self.items())!r})"


class _Items(ItemsView[K, V]):
    _mapping: Layered[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        return self._mapping._items()


class _Values(ValuesView[V]):
    _mapping: Layered[object, V]

    def __iter__(self) -> Iterator[V]:
        for _, value in self._mapping._items():
            yield value
