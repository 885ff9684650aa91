"""output/charts.py: bar chart geometry for the HTML report's inline SVG."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from starrating.output.charts import Series, column_bars, horizontal_bars


def test_horizontal_bars_are_proportional_and_labelled() -> None:
    chart = horizontal_bars(
        ["前台", "收银"], [Series("reward", [Decimal("300"), Decimal("100.5")])]
    )
    first, second = chart.bars
    assert first.y < second.y and first.x == second.x
    assert abs(first.width / second.width - 300 / 100.5) < 1e-9
    assert [t.text for t in chart.texts] == ["前台", "300", "收银", "100.5"]
    assert first.title == "前台: 300" and chart.legend == []
    assert first.x + first.width <= chart.width


def test_stacked_segments_follow_each_other() -> None:
    levels = [Series("5 ★", [1, 0], "s5"), Series("3 ★", [2, 4], "s3")]
    chart = horizontal_bars(["a", "b"], levels)
    # a: 5 ★ then 3 ★ beside it; b: only 3 ★ (a zero draws nothing).
    a5, a3, b3 = chart.bars
    assert (a5.tone, a3.tone, b3.tone) == ("s5", "s3", "s3")
    assert a3.x == a5.x + a5.width and b3.x == a5.x
    assert a5.title == "a 5 ★: 1"
    assert [t.text for t in chart.texts if t.role == "value"] == ["3", "4"]
    assert chart.legend == [("s5", "5 ★"), ("s3", "3 ★")]


def test_columns_go_below_the_axis_for_negative_totals() -> None:
    chart = column_bars(["W1", "W2"], [Series("net", [Decimal(4), Decimal(-2)], "net")])
    up, down = chart.bars
    axis_y = chart.axis[1]
    assert up.y + up.height == axis_y and down.y == axis_y
    assert abs(up.height / down.height - 2) < 1e-9
    assert up.x < down.x


def test_crowded_column_labels_are_thinned_but_every_column_is_drawn() -> None:
    weeks = [f"2026-W{n:02d}" for n in range(1, 53)]
    chart = column_bars(weeks, [Series("net", [1] * 52, "net")])
    assert len(chart.bars) == 52
    labels = [t.text for t in chart.texts if t.role == "label"]
    assert labels[0] == "2026-W01" and 5 < len(labels) < 52
    # Labels that are shown do not overlap: their centres are far enough apart.
    centres = [t.x for t in chart.texts if t.role == "label"]
    assert min(b - a for a, b in pairwise(centres)) >= 8 * 6.6
