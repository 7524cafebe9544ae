"""Columns of small integers, one value per entry of a list, moved with the list's changes.

A filter over a million entries tested in Python costs about a second; the same filter as
one comparison of a numpy column costs about a millisecond. The site's search table and the
read API's public list keep such columns per list state. A state moved from the previous one
changes a few entries, so its columns are the previous ones with the changed entries'
positions taken out and put in again: a copy in C, not a pass in Python. Columns are never
written once made, so every state moved from one may share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Column = npt.NDArray[Any]


def frozen(column: Column) -> Column:
    """`column`, made read-only: the columns moved from it may share it."""
    column.flags.writeable = False
    return column


def moved(
    column: Column, removed: Sequence[int], added: Sequence[int], values: Iterable[int]
) -> Column:
    """`column` without the values at the positions `removed`, with `values` at `added`.

    `removed` are positions in `column`; `added` are the positions (ascending) the new values
    take in the result, one per value.
    """
    if not removed and not added:
        return column
    # Each value goes before the one now at its place, less those added before it.
    at = [position - earlier for earlier, position in enumerate(added)]
    inserted = np.fromiter(values, column.dtype, len(added))
    return frozen(np.insert(np.delete(column, removed), at, inserted))


class Names:
    """Text values numbered for a column of int32: `names[number]` is the text of a number.

    A moved column's numbering keeps every number it had and adds new ones at the end, so
    it may hold names that no entry has any more.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.number = {name: place for place, name in enumerate(self.names)}

    @classmethod
    def of(cls, values: Iterable[str]) -> Names:
        """The distinct `values`, numbered in sorted order."""
        return cls(sorted(set(values)))

    def extended(self, values: Iterable[str]) -> Names:
        """These names and the new ones among `values`."""
        new = [value for value in dict.fromkeys(values) if value not in self.number]
        return Names([*self.names, *new]) if new else self

    def column(self, values: Iterable[str], count: int) -> Column:
        """The numbers of `values` (every one numbered here), as a read-only column."""
        return frozen(np.fromiter(map(self.number.__getitem__, values), np.int32, count))

    def where(self, accepts: Callable[[str], bool]) -> Column:
        """For each number, whether its name is accepted: index it with a column."""
        return np.fromiter(map(accepts, self.names), np.bool_, len(self.names))
