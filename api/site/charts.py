"""Bar-chart geometry for server-rendered SVG: numbers only, the template draws them.

Coordinates are in the SVG's own units (the viewBox); the browser scales the drawing to the
page width, so one layout serves phones and desktops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
ROW_HEIGHT = 28
BAR_THICKNESS = 18
LABEL_WIDTH = 200
VALUE_GAP = 6
VALUE_ROOM = 48
COLUMN_PLOT_HEIGHT = 200
COLUMN_TOP = 24
COLUMN_AXIS_ROOM = 28
MAX_COLUMN_LABELS = 8
MAX_COLUMN_VALUES = 24


@dataclass(frozen=True)
class Bar:
    """One bar: its rectangle, its label's anchor and its value's anchor."""

    label: str
    value: int
    x: int
    y: int
    width: int
    height: int
    label_x: int
    label_y: int
    value_x: int
    value_y: int
    show_label: bool
    show_value: bool


@dataclass(frozen=True)
class BarChart:
    """A laid-out chart: its viewBox size and its bars; `horizontal` says which way bars run."""

    width: int
    height: int
    horizontal: bool
    bars: tuple[Bar, ...]
    baseline_y: int

    @property
    def total(self) -> int:
        """The sum of all bar values."""
        return sum(bar.value for bar in self.bars)


def _scale(value: int, largest: int, room: int) -> int:
    # A non-zero value always gets at least one unit so it is visible next to a zero.
    if largest <= 0 or value <= 0:
        return 0
    return max(1, round(room * value / largest))


def horizontal_bars(data: Sequence[tuple[str, int]]) -> BarChart:
    """One labelled row per item, bars growing to the right; suits named categories."""
    largest = max((value for _, value in data), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for row, (label, value) in enumerate(data):
        top = row * ROW_HEIGHT + (ROW_HEIGHT - BAR_THICKNESS) // 2
        length = _scale(value, largest, room)
        middle = row * ROW_HEIGHT + ROW_HEIGHT // 2 + 5
        bars.append(
            Bar(
                label=label,
                value=value,
                x=LABEL_WIDTH,
                y=top,
                width=length,
                height=BAR_THICKNESS,
                label_x=LABEL_WIDTH - VALUE_GAP,
                label_y=middle,
                value_x=LABEL_WIDTH + length + VALUE_GAP,
                value_y=middle,
                show_label=True,
                show_value=True,
            )
        )
    height = max(len(data), 1) * ROW_HEIGHT
    return BarChart(WIDTH, height, True, tuple(bars), height)


def columns(data: Sequence[tuple[str, int]]) -> BarChart:
    """One column per item, in order, growing upwards; suits a time series such as months."""
    count = max(len(data), 1)
    largest = max((value for _, value in data), default=0)
    slot = WIDTH / count
    thickness = max(2, math.floor(slot * 0.7))
    baseline = COLUMN_TOP + COLUMN_PLOT_HEIGHT
    # Label every n-th column so that labels never overlap, always including the last one.
    label_every = max(1, math.ceil(len(data) / MAX_COLUMN_LABELS))
    bars = []
    for index, (label, value) in enumerate(data):
        height = _scale(value, largest, COLUMN_PLOT_HEIGHT)
        left = math.floor(index * slot + (slot - thickness) / 2)
        centre = left + thickness // 2
        bars.append(
            Bar(
                label=label,
                value=value,
                x=left,
                y=baseline - height,
                width=thickness,
                height=height,
                label_x=centre,
                label_y=baseline + 18,
                value_x=centre,
                value_y=baseline - height - 4,
                show_label=(len(data) - 1 - index) % label_every == 0,
                show_value=len(data) <= MAX_COLUMN_VALUES and value > 0,
            )
        )
    return BarChart(WIDTH, baseline + COLUMN_AXIS_ROOM, False, tuple(bars), baseline)


def month_series(counts: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Fill the months missing between the first and last "YYYY-MM" key with zeros."""
    if not counts:
        return []
    known = dict(counts)
    year, month = map(int, counts[0][0].split("-"))
    last = counts[-1][0]
    series = []
    while True:
        key = f"{year:04d}-{month:02d}"
        series.append((key, known.get(key, 0)))
        if key >= last:
            return series
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
