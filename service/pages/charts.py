"""Server-side SVG charts: no script, no external service; each page also shows a table.

Every chart is `role="img"` labelled by the heading of its figure (`labelledby`), with a short
description pointing to the table that carries the same figures. Masked counts (`"<5"`) are
drawn as empty bars and written as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

Value = int | float | str | None

WIDTH = 360
"""The drawing's width in user units: about one unit per pixel on a 360 px phone, so that
text keeps its size there (the page scales it up to 30rem on larger screens)."""
ROW = 48
BAR = 16
FONT = 16
SMALL = 14
LABEL_CHARS = 38
VALUE_ROOM = 48
SCALE_ROOM = 30
FIRST_MEASURE = (
    "Première mesure : l’évolution de chaque thème s’affichera à partir du prochain calcul."
)


def _number(value: Value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _shown(value: Value) -> str:
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}".replace(".", ",")
    return "—" if value is None else str(value)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _nice(top: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50… at least `top`: the end of the scale."""
    step = 1.0
    while True:
        for factor in (1, 2, 5):
            if step * factor >= top:
                return step * factor
        step *= 10


def _frame(labelledby: str, height: int, body: list[str], width: int = WIDTH) -> Markup:
    head = (
        f'<svg class="chart" role="img" aria-labelledby="{escape(labelledby)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">'
    )
    return Markup(head + "".join(body) + "</svg>")


def _label(label: str, y: int, value: Value | str) -> str:
    """The row's label above its bar, with the full text and value as a tooltip."""
    return (
        f"<title>{escape(label)} : {escape(_shown(value))}</title>"
        f'<text x="0" y="{y + FONT}" font-size="{FONT}">{escape(_short(label))}</text>'
    )


def _scale(y: int, ticks: Sequence[tuple[float, str]]) -> list[str]:
    """A horizontal axis at `y` with its ticks `(x, text)`."""
    xs = [x for x, _ in ticks]
    parts = [f'<line class="axis" x1="{min(xs)}" y1="{y}" x2="{max(xs)}" y2="{y}"/>']
    for x, text in ticks:
        anchor = "start" if x == min(xs) else "end" if x == max(xs) else "middle"
        parts.append(
            f'<line class="axis" x1="{x}" y1="{y}" x2="{x}" y2="{y + 5}"/>'
            f'<text x="{x}" y="{y + 5 + SMALL}" font-size="{SMALL}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )
    return parts


def bar_chart(items: Sequence[tuple[str, Value]], labelledby: str) -> Markup:
    """Horizontal bars under their labels, one per `(label, value)`, on a scale from 0.

    Labels sit above the bars so the chart stays legible on a phone; the left axis is the
    zero line and the bottom axis gives the scale.
    """
    if not items:
        return Markup("")
    top = _nice(max((_number(value) for _, value in items), default=0.0) or 1.0)
    span = WIDTH - VALUE_ROOM - 1
    body: list[str] = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        width = round(span * _number(value) / top)
        bar_y = y + FONT + 8
        body.append(
            f"<g>{_label(label, y, value)}"
            f'<rect class="bar" x="1" y="{bar_y}" width="{width}" height="{BAR}"/>'
            f'<text x="{width + 7}" y="{bar_y + BAR - 2}" font-size="{FONT}">'
            f"{escape(_shown(value))}</text></g>"
        )
    bottom = len(items) * ROW
    body.append(f'<line class="axis" x1="1" y1="{FONT + 4}" x2="1" y2="{bottom}"/>')
    body.extend(
        _scale(bottom, [(1, "0"), (1 + span / 2, _shown(top / 2)), (1 + span, _shown(top))])
    )
    return _frame(labelledby, bottom + SCALE_ROOM, body)


def change_chart(items: Sequence[tuple[str, int | None]], labelledby: str) -> Markup:
    """Bars left (fewer) or right (more) of a zero line: change since the previous run.

    The scale runs at least from -5 to +5, so that a change of one need stays a short bar.
    A theme without a previous run reads « nouveau »; on the first run, a sentence says so.
    """
    if not items:
        return Markup("")
    if all(value is None for _, value in items):
        return Markup('<p class="muted chart-note">') + FIRST_MEASURE + Markup("</p>")
    top = _nice(max(5, *(abs(value or 0) for _, value in items)))
    centre = WIDTH // 2
    half = centre - VALUE_ROOM
    body: list[str] = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        change = value or 0
        shown = "nouveau" if value is None else f"{change:+d}"
        width = round(half * abs(change) / top)
        x = centre if change >= 0 else centre - width
        kind = "bar-up" if change > 0 else "bar-down"
        bar_y = y + FONT + 8
        text_x = centre + width + 7 if change >= 0 else centre - width - 7
        anchor = "start" if change >= 0 else "end"
        body.append(
            f"<g>{_label(label, y, shown)}"
            f'<rect class="{kind}" x="{x}" y="{bar_y}" width="{width}" height="{BAR}"/>'
            f'<line class="axis" x1="{centre}" y1="{bar_y - 4}" x2="{centre}" '
            f'y2="{bar_y + BAR + 4}"/>'
            f'<text x="{text_x}" y="{bar_y + BAR - 2}" text-anchor="{anchor}" '
            f'font-size="{FONT}">{escape(shown)}</text></g>'
        )
    bottom = len(items) * ROW
    ticks = [(centre - half, f"{-top:+.0f}"), (centre, "0"), (centre + half, f"{top:+.0f}")]
    body.extend(_scale(bottom, ticks))
    return _frame(labelledby, bottom + SCALE_ROOM, body)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[Value]], labelledby: str) -> Markup:
    """A square grid: the darker the cell, the more people use both tools."""
    if not labels:
        return Markup("")
    cell = min(64, (WIDTH - 112) // len(labels))
    left, topm = 112, 28
    top = max((_number(v) for row in matrix for v in row), default=0.0) or 1.0
    body: list[str] = []
    for j, label in enumerate(labels):
        body.append(
            f'<text x="{left + j * cell + cell // 2}" y="{topm - 10}" text-anchor="middle" '
            f'font-size="{SMALL}">{escape(_short(label, 7))}</text>'
        )
    for i, label in enumerate(labels):
        y = topm + i * cell
        body.append(
            f'<text x="{left - 8}" y="{y + cell // 2 + 5}" text-anchor="end" '
            f'font-size="{SMALL}">{escape(_short(label, 13))}</text>'
        )
        for j, value in enumerate(matrix[i]):
            share = _number(value) / top
            css = "cell-text on-dark" if share > 0.5 else "cell-text"
            body.append(
                f"<g><title>{escape(label)} et {escape(labels[j])} : {escape(_shown(value))}"
                f'</title><rect x="{left + j * cell}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="#000091" fill-opacity="{0.08 + 0.92 * share:.2f}"/>'
                f'<text class="{css}" x="{left + j * cell + cell // 2}" '
                f'y="{y + cell // 2 + 5}" text-anchor="middle">{escape(_shown(value))}</text></g>'
            )
    height = topm + len(labels) * cell + 4
    return _frame(labelledby, height, body, width=left + len(labels) * cell + 4)


__all__ = ["FIRST_MEASURE", "bar_chart", "change_chart", "heatmap"]
