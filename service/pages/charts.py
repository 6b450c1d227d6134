"""Server-side SVG charts: no script, no external service; each page also shows a table.

Every chart is `role="img"` labelled by the heading of its figure (`labelledby`), with a short
description pointing to the table that carries the same figures. Masked counts (`"<5"`) are
drawn as empty bars and written as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

Value = int | float | str | None

WIDTH = 480
ROW = 44
BAR = 16
FONT = 15
LABEL_CHARS = 52
VALUE_ROOM = 70


def _number(value: Value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _shown(value: Value) -> str:
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}".replace(".", ",")
    return "—" if value is None else str(value)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


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


def bar_chart(items: Sequence[tuple[str, Value]], labelledby: str) -> Markup:
    """Horizontal bars under their labels, one per `(label, value)`, scaled to the largest.

    Labels sit above the bars so the chart stays legible when scaled down to a phone.
    """
    if not items:
        return Markup("")
    top = max((_number(value) for _, value in items), default=0.0) or 1.0
    span = WIDTH - VALUE_ROOM
    body: list[str] = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        width = round(span * _number(value) / top)
        bar_y = y + FONT + 6
        body.append(
            f"<g>{_label(label, y, value)}"
            f'<rect class="bar" x="0" y="{bar_y}" width="{width}" height="{BAR}"/>'
            f'<text x="{width + 6}" y="{bar_y + BAR - 2}" font-size="{FONT}">'
            f"{escape(_shown(value))}</text></g>"
        )
    return _frame(labelledby, len(items) * ROW, body)


def change_chart(items: Sequence[tuple[str, int | None]], labelledby: str) -> Markup:
    """Bars left (fewer) or right (more) of a centre line: change since the previous run."""
    if not items:
        return Markup("")
    top = max((abs(value or 0) for _, value in items), default=0) or 1
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
        bar_y = y + FONT + 6
        text_x = centre + width + 6 if change >= 0 else centre - width - 6
        anchor = "start" if change >= 0 else "end"
        body.append(
            f"<g>{_label(label, y, shown)}"
            f'<rect class="{kind}" x="{x}" y="{bar_y}" width="{width}" height="{BAR}"/>'
            f'<text x="{text_x}" y="{bar_y + BAR - 2}" text-anchor="{anchor}" '
            f'font-size="{FONT}">{escape(shown)}</text></g>'
        )
    height = len(items) * ROW
    body.append(f'<line class="axis" x1="{centre}" y1="0" x2="{centre}" y2="{height}"/>')
    return _frame(labelledby, height, body)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[Value]], labelledby: str) -> Markup:
    """A square grid: the darker the cell, the more people use both tools."""
    if not labels:
        return Markup("")
    cell, left, topm = 80, 130, 30
    top = max((_number(v) for row in matrix for v in row), default=0.0) or 1.0
    body: list[str] = []
    for j, label in enumerate(labels):
        body.append(
            f'<text x="{left + j * cell + cell // 2}" y="{topm - 10}" text-anchor="middle" '
            f'font-size="13">{escape(_short(label, 12))}</text>'
        )
    for i, label in enumerate(labels):
        y = topm + i * cell
        body.append(
            f'<text x="{left - 8}" y="{y + cell // 2 + 4}" text-anchor="end" '
            f'font-size="13">{escape(_short(label, 18))}</text>'
        )
        for j, value in enumerate(matrix[i]):
            share = _number(value) / top
            css = "cell-text on-dark" if share > 0.5 else "cell-text"
            body.append(
                f"<g><title>{escape(label)} et {escape(labels[j])} : {escape(_shown(value))}"
                f'</title><rect x="{left + j * cell}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="#000091" fill-opacity="{0.08 + 0.92 * share:.2f}"/>'
                f'<text class="{css}" x="{left + j * cell + cell // 2}" '
                f'y="{y + cell // 2 + 4}" text-anchor="middle">{escape(_shown(value))}</text></g>'
            )
    height = topm + len(labels) * cell + 4
    return _frame(labelledby, height, body, width=left + len(labels) * cell + 4)


__all__ = ["bar_chart", "change_chart", "heatmap"]
