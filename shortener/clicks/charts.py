"""Charts as SVG markup drawn on the server: no script, no inline styles (the CSP stays strict).

Shapes carry classes (``bar-human``, ``bar-bot``, ``spark``) that static/style.css colours. Each bar
has a <title>, so hovering tells its numbers; the page repeats them in a table for screen readers.
"""

from collections.abc import Sequence

from markupsafe import Markup, escape

from .stats import Point

BAR_WIDTH = 10
BAR_GAP = 2
CHART_HEIGHT = 100
SPARK_WIDTH = 70
SPARK_HEIGHT = 20


def bar_chart(points: Sequence[Point], label: str) -> Markup:
    """Stacked bars, humans below bots, scaled to the busiest bar."""
    peak = max((point.humans + point.bots for point in points), default=0) or 1
    width = len(points) * BAR_WIDTH
    bars = "".join(_bar(index, point, peak) for index, point in enumerate(points))
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {CHART_HEIGHT}" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{bars}</svg>'
    )


def _bar(index: int, point: Point, peak: int) -> str:
    x = index * BAR_WIDTH
    humans_height = CHART_HEIGHT * point.humans / peak
    bots_height = CHART_HEIGHT * point.bots / peak
    title = escape(f"{point.label}: {point.humans} human, {point.bots} bot")
    shapes = [_rect("bar-human", x, CHART_HEIGHT - humans_height, humans_height)]
    shapes.append(_rect("bar-bot", x, CHART_HEIGHT - humans_height - bots_height, bots_height))
    return f"<g><title>{title}</title>{''.join(shapes)}</g>"


def _rect(css_class: str, x: float, y: float, height: float) -> str:
    return (f'<rect class="{css_class}" x="{x + BAR_GAP / 2:g}" y="{y:.2f}" '
            f'width="{BAR_WIDTH - BAR_GAP:g}" height="{height:.2f}"/>')


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
