"""shortener/clicks/charts.py: the time chart's geometry (round y ticks, readable x labels, empty
state), its SVG (accessible, no inline style), share bars and sparklines."""

from datetime import date, datetime, timedelta

import pytest

from shortener.clicks import charts
from shortener.clicks.charts import NARROW, WIDE, share_bar, sparkline, time_chart, time_chart_geometry
from shortener.clicks.stats import Point


def days(*pairs, first=date(2026, 1, 1)):
    return [Point(first + timedelta(days=index), (first + timedelta(days=index)).strftime("%b %d"), *pair)
            for index, pair in enumerate(pairs)]


def hours(count=24):
    first = datetime(2026, 1, 1, 0)
    return [Point(first + timedelta(hours=h), f"{h:02d}:00", 0, 0) for h in range(count)]


@pytest.mark.parametrize(("peak", "ticks"), [
    (1, [0, 1]), (3, [0, 1, 2, 3]), (4, [0, 1, 2, 3, 4]), (5, [0, 2, 4, 6]), (7, [0, 2, 4, 6, 8]),
    (10, [0, 5, 10]), (19, [0, 5, 10, 15, 20]), (251, [0, 100, 200, 300]), (1000, [0, 500, 1000]),
    (12_345, [0, 5000, 10_000, 15_000]),
])
def test_y_ticks_are_round_and_cover_the_peak(peak, ticks):
    assert charts.y_values(peak) == ticks


def test_y_tick_labels_are_short_and_gridlines_span_the_plot():
    chart = time_chart_geometry(days((12_000, 345)), "day")
    assert [tick.label for tick in chart.y_ticks] == ["0", "5,000", "10k", "15k"]
    assert chart.y_ticks[0].position == WIDE.height - WIDE.bottom  # zero on the baseline
    assert chart.y_ticks[-1].position == pytest.approx(WIDE.top)  # the top tick at the plot's top


def test_bars_stack_bots_on_humans_and_scale_to_the_top_tick():
    chart = time_chart_geometry(days((5, 5), (0, 0), (2, 0)), "day")
    plot_height = WIDE.height - WIDE.top - WIDE.bottom
    first = chart.bars[0]
    assert first.humans_height == pytest.approx(plot_height / 2)  # 5 of the top tick, 10
    assert first.bots_y + first.bots_height == pytest.approx(first.humans_y)
    assert first.title == "Jan 01: 5 human, 5 bot"
    assert chart.bars[1].humans_height == 0 and not chart.empty


@pytest.mark.parametrize(("points", "bucket", "frame", "labels"), [
    (hours(), "hour", WIDE, ["02:00", "05:00", "08:00", "11:00", "14:00", "17:00", "20:00", "23:00"]),
    (hours(), "hour", NARROW, ["05:00", "11:00", "17:00", "23:00"]),
    (days(*[(0, 0)] * 7), "day", WIDE, [f"Jan 0{day}" for day in range(1, 8)]),
    (days(*[(0, 0)] * 7), "day", NARROW, ["Jan 01", "Jan 03", "Jan 05", "Jan 07"]),
    (days(*[(0, 0)] * 30), "day", WIDE, ["Jan 02", "Jan 09", "Jan 16", "Jan 23", "Jan 30"]),
    (days(*[(0, 0)] * 30), "day", NARROW, ["Jan 02", "Jan 16", "Jan 30"]),
    (days(*[(0, 0)] * 90), "day", WIDE, ["Jan 20", "Feb 03", "Feb 17", "Mar 03", "Mar 17", "Mar 31"]),
])
def test_x_labels_fit_and_always_name_the_newest_bucket(points, bucket, frame, labels):
    chart = time_chart_geometry(points, bucket, frame)
    assert [tick.label for tick in chart.x_ticks][-len(labels):] == labels
    assert len(chart.x_ticks) <= frame.max_labels
    assert chart.x_ticks[-1].label == points[-1].label
    positions = [tick.position for tick in chart.x_ticks]
    assert positions == sorted(positions)
    assert frame.left < positions[0] and positions[-1] < frame.width - frame.right


def test_many_weeks_or_months_still_fit():
    weeks = [Point(date(2025, 1, 6) + timedelta(weeks=w), f"w{w}", 1, 0) for w in range(105)]
    chart = time_chart_geometry(weeks, "week", NARROW)
    assert len(chart.x_ticks) <= NARROW.max_labels and chart.x_ticks[-1].label == "w104"
    months = [Point(date(2000 + m // 12, m % 12 + 1, 1), f"m{m}", 1, 0) for m in range(300)]
    assert len(time_chart_geometry(months, "month", WIDE).x_ticks) <= WIDE.max_labels


def test_an_empty_range_says_so_instead_of_drawing_nothing():
    chart = time_chart_geometry(days((0, 0), (0, 0)), "day")
    assert chart.empty and [tick.label for tick in chart.y_ticks] == ["0", "1"]
    svg = time_chart(days((0, 0), (0, 0)), "day", "Clicks")
    assert svg.count("No clicks yet in this range</text>") == 2 and "<rect" not in svg
    assert "<desc id=\"chart-wide-desc\">No clicks yet in this range.</desc>" in svg
    assert "<svg" in time_chart([], "day", "nothing")


def test_the_chart_is_an_accessible_image_drawn_for_both_widths():
    svg = time_chart(days((3, 1), (5, 0)), "day", "Clicks <&>")
    assert 'class="chart-axes chart-wide"' in svg and 'class="chart-axes chart-narrow"' in svg
    assert svg.count('role="img"') == 2
    assert 'aria-labelledby="chart-wide-title chart-wide-desc"' in svg
    assert '<title id="chart-wide-title">Clicks &lt;&amp;&gt;</title>' in svg
    assert ("8 human clicks and 1 bots over 2 days, from Jan 01 to Jan 02; the busiest day was Jan 02, "
            "with 5.") in svg
    assert "<title>Jan 01: 3 human, 1 bot</title>" in svg


def test_charts_have_no_inline_style_or_script():
    for svg in (time_chart(days((1, 0)), "day", "x"), share_bar(42.0), sparkline([0, 3, 1], "x")):
        assert "style" not in svg and "<script" not in svg


def test_sparklines_draw_without_dividing_by_zero():
    assert "<polyline" in sparkline([], "nothing") and "<polyline" in sparkline([0], "one")


def test_share_bar_is_clamped():
    assert 'width="100.0"' in share_bar(250) and 'width="0.0"' in share_bar(-3)
