"""Bar charts as geometry for inline SVG: categories and series of numbers in, rectangles
and texts out.

Enters: category labels (star levels, departments, period labels) and one or more series
of exact numbers, one value per category. Leaves: a :class:`Chart` whose bars and texts
carry pixel positions; the HTML template (``templates/chart.svg.j2``) draws it, so the
page needs no chart library and no network. Several series are stacked: positive values
away from zero on one side, negative ones on the other.

Positions are floats: they place pixels and are never shown as results. Every number a
chart shows is written by :func:`~.values.show` from the exact value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import ceil

from ..i18n import _
from ..language.diagnostics import display_width
from .values import show

WIDTH = 640.0  # the viewBox width; the page scales the chart to its column
CHAR = 6.6  # pixels one display column of chart text takes at the chart's font size
ROW = 22.0  # a horizontal chart's row
BAR = 14.0  # a horizontal bar's thickness
COLUMNS_HEIGHT = 180.0  # a column chart's plot area
LABEL_BAND = 18.0  # under a column chart: the category labels
VALUE_BAND = 16.0  # above and below a column chart's plot: the totals
MAX_COLUMN = 44.0  # the widest column, so that two periods do not fill the whole width


@dataclass(frozen=True)
class Series:
    """One row of numbers (one per category), drawn in one tone (a CSS class), unless
    ``tones`` gives each category its own (the star distribution: one tone per level)."""

    name: str
    values: Sequence[Decimal | int]
    tone: str = "plain"
    tones: Sequence[str] | None = None

    def tone_of(self, index: int) -> str:
        return self.tones[index] if self.tones is not None else self.tone


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    tone: str
    title: str  # the tooltip: category, series and exact value


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # SVG text-anchor
    role: str = "label"  # CSS class: label (a category) or value (a total)


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    # The zero line: (x1, y1, x2, y2).
    axis: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (tone, series name)


class _Scale:
    """Maps values from ``low`` to ``high`` (0 always inside) onto ``length`` pixels."""

    def __init__(self, low: Decimal, high: Decimal, start: float, length: float) -> None:
        self.low, self.start = float(low), start
        span = float(high - low)
        self.per_unit = length / span if span else 0.0

    def at(self, value: Decimal | float) -> float:
        return self.start + (float(value) - self.low) * self.per_unit


def _stacks(series: Sequence[Series], count: int) -> tuple[list[Decimal], list[Decimal]]:
    """Per category, the sum of its negative and of its positive values."""
    lows = [sum((Decimal(min(s.values[i], 0)) for s in series), Decimal(0)) for i in range(count)]
    highs = [sum((Decimal(max(s.values[i], 0)) for s in series), Decimal(0)) for i in range(count)]
    return lows, highs


def _segments(
    series: Sequence[Series], index: int, place: Callable[[Decimal, Decimal], tuple], label: str
) -> list[Bar]:
    """The stacked segments of one category: ``place(start, end)`` gives a segment's
    rectangle from the running totals it spans; a zero value draws nothing."""
    below = above = Decimal(0)
    bars = []
    for one in series:
        value = Decimal(one.values[index])
        if value == 0:
            continue
        if value > 0:
            start, end, above = above, above + value, above + value
        else:
            start, end, below = below + value, below, below + value
        if len(series) == 1:
            title = _("{category}: {value}").format(category=label, value=show(value))
        else:
            title = _("{category} {series}: {value}").format(
                category=label, series=one.name, value=show(value)
            )
        bars.append(Bar(*place(start, end), one.tone_of(index), title))
    return bars


def _text_width(text: str) -> float:
    return display_width(text) * CHAR


def _legend(series: Sequence[Series]) -> list[tuple[str, str]]:
    return [(one.tone, one.name) for one in series] if len(series) > 1 else []


def horizontal_bars(categories: Sequence[str], series: Sequence[Series]) -> Chart:
    """One row per category, its label on the left and its total after the bar."""
    count = len(categories)
    lows, highs = _stacks(series, count)
    totals = [show(sum((Decimal(s.values[i]) for s in series), Decimal(0))) for i in range(count)]
    label_width = min(max((_text_width(c) for c in categories), default=0.0) + 10, WIDTH / 3)
    value_width = max((_text_width(t) for t in totals), default=0.0) + 12
    scale = _Scale(
        min(lows, default=Decimal(0)), max(highs, default=Decimal(0)),
        label_width, WIDTH - label_width - value_width,
    )  # fmt: skip
    bars: list[Bar] = []
    texts: list[Text] = []
    for i, category in enumerate(categories):
        top = 3 + ROW * i
        bar_top = top + (ROW - BAR) / 2

        def place(start: Decimal, end: Decimal, bar_top: float = bar_top) -> tuple:
            return (scale.at(start), bar_top, scale.at(end) - scale.at(start), BAR)

        bars += _segments(series, i, place, category)
        middle = top + ROW / 2 + 4
        texts.append(Text(label_width - 8, middle, category, "end"))
        texts.append(Text(scale.at(highs[i]) + 4, middle, totals[i], "start", "value"))
    height = ROW * count + 6
    zero = scale.at(0)
    return Chart(WIDTH, height, bars, texts, (zero, 0.0, zero, height), _legend(series))


def column_bars(categories: Sequence[str], series: Sequence[Series]) -> Chart:
    """One column per category (a period), left to right, its total above it (below it
    when negative); labels are thinned out when the columns are too narrow for them all."""
    count = len(categories)
    lows, highs = _stacks(series, count)
    totals = [sum((Decimal(s.values[i]) for s in series), Decimal(0)) for i in range(count)]
    slot = WIDTH / max(count, 1)
    width = min(slot * 0.7, MAX_COLUMN)
    low, high = min(lows, default=Decimal(0)), max(highs, default=Decimal(0))
    plot_top = VALUE_BAND
    bottom = plot_top + COLUMNS_HEIGHT
    # Values grow upwards: the scale runs from the bottom of the plot to its top.
    scale = _Scale(low, high, bottom, -COLUMNS_HEIGHT)
    widest_label = max((_text_width(c) for c in categories), default=0.0) + 8
    every = max(1, ceil(widest_label / slot))
    height = bottom + (VALUE_BAND if low < 0 else 0) + LABEL_BAND
    bars: list[Bar] = []
    texts: list[Text] = []
    for i, category in enumerate(categories):
        centre = slot * i + slot / 2

        def place(start: Decimal, end: Decimal, centre: float = centre) -> tuple:
            return (centre - width / 2, scale.at(end), width, scale.at(start) - scale.at(end))

        bars += _segments(series, i, place, category)
        total = show(totals[i])
        if _text_width(total) <= slot:
            below = totals[i] < 0
            y = scale.at(lows[i]) + 12 if below else scale.at(highs[i]) - 4
            texts.append(Text(centre, y, total, "middle", "value"))
        if i % every == 0:
            texts.append(Text(centre, height - 5, category, "middle"))
    zero = scale.at(0)
    return Chart(WIDTH, height, bars, texts, (0.0, zero, WIDTH, zero), _legend(series))


__all__ = ["Bar", "Chart", "Series", "Text", "column_bars", "horizontal_bars"]
