"""The hand-written SVG charts: scales, ticks, negative values, empty data, accessibility, valid XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reporting import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(chart: str) -> ET.Element:
    root = ET.fromstring(chart)  # well-formed XML, or this raises
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find("s:title", NS).get("id") == title_id
    assert root.find("s:desc", NS).get("id") == desc_id
    return root


def marks(root: ET.Element, tag: str = "rect") -> list[ET.Element]:
    return [e for e in root.iter(f"{{{NS['s']}}}{tag}") if e.get("data-value") not in (None, "")]


def test_scale_maps_linearly_and_survives_a_zero_width_domain():
    scale = svg.Scale(-50, 150, 100, 500)
    assert scale(-50) == 100 and scale(150) == 500 and scale(0) == 200 and scale(50) == 300
    flipped = svg.Scale(0, 10, 200, 0)  # y axis: larger values higher up
    assert flipped(10) == 0 and flipped(2.5) == 150
    assert svg.Scale(5, 5, 30, 90)(5) == 30


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0, 10, [0, 2, 4, 6, 8, 10]), (0, 9.1, [0, 2, 4, 6, 8, 10]), (-130, 480, [-200, 0, 200, 400, 600])],
)
def test_ticks_are_round_and_cover_the_domain(low, high, expected):
    assert svg.nice_ticks(low, high, 5) == expected


def test_ticks_and_domain_of_nothing():
    assert svg.nice_ticks(3, 3) == [3]
    assert svg.domain([]) == (0.0, 0.0)
    assert svg.domain([None, 4.0], include_zero=False) == (4.0, 4.0)


def test_compact_labels():
    assert [svg.compact(v) for v in (0, 12, 1234.5, -70764.09, 1435211.13, 2.5e9)] == [
        "0",
        "12",
        "1.23k",
        "-70.8k",
        "1.44M",
        "2.5B",
    ]


def test_bar_chart_prints_values_and_puts_negatives_left_of_zero():
    root = parse(svg.bar_chart("Net change", [("up", 300.0), ("down", -100.0), ("unknown", None)]))
    up, down = marks(root)
    assert float(up.get("data-value")) == 300 and float(down.get("data-value")) == -100
    zero = float(root.find("s:line", NS).get("x1"))
    assert float(up.get("x")) == pytest.approx(zero, abs=0.1)
    assert float(down.get("x")) + float(down.get("width")) == pytest.approx(zero, abs=0.1)
    assert float(up.get("width")) == pytest.approx(3 * float(down.get("width")), rel=0.01)
    texts = [t.text for t in root.iter(f"{{{NS['s']}}}text")]
    assert {"300", "-100", "n/a", "up", "down", "unknown"} <= set(texts)


def test_waterfall_floats_changes_from_the_running_total_and_drops_negatives():
    steps = [("start", 100.0, True), ("new", 50.0, False), ("churn", -80.0, False), ("end", 70.0, True)]
    root = parse(svg.waterfall_chart("ARR", steps, height=300))
    start, new, churn, end = marks(root)
    assert [b.get("data-kind") for b in (start, new, churn, end)] == [
        "total",
        "increase",
        "decrease",
        "total",
    ]

    def span(bar):
        top = float(bar.get("y"))
        return top, top + float(bar.get("height"))

    px_per_unit = (span(start)[1] - span(start)[0]) / 100
    # new floats from 100 up to 150: its bottom is the top of start
    assert span(new)[1] == pytest.approx(span(start)[0], abs=0.1)
    assert span(new)[1] - span(new)[0] == pytest.approx(50 * px_per_unit, abs=0.2)
    # churn goes down from 150 to 70: top at new's top, bottom at end's top
    assert span(churn)[0] == pytest.approx(span(new)[0], abs=0.1)
    assert span(churn)[1] == pytest.approx(span(end)[0], abs=0.1)
    assert churn.get("fill") == svg.NEGATIVE and new.get("fill") == svg.POSITIVE
    texts = {t.text for t in root.iter(f"{{{NS['s']}}}text")}
    assert {"100", "+50", "-80", "70"} <= texts


def test_waterfall_below_zero_keeps_the_zero_line_inside_the_chart():
    root = parse(
        svg.waterfall_chart("Loss", [("start", 10.0, True), ("loss", -30.0, False), ("end", -20.0, True)])
    )
    start, loss, end = marks(root)
    assert float(end.get("y")) == pytest.approx(float(start.get("y")) + float(start.get("height")), abs=0.1)
    assert all(
        float(b.get("y")) >= 0 and float(b.get("y")) + float(b.get("height")) <= 260 for b in marks(root)
    )


@pytest.mark.parametrize(
    "chart",
    [
        svg.bar_chart("t", []),
        svg.grouped_bar_chart("t", [], ["a"], {}),
        svg.line_chart("t", ["2026-01"], {"a": [None]}),
        svg.waterfall_chart("t", []),
        svg.funnel_chart("t", []),
    ],
)
def test_empty_data_says_so_instead_of_drawing(chart):
    root = parse(chart)
    assert not marks(root) and not marks(root, "circle")
    assert "No data" in "".join(root.itertext())


def test_line_chart_breaks_on_missing_values_and_labels_points():
    root = parse(svg.line_chart("CAC", ["Q1", "Q2", "Q3", "Q4"], {"CAC": [10.0, None, 30.0, 40.0]}))
    points = marks(root, "circle")
    assert [float(p.get("data-value")) for p in points] == [10, 30, 40]
    lines = root.findall("s:polyline", NS)
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2  # Q3-Q4; Q1 stands alone
    heights = [float(p.get("cy")) for p in points]
    assert heights[0] > heights[1] > heights[2]  # larger values higher up


def test_grouped_bars_and_funnel_keep_exact_values():
    values = {("content", "linear"): 1.5, ("content", "first_touch"): 2.25, ("partner", "linear"): 0.75}
    root = parse(svg.grouped_bar_chart("x", ["content", "partner"], ["linear", "first_touch"], values))
    got = {(b.get("data-group"), b.get("data-series")): float(b.get("data-value")) for b in marks(root)}
    assert got == {**values, ("partner", "first_touch"): 0.0}
    funnel = parse(svg.funnel_chart("f", [("known", 100.0), ("won", 25.0)], [(0.25, 12.0)]))
    known, won = marks(funnel)
    assert float(won.get("width")) == pytest.approx(float(known.get("width")) / 4, rel=0.01)
    assert "conversion 25.0 % · median 12 days" in "".join(funnel.itertext())


def test_text_is_escaped():
    root = parse(svg.bar_chart("<b>&", [("a<b", 1.0)]))
    assert root.find("s:title", NS).text == "<b>&"
