"""Charts as SVG markup drawn on the server: no script, no inline styles (the CSP stays strict).

Shapes carry classes (``bar-human``, ``bar-bot``, ``chart-grid``, ``chart-tick``, ``spark``) that
static/style.css colours from its variables, so both colour schemes apply. Each bar has a <title>,
so hovering tells its numbers; each chart is an image with a title and a one-sentence description,
and the page repeats the numbers in a table.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup, escape

from .stats import Point

SPARK_WIDTH = 70
SPARK_HEIGHT = 20


# -- the link page's time chart -------------------------------------------------------------------

class Frame(NamedTuple):
    """One drawing of the chart: its viewBox, the plot's margins, how many x labels fit."""

    name: str  # "wide" or "narrow": the stylesheet shows one by the screen's width
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    max_labels: int


WIDE = Frame("wide", 640, 220, 44, 24, 10, 26, 9)
NARROW = Frame("narrow", 360, 200, 36, 18, 10, 26, 4)
Y_TICKS = 4  # at most this many steps above zero
# How many buckets apart x labels may be, per bucket, smallest first (hours: 3 h, 6 h, ...).
LABEL_STEPS = {"hour": (1, 2, 3, 6, 12), "day": (1, 2, 7, 14, 28), "week": (1, 2, 4, 8, 13, 26),
               "month": (1, 2, 3, 6, 12, 24)}
EMPTY_NOTE = "No clicks yet in this range"
BUCKET_NOUNS = {"hour": "hour", "day": "day", "week": "week", "month": "month"}


class Bar(NamedTuple):
    x: float
    width: float
    humans_y: float
    humans_height: float
    bots_y: float
    bots_height: float
    title: str


class Tick(NamedTuple):
    position: float  # y of a gridline, or x of a label's centre
    label: str


@dataclass(frozen=True)
class TimeChart:
    frame: Frame
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    empty: bool


def nice_step(peak: int, steps: int = Y_TICKS) -> int:
    """The smallest whole 1, 2 or 5 times a power of ten that covers ``peak`` in ``steps`` steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude * steps >= peak:
                return factor * magnitude
        magnitude *= 10


def y_values(peak: int, steps: int = Y_TICKS) -> list[int]:
    """Round gridline values from 0 to the first multiple of the step at or above ``peak``."""
    step = nice_step(max(peak, 1), steps)
    top = math.ceil(max(peak, 1) / step) * step
    return list(range(0, top + 1, step))


def label_step(count: int, bucket: str, max_labels: int) -> int:
    """Buckets between x labels: the smallest step of the bucket's list that fits ``max_labels``."""
    fits = [step for step in LABEL_STEPS.get(bucket, ()) if math.ceil(count / step) <= max_labels]
    return fits[0] if fits else max(1, math.ceil(count / max_labels))


def short_number(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:,}"


def time_chart_geometry(points: Sequence[Point], bucket: str, frame: Frame = WIDE) -> TimeChart:
    """Bars, round y gridlines and readable x labels (the newest bucket always labelled)."""
    plot_width = frame.width - frame.left - frame.right
    plot_height = frame.height - frame.top - frame.bottom
    baseline = frame.top + plot_height
    peak = max((point.humans + point.bots for point in points), default=0)
    values = y_values(peak)
    scale = plot_height / values[-1]
    slot = plot_width / max(len(points), 1)
    gap = min(slot * 0.2, 4.0)
    bars = []
    for index, point in enumerate(points):
        humans, bots = point.humans * scale, point.bots * scale
        title = f"{point.label}: {point.humans:,} human, {point.bots:,} bot"
        bars.append(Bar(frame.left + index * slot + gap / 2, slot - gap, baseline - humans, humans,
                        baseline - humans - bots, bots, title))
    y_ticks = [Tick(baseline - value * scale, short_number(value)) for value in values]
    step = label_step(len(points), bucket, frame.max_labels)
    last = len(points) - 1
    x_ticks = [Tick(frame.left + (index + 0.5) * slot, points[index].label)
               for index in range(last, -1, -step)][::-1]
    return TimeChart(frame, bars, y_ticks, x_ticks, empty=peak == 0)


def time_chart(points: Sequence[Point], bucket: str, label: str) -> Markup:
    """The chart drawn twice, for wide and narrow screens (CSS shows one); each an accessible image."""
    summary = chart_summary(points, bucket)
    return Markup("".join(_svg(time_chart_geometry(points, bucket, frame), label, summary)
                          for frame in (WIDE, NARROW)))


def chart_summary(points: Sequence[Point], bucket: str) -> str:
    """What the chart shows, in a sentence, for screen readers (the page has the table too)."""
    humans = sum(point.humans for point in points)
    bots = sum(point.bots for point in points)
    if not humans + bots:
        return f"{EMPTY_NOTE}."
    busiest = max(points, key=lambda point: point.humans + point.bots)
    noun = BUCKET_NOUNS.get(bucket, "period")
    return (f"{humans:,} human clicks and {bots:,} bots over {len(points)} {noun}s, from {points[0].label} "
            f"to {points[-1].label}; the busiest {noun} was {busiest.label}, with "
            f"{busiest.humans + busiest.bots:,}.")


def _svg(chart: TimeChart, label: str, summary: str) -> Markup:
    frame = chart.frame
    ids = f"chart-{frame.name}"
    parts = [f'<title id="{ids}-title">{escape(label)}</title><desc id="{ids}-desc">{escape(summary)}</desc>']
    parts += [_gridline(frame, tick) for tick in chart.y_ticks]
    parts += [_empty_note(frame)] if chart.empty else [_bar(bar) for bar in chart.bars]
    parts.append(_x_axis(chart))
    return Markup(
        f'<svg class="chart-axes chart-{frame.name}" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-labelledby="{ids}-title {ids}-desc" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def _empty_note(frame: Frame) -> str:
    x = (frame.left + frame.width - frame.right) / 2
    y = (frame.top + frame.height - frame.bottom) / 2
    return (f'<text class="chart-empty" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">'
            f'{EMPTY_NOTE}</text>')


def _x_axis(chart: TimeChart) -> str:
    frame = chart.frame
    baseline = frame.height - frame.bottom
    axis = (f'<line class="chart-axis" x1="{frame.left}" y1="{baseline}" '
            f'x2="{frame.width - frame.right}" y2="{baseline}"/>')
    return axis + "".join(
        f'<text class="chart-tick" x="{tick.position:.1f}" y="{baseline + 17}" text-anchor="middle">'
        f'{escape(tick.label)}</text>' for tick in chart.x_ticks)


def _gridline(frame: Frame, tick: Tick) -> str:
    return (f'<line class="chart-grid" x1="{frame.left}" y1="{tick.position:.1f}" '
            f'x2="{frame.width - frame.right}" y2="{tick.position:.1f}"/>'
            f'<text class="chart-tick" x="{frame.left - 6}" y="{tick.position + 4:.1f}" text-anchor="end">'
            f'{escape(tick.label)}</text>')


def _bar(bar: Bar) -> str:
    humans = (f'<rect class="bar-human" x="{bar.x:.1f}" y="{bar.humans_y:.1f}" width="{bar.width:.1f}" '
              f'height="{bar.humans_height:.1f}"/>') if bar.humans_height else ""
    bots = (f'<rect class="bar-bot" x="{bar.x:.1f}" y="{bar.bots_y:.1f}" width="{bar.width:.1f}" '
            f'height="{bar.bots_height:.1f}"/>') if bar.bots_height else ""
    return f"<g><title>{escape(bar.title)}</title>{humans}{bots}</g>"


def share_bar(percent: float) -> Markup:
    """A horizontal bar for a ranked list: percent of the width."""
    width = max(0.0, min(100.0, float(percent)))
    return Markup(
        '<svg class="share" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><rect class="share-bar" x="0" y="0" width="{width:.1f}" '
        'height="4"/></svg>'
    )


def sparkline(values: Sequence[int], label: str) -> Markup:
    """A line over ``values``, oldest first, for the dashboard."""
    peak = max(values, default=0) or 1
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    coordinates = " ".join(
        f"{index * step:.1f},{SPARK_HEIGHT - 1 - (SPARK_HEIGHT - 2) * value / peak:.1f}"
        for index, value in enumerate(values)
    )
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline class="spark" points="{coordinates}"/></svg>'
    )
