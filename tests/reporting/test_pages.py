"""The review pages, rendered from the sandbox marts and opened in headless Chromium at 1366 x 900.

Each page: a non-blank screenshot, the expected charts in the rendered DOM, no horizontal scrolling,
and every headline number equal to the marts, queried here independently of ``reporting``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from browser import WINDOW, png_pixels, render
from conftest import WORKLIST

from reporting.__main__ import main

REVIEWS = {
    "weekly": "rpt_weekly_pipeline_review",
    "monthly": "rpt_monthly_marketing_review",
    "quarterly": "rpt_quarterly_business_review",
}
# Charts per page: pipeline vs frozen start, vs target, trend, buying groups, worklist; monthly adds the
# funnel, CAC, cost per lead and channels by model; quarterly adds the ARR waterfall and NRR/GRR.
CHARTS = {"weekly": 5, "monthly": 9, "quarterly": 11}
HEADLINE = [
    "qualified_pipeline_amount",
    "created_pipeline_amount",
    "frozen_pipeline_amount",
    "open_pipeline_amount_at_end",
    "won_amount",
    "win_rate",
    "median_sales_cycle_days",
]
EXTRA_HEADLINE = {
    "weekly": [],
    "monthly": ["marketing_spend_amount", "new_customer_count", "cac_amount", "cost_per_lead_amount"],
    "quarterly": [
        "ending_arr",
        "net_new_arr",
        "net_revenue_retention",
        "gross_revenue_retention",
        "new_customer_count",
        "cac_amount",
        "cost_per_lead_amount",
    ],
}


def latest_complete_labels(as_of: date) -> dict[str, str]:
    """The latest week, month and quarter ending on or before ``as_of``, computed with the calendar."""
    sunday = as_of - timedelta(days=(as_of.weekday() + 1) % 7)
    year, week, _ = sunday.isocalendar()
    month_end = as_of if (as_of + timedelta(days=1)).day == 1 else as_of.replace(day=1) - timedelta(days=1)
    quarter_end = month_end
    while quarter_end.month % 3:
        quarter_end = quarter_end.replace(day=1) - timedelta(days=1)
    return {
        "weekly": f"{year}-W{week:02d}",
        "monthly": f"{month_end:%Y-%m}",
        "quarterly": f"{quarter_end.year}-Q{quarter_end.month // 3}",
    }


@pytest.fixture(scope="module")
def rendered(sandbox_marts, tmp_path_factory):
    """The three pages of the latest complete periods, written by the CLI and opened in Chromium."""
    out = tmp_path_factory.mktemp("reports")
    code = main(
        [
            "--warehouse",
            str(sandbox_marts.path),
            "--out",
            str(out),
            "--as-of",
            sandbox_marts.as_of.isoformat(),
        ]
    )
    assert code == 0
    labels = latest_complete_labels(sandbox_marts.as_of)
    shots = tmp_path_factory.mktemp("browser")
    pages = {cadence: out / cadence / f"{labels[cadence]}.html" for cadence in REVIEWS}
    return out, labels, {cadence: (path, render(path, shots)) for cadence, path in pages.items()}


def _attrs(dom: str, element: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m)) for m in re.findall(rf"<{element}\b([^>]*)>", dom)]


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize("cadence", list(REVIEWS))
def test_page_renders_in_the_browser(rendered, cadence):
    _, labels, pages = rendered
    _, page = pages[cadence]
    assert "<h1>" in page.dom and labels[cadence] in page.dom
    # a real screenshot of the window, not a blank page
    width, height, rows = png_pixels(page.screenshot)
    assert (width, height) == WINDOW
    bpp = len(rows[0]) // width
    pixels = Counter(row[i : i + 3] for row in rows[::3] for i in range(0, len(row), bpp * 3))
    white = pixels[b"\xff\xff\xff"] / sum(pixels.values())
    assert len(pixels) > 50, "the screenshot has almost no colours"
    assert 1 - white > 0.02, "the screenshot is nearly blank"
    # the first charts are painted: bars in the charts' blue (#0072b2) and grey (#999999) are on screen
    assert pixels[bytes((0, 114, 178))] > 20 and pixels[bytes((153, 153, 153))] > 20
    # the charts, each accessible
    charts = _attrs(page.dom, "svg")
    assert len(charts) == CHARTS[cadence]
    titles = re.findall(r"<svg\b[^>]*>\s*<title id=\"([^\"]+)\">([^<]+)</title>", page.dom)
    assert len(titles) == len(charts)
    for chart, (title_id, _) in zip(charts, titles, strict=True):
        assert chart["role"] == "img" and chart["aria-labelledby"].split()[0] == title_id
    # no horizontal scrolling on a laptop screen
    html = _attrs(page.dom, "html")[0]
    assert int(html["data-inner-width"]) == WINDOW[0]
    assert int(html["data-scroll-width"]) <= int(html["data-inner-width"])


@pytest.mark.parametrize("cadence", list(REVIEWS))
def test_headline_numbers_equal_the_marts(rendered, marts, cadence):
    _, labels, pages = rendered
    _, page = pages[cadence]
    shown = {a["data-metric"]: a["data-value"] for a in _attrs(page.dom, "div") if "data-metric" in a}
    columns = HEADLINE + EXTRA_HEADLINE[cadence]
    assert list(shown) == columns
    cur = marts.execute(
        f"select {', '.join(columns)} from marts.{REVIEWS[cadence]} where period_label = ?", [labels[cadence]]
    )
    expected = dict(zip(columns, cur.fetchone(), strict=True))
    assert expected["qualified_pipeline_amount"] > 0, "the sandbox period has qualified pipeline"
    for column in columns:
        if expected[column] is None:
            assert shown[column] == "", column
        elif isinstance(expected[column], float):
            assert float(shown[column]) == expected[column], column
        else:
            assert Decimal(shown[column]) == Decimal(str(expected[column])), column
    # the money is also printed with its cents
    amount = Decimal(str(expected["qualified_pipeline_amount"]))
    assert f"${amount:,.2f}" in page.dom


def test_quarterly_charts_equal_the_marts(rendered, marts):
    _, labels, pages = rendered
    label = labels["quarterly"]
    dom = pages["quarterly"][1].dom
    rects = _attrs(dom, "rect")
    # ARR waterfall from fct_revenue_retention (not the review): start, new, expansion, -contraction, -churn, end
    arr = marts.execute(
        "select starting_arr, new_arr, expansion_arr, contraction_arr, churn_arr, ending_arr "
        "from marts.fct_revenue_retention where period_grain = 'quarter' and period_label = ?",
        [label],
    ).fetchone()
    steps = [float(r["data-value"]) for r in rects if "data-kind" in r]
    start, new, expansion, contraction, churn, end = (float(v) for v in arr)
    assert steps == [start, new, expansion, -contraction, -churn, end]
    assert steps[0] + sum(steps[1:5]) == pytest.approx(steps[5], abs=0.01)
    # attributed pipeline per channel and model
    expected = {
        (c or "unmapped", m): float(v)
        for m, c, v in marts.execute(
            "select attribution_model, channel, sum(attributed_pipeline_amount) from marts.fct_channel_performance "
            "where period_grain = 'quarter' and period_label = ? group by all",
            [label],
        ).fetchall()
    }
    bars = {(r["data-group"], r["data-series"]): float(r["data-value"]) for r in rects if "data-series" in r}
    assert expected and bars == expected
    # funnel: persons entering each stage in the quarter
    entered = marts.execute(
        "select from_stage, entered_from_count, to_stage, entered_to_count from marts.fct_funnel_conversion "
        "where entity_type = 'person' and period_grain = 'quarter' and period_label = ? order by from_stage_order",
        [label],
    ).fetchall()
    funnel_svg = re.search(r'<svg[^>]*data-chart="funnel".*?</svg>', dom, re.S).group(0)
    counts = [float(a["data-value"]) for a in _attrs(funnel_svg, "rect")]
    assert counts == [float(r[1]) for r in entered] + [float(entered[-1][3])]


@pytest.mark.parametrize("cadence", list(REVIEWS))
def test_worklist_and_buying_groups_equal_the_marts(rendered, marts, cadence):
    _, labels, pages = rendered
    dom = pages[cadence][1].dom
    open_rules = Counter(rule for rule, _, _, _, is_open in WORKLIST if is_open)
    shown = {a["data-rule"]: int(a["data-value"]) for a in _attrs(dom, "span") if "data-rule" in a}
    assert shown == dict(open_rules)
    start, end = marts.execute(
        f"select period_start, period_end from marts.{REVIEWS[cadence]} where period_label = ?",
        [labels[cadence]],
    ).fetchone()
    complete, total = marts.execute(
        "select count(*) filter (where bg.is_complete), count(*) from marts.fct_buying_groups bg "
        "join marts.fct_opportunities o using (opportunity_id) where bg.entity_type = 'opportunity' "
        "and o.created_at >= ? and o.created_at < ?",
        [start, end + timedelta(days=1)],
    ).fetchone()
    summary = next(a for a in _attrs(dom, "p") if a.get("data-metric") == "buying_groups_complete")
    assert (int(summary["data-value"]), int(summary["data-total"])) == (complete, total)


def test_index_links_every_page_and_the_data_quality_report(rendered):
    out, labels, _ = rendered
    index = (out / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r"href='([^']+)'", index))
    assert links == {"data_quality/index.html"} | {f"{c}/{labels[c]}.html" for c in REVIEWS}


def test_a_given_period_and_bad_periods(sandbox_marts, tmp_path, capsys):
    args = ["--warehouse", str(sandbox_marts.path), "--out", str(tmp_path)]
    assert main([*args, "--period", "2026-Q2"]) == 0
    page = (tmp_path / "quarterly" / "2026-Q2.html").read_text(encoding="utf-8")
    assert "Quarterly business review 2026-Q2" in page
    assert main([*args, "--period", "2031-Q1"]) == 2
    assert "period '2031-Q1' is not in the review" in capsys.readouterr().err
    assert main([*args, "--cadence", "weekly", "--period", "2026-09"]) == 2
    assert "2026-09 is a monthly period" in capsys.readouterr().err
    assert main(["--warehouse", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_width_probe_catches_a_page_wider_than_the_window(tmp_path):
    from reporting.pages import WIDTH_PROBE

    page = tmp_path / "wide.html"
    page.write_text(
        f"<!doctype html><html><body><div style='width:2000px'>x</div>{WIDTH_PROBE}</body></html>"
    )
    html = _attrs(render(page, tmp_path).dom, "html")[0]
    assert int(html["data-scroll-width"]) > int(html["data-inner-width"]) == WINDOW[0]


@pytest.mark.parametrize("cadence", list(REVIEWS))
def test_qualified_pipeline_attainment_equals_the_targets_mart(rendered, marts, cadence):
    _, labels, pages = rendered
    start = marts.execute(
        f"select period_start from marts.{REVIEWS[cadence]} where period_label = ?", [labels[cadence]]
    ).fetchone()[0]
    quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    grain = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}[cadence]
    # the period's own target when the seed has one, else its quarter's
    rows = dict(
        marts.execute(
            "select period_grain, attainment from marts.fct_targets_vs_actuals where metric = 'qualified_pipeline' "
            "and ((period_grain = ? and period_label = ?) or (period_grain = 'quarter' and period_label = ?))",
            [grain, labels[cadence], quarter],
        ).fetchall()
    )
    expected = rows.get(grain, rows["quarter"])
    shown = next(
        a
        for a in _attrs(pages[cadence][1].dom, "p")
        if a.get("data-metric") == "qualified_pipeline_attainment"
    )
    assert float(shown["data-value"]) == expected
