from datetime import date

from shortener.clicks.charts import bar_chart, share_bar, sparkline
from shortener.clicks.stats import Point


def points(*pairs):
    return [Point(date(2026, 1, day + 1), f"Jan {day + 1:02d}", humans, bots)
            for day, (humans, bots) in enumerate(pairs)]


def test_bars_scale_to_the_busiest_and_stack_bots_on_humans():
    svg = bar_chart(points((5, 5), (0, 0), (2, 0)), "Clicks <&>")
    assert svg.count('class="bar-human"') == 3 and svg.count('class="bar-bot"') == 3
    assert 'height="50.00"' in svg  # half of the peak of 10
    assert 'aria-label="Clicks &lt;&amp;&gt;"' in svg
    assert "<title>Jan 01: 5 human, 5 bot</title>" in svg


def test_charts_have_no_inline_style_or_script():
    for svg in (bar_chart(points((1, 0)), "x"), share_bar(42.0), sparkline([0, 3, 1], "x")):
        assert "style" not in svg and "<script" not in svg


def test_empty_and_zero_series_draw_without_dividing_by_zero():
    assert "<svg" in bar_chart([], "nothing")
    assert 'height="0.00"' in bar_chart(points((0, 0)), "zero")
    assert "<polyline" in sparkline([], "nothing") and "<polyline" in sparkline([0], "one")


def test_share_bar_is_clamped():
    assert 'width="100.0"' in share_bar(250) and 'width="0.0"' in share_bar(-3)
