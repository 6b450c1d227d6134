"""The SVG charts: axes, text readable on a 360 px phone, honest bar lengths, first run."""

from __future__ import annotations

import re

from service.pages.charts import FIRST_MEASURE, WIDTH, bar_chart, change_chart, heatmap

PHONE_CONTENT = 328  # 360 px minus the page's margins


def _fonts(svg: str) -> list[int]:
    return [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]


def _rects(svg: str) -> list[int]:
    return [
        int(width)
        for width in re.findall(r'<rect class="bar[^"]*" x="\d+" y="\d+" width="(\d+)"', svg)
    ]


def test_text_stays_readable_when_the_chart_fits_a_phone() -> None:
    charts = [
        bar_chart([("Participation citoyenne", 12), ("Évaluation", "<5")], "t"),
        change_chart([("Participation citoyenne", 3), ("Évaluation", -2)], "t"),
        heatmap(["e-Communautés", "LinkedIn", "Wiki de la communauté", "Autre outil"],
                [[5, 1, 2, 0]] * 4, "t"),
    ]  # fmt: skip
    for chart in charts:
        width = int(re.search(r'viewBox="0 0 (\d+)', chart).group(1))  # type: ignore[union-attr]
        scale = min(1.0, PHONE_CONTENT / width)
        assert min(_fonts(chart)) * scale >= 12, (min(_fonts(chart)), width)


def test_bar_charts_have_a_zero_axis_and_a_scale() -> None:
    svg = bar_chart([("Un", 10), ("Deux", 4)], "t")
    assert svg.count('class="axis"') >= 4  # the zero line, the scale and its ticks
    assert ">0</text>" in svg and ">10</text>" in svg


def test_a_change_of_one_is_a_short_bar_and_labels_do_not_cross_the_axis() -> None:
    svg = change_chart([("Thème A", 1), ("Thème B", None)], "t")
    half = WIDTH // 2
    assert max(_rects(svg)) <= half // 4
    assert "nouveau" in svg and "+1" in svg
    for y1, y2 in re.findall(r'x1="180" y1="(\d+)" x2="180" y2="(\d+)"', svg):
        labels = [int(y) for y in re.findall(r'<text x="0" y="(\d+)"', svg)]
        assert all(not (int(y1) <= y - 4 <= int(y2)) for y in labels)


def test_the_first_run_says_first_measure_instead_of_an_empty_chart() -> None:
    shown = change_chart([("Thème A", None), ("Thème B", None)], "t")
    assert FIRST_MEASURE in shown and "<svg" not in shown
