"""The review pages: one self-contained HTML file per cadence and period, and an index of them all.

Every number on a page is read from the marts (``reporting.queries``); headline numbers carry their
exact value in ``data-value`` (and the mart column in ``data-metric``) so they can be checked. Charts
are inline SVG (``reporting.svg``), so a page opens offline. The layout fits a 1366 px wide screen.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from reporting import queries, svg
from reporting.queries import CADENCES, Cadence, Reader

# How many periods the trend charts show, ending with the reviewed one.
TREND_PERIODS = {"week": 13, "month": 12, "quarter": 8}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
LABEL_PATTERNS = {
    "weekly": re.compile(r"^\d{4}-W\d{2}$"),
    "monthly": re.compile(r"^\d{4}-\d{2}$"),
    "quarterly": re.compile(r"^\d{4}-Q[1-4]$"),
}

STYLE = """*{box-sizing:border-box}body{font:14px system-ui,sans-serif;margin:0;color:#222;background:#fff}
main{max-width:1280px;margin:0 auto;padding:1em 1.5em 3em}h1{margin:.2em 0}h2{margin:1.6em 0 .4em;
border-bottom:2px solid #eee;padding-bottom:.2em}nav{font-size:13px}nav a{margin-right:1em}
.meta{color:#555;font-size:13px}.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));
gap:10px;margin:1em 0}.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 10px}.kpi .label{font-size:12px;
color:#555}.kpi .value{font-size:18px;font-weight:600;font-variant-numeric:tabular-nums}.kpi .note{font-size:11px;
color:#777}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:18px}
figure{margin:0;min-width:0}figcaption{font-weight:600;margin:.3em 0}svg.chart{width:100%;height:auto;display:block}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sev-warn{color:#8a6d00}.sev-error{color:#b3261e;font-weight:600}.empty{font-style:italic;color:#666}
.wide{overflow-x:auto}"""

# Writes the page's layout width into the DOM (read by tests from a headless browser's DOM dump).
WIDTH_PROBE = (
    "<script>(function(){var d=document.documentElement;d.setAttribute('data-scroll-width',d.scrollWidth);"
    "d.setAttribute('data-inner-width',window.innerWidth);})();</script>"
)


def reporting_currency() -> str:
    """The dbt variable ``reporting_currency`` (dbt_project/dbt_project.yml); USD when unset."""
    import yaml

    from orchestration import settings

    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return str((project.get("vars") or {}).get("reporting_currency") or "USD")


@dataclass
class Formats:
    currency: str = "USD"

    def money(self, value: Any) -> str:
        """Exact, with cents: ``$1,435,211.13``."""
        if value is None:
            return "n/a"
        symbol = CURRENCY_SYMBOLS.get(self.currency)
        amount = f"{abs(Decimal(str(value))):,.2f}"
        sign = "-" if Decimal(str(value)) < 0 else ""
        return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {self.currency}"

    def money_short(self, value: float) -> str:
        symbol = CURRENCY_SYMBOLS.get(self.currency, "")
        text = svg.compact(value)
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"

    @staticmethod
    def count(value: Any) -> str:
        if value is None:
            return "n/a"
        number = float(value)
        return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"

    @staticmethod
    def rate(value: Any) -> str:
        return "n/a" if value is None else svg.percent(float(value))

    @staticmethod
    def days(value: Any) -> str:
        return "n/a" if value is None else f"{float(value):g} days"


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _data_value(value: Any) -> str:
    """The exact value for ``data-value``: decimals as written in the mart, floats with full precision."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def kpi(label: str, value: Any, formatted: str, metric: str, source: str, note: str = "") -> str:
    return (
        f'<div class="kpi" data-metric="{escape(metric)}" data-source="{escape(source)}" '
        f'data-value="{escape(_data_value(value))}"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(formatted)}</div>'
        + (f'<div class="note">{escape(note)}</div>' if note else "")
        + "</div>"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]]) -> str:
    """Cells are (html, is_number)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if num else f"<td>{c}</td>" for c, num in row) + "</tr>"
        for row in rows
    )
    return f'<div class="wide"><table><tr>{head}</tr>{body}</table></div>'


def figure(caption: str, chart: str, after: str = "") -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{chart}{after}</figure>"


@dataclass
class Page:
    cadence: Cadence
    period_label: str
    period_start: date
    period_end: date
    html: str
    headline: dict[str, Any] = field(default_factory=dict)  # metric -> exact value shown


@dataclass
class Context:
    reader: Reader
    cadence: Cadence
    rows: list[dict[str, Any]]
    index: int
    fmt: Formats

    @property
    def row(self) -> dict[str, Any]:
        return self.rows[self.index]

    @property
    def label(self) -> str:
        return str(self.row["period_label"])

    @property
    def source(self) -> str:
        return f"{queries.SCHEMA}.{self.cadence.table}"


# ---------------------------------------------------------------- sections


def _headline(ctx: Context) -> tuple[str, dict[str, Any]]:
    row, fmt, src = ctx.row, ctx.fmt, ctx.source
    items: list[tuple[str, str, Callable[[Any], str], str]] = [
        ("Qualified pipeline", "qualified_pipeline_amount", fmt.money, "qualified_opportunity_count"),
        ("Created pipeline", "created_pipeline_amount", fmt.money, "created_opportunity_count"),
        ("Pipeline frozen at start", "frozen_pipeline_amount", fmt.money, "frozen_opportunity_count"),
        ("Open pipeline at end", "open_pipeline_amount_at_end", fmt.money, "open_opportunity_count_at_end"),
        ("Won", "won_amount", fmt.money, "won_count"),
        ("Win rate", "win_rate", fmt.rate, ""),
        ("Median sales cycle", "median_sales_cycle_days", fmt.days, ""),
    ]
    if ctx.cadence.name == "monthly":
        items += [
            ("Marketing spend", "marketing_spend_amount", fmt.money, ""),
            ("New customers", "new_customer_count", fmt.count, ""),
            ("CAC", "cac_amount", fmt.money, ""),
            ("Cost per lead", "cost_per_lead_amount", fmt.money, "new_person_count"),
        ]
    if ctx.cadence.name == "quarterly":
        items += [
            ("Ending ARR", "ending_arr", fmt.money, ""),
            ("Net new ARR", "net_new_arr", fmt.money, ""),
            ("NRR (trailing 12 months)", "net_revenue_retention", fmt.rate, ""),
            ("GRR (trailing 12 months)", "gross_revenue_retention", fmt.rate, ""),
            ("New customers", "new_customer_count", fmt.count, ""),
            ("CAC", "cac_amount", fmt.money, ""),
            ("Cost per lead", "cost_per_lead_amount", fmt.money, ""),
        ]
    cards, headline = [], {}
    for label, metric, formatter, count_col in items:
        value = row.get(metric)
        note = ""
        if count_col:
            note = f"{fmt.count(row.get(count_col))} " + (
                "persons" if count_col == "new_person_count" else "opps"
            )
        if metric.startswith("frozen") and value is None:
            note = "not frozen for this period"
        cards.append(kpi(label, value, formatter(value), metric, src, note))
        headline[metric] = value
    return f'<section class="kpis" aria-label="Headline numbers">{"".join(cards)}</section>', headline


def _pipeline_vs_target(ctx: Context) -> str:
    row, fmt, grain = ctx.row, ctx.fmt, ctx.cadence.grain
    period_bars = [
        ("Qualified in period", _float(row["qualified_pipeline_amount"])),
        ("Frozen at start", _float(row["frozen_pipeline_amount"])),
        ("Open at start", _float(row["open_pipeline_amount_at_start"])),
        ("Open at end", _float(row["open_pipeline_amount_at_end"])),
        ("Created in period", _float(row["created_pipeline_amount"])),
    ]
    change = row.get("created_pipeline_change_pct")
    chart1 = figure(
        f"Pipeline of {ctx.label} against its frozen start",
        svg.bar_chart(
            f"Pipeline of {ctx.label}: qualified and created in the period, open and frozen at its start",
            period_bars,
            fmt.money_short,
            colors=("#0072b2", "#999999", "#56b4e9", "#56b4e9", "#e69f00"),
        ),
        f'<p class="meta">Frozen start: {escape(fmt.money(row["frozen_pipeline_amount"]))} '
        f"({escape(fmt.count(row['frozen_opportunity_count']))} opportunities, as frozen at "
        f"{_e(str(row['frozen_at'])[:16] + ' UTC') if row.get('frozen_at') else 'n/a'}). Created pipeline against the previous period: "
        f"{escape(fmt.money(row['created_pipeline_change_amount']))} ({escape(fmt.rate(change))}).</p>",
    )
    # targets of the period's own grain; the qualified-pipeline target falls back to the quarter's
    own = queries.targets(ctx.reader, grain, ctx.label) if grain != "week" else {}
    quarter = queries.quarter_label(row["period_start"])
    quarterly = own if grain == "quarter" else queries.targets(ctx.reader, "quarter", quarter)
    target_grain, target_label = (grain, ctx.label) if "qualified_pipeline" in own else ("quarter", quarter)
    found = own if "qualified_pipeline" in own else quarterly
    qp = found.get("qualified_pipeline")
    if qp is None:
        chart2 = figure(
            "Qualified pipeline against target",
            svg.bar_chart("Qualified pipeline against target", [], empty="No target set (seed targets)."),
        )
    else:
        chart2 = figure(
            f"Qualified pipeline of {target_label} against its target",
            svg.bar_chart(
                f"Qualified pipeline of {target_label} against its target",
                [("Target", _float(qp["target_amount"])), ("Actual", _float(qp["actual_amount"]))],
                fmt.money_short,
                colors=("#999999", "#0072b2"),
            ),
            f'<p class="meta" data-metric="qualified_pipeline_attainment" data-value="{_data_value(qp["attainment"])}">'
            f"Attainment {escape(fmt.rate(qp['attainment']))} of {escape(fmt.money(qp['target_amount']))} "
            f"(marts.fct_targets_vs_actuals, {escape(target_grain)} {escape(target_label)}).</p>",
        )
    rows = [
        [
            (escape(m.replace("_", " ")), False),
            (escape(_amount(fmt, m, r["target_amount"])), True),
            (escape(_amount(fmt, m, r["actual_amount"])), True),
            (escape(fmt.rate(r["attainment"])), True),
            (escape(fmt.rate(r["pipeline_coverage"]) if r["pipeline_coverage"] is not None else ""), True),
            (
                escape(
                    fmt.money(r["forecast_bookings_amount"])
                    if r["forecast_bookings_amount"] is not None
                    else ""
                ),
                True,
            ),
        ]
        for m, r in sorted((own or quarterly).items())
    ]
    table_grain, table_label = (grain, ctx.label) if own else ("quarter", quarter)
    targets_table = (
        f"<p class='meta'>Targets of {escape(table_grain)} {escape(table_label)} "
        "(marts.fct_targets_vs_actuals):</p>"
        + table(["metric", "target", "actual", "attainment", "coverage", "forecast"], rows)
        if rows
        else ""
    )
    return (
        "<h2>Qualified pipeline against target and the frozen start</h2>"
        f'<div class="grid">{chart1}{chart2}</div>{targets_table}'
    )


def _amount(fmt: Formats, metric: str, value: Any) -> str:
    return fmt.count(value) if metric == "new_customers" else fmt.money(value)


def _trend(ctx: Context) -> str:
    n = TREND_PERIODS[ctx.cadence.grain]
    window = ctx.rows[max(0, ctx.index - n + 1) : ctx.index + 1]
    labels = [r["period_label"] for r in window]
    chart = svg.line_chart(
        f"Created and qualified pipeline, last {len(window)} periods to {ctx.label}",
        labels,
        {
            "qualified pipeline": [_float(r["qualified_pipeline_amount"]) for r in window],
            "created pipeline": [_float(r["created_pipeline_amount"]) for r in window],
        },
        ctx.fmt.money_short,
        width=1000,
        height=250,
    )
    return f"<h2>Trend</h2>{figure('Created and qualified pipeline per period', chart)}"


FUNNEL_STAGE_NAMES = {"sales_ready": "sales-ready"}


def _funnel(ctx: Context) -> str:
    pairs = queries.funnel(ctx.reader, ctx.cadence.grain, ctx.label)
    stages: list[tuple[str, float]] = []
    steps: list[tuple[float | None, float | None]] = []
    for p in pairs:
        stages.append(
            (FUNNEL_STAGE_NAMES.get(p["from_stage"], p["from_stage"]), float(p["entered_from_count"]))
        )
        steps.append((_float(p["cohort_conversion_rate_within_window"]), _float(p["median_days_to_convert"])))
    if pairs:
        last = pairs[-1]
        stages.append(
            (FUNNEL_STAGE_NAMES.get(last["to_stage"], last["to_stage"]), float(last["entered_to_count"]))
        )
    chart = svg.funnel_chart(
        f"Person funnel of {ctx.label}: entries per stage, cohort conversion and median days to the next stage",
        stages,
        steps,
    )
    rows = [
        [
            (escape(f"{p['from_stage']} → {p['to_stage']}"), False),
            (escape(Formats.count(p["cohort_count"])), True),
            (escape(Formats.count(p["converted_within_window_count"])), True),
            (escape(Formats.rate(p["cohort_conversion_rate_within_window"])), True),
            (escape(Formats.rate(p["cohort_conversion_rate_ever"])), True),
            (escape(Formats.rate(p["period_conversion_rate"])), True),
            (escape(Formats.days(p["median_days_to_convert"])), True),
        ]
        for p in pairs
    ]
    window = pairs[0]["conversion_window_days"] if pairs else None
    complete = all(p["is_cohort_window_complete"] for p in pairs) if pairs else True
    note = (
        ""
        if complete
        else "<p class='meta'>The conversion window of this period's cohort is not over yet: shares can still grow.</p>"
    )
    detail = table(
        [
            "stages",
            "cohort",
            f"converted ≤ {window} d",
            "cohort rate",
            "ever",
            "period rate",
            "median velocity",
        ],
        rows,
    )
    return (
        "<h2>Funnel: conversion and velocity</h2>"
        f'<div class="grid">{figure("Person funnel (marts.fct_funnel_conversion)", chart)}'
        f"<div>{detail}{note}</div></div>"
    )


def _cac(ctx: Context) -> str:
    n = TREND_PERIODS[ctx.cadence.grain]
    series = queries.cac_series(ctx.reader, ctx.cadence.grain, ctx.row["period_start"], n)
    labels = [r["period_label"] for r in series]
    cac = svg.line_chart(
        f"CAC and marketing CAC per {ctx.cadence.grain}",
        labels,
        {
            "CAC": [_float(r["cac_amount"]) for r in series],
            "marketing CAC": [_float(r["marketing_cac_amount"]) for r in series],
        },
        ctx.fmt.money_short,
    )
    cpl = svg.line_chart(
        f"Cost per lead per {ctx.cadence.grain}",
        labels,
        {"cost per lead": [_float(r["cost_per_lead_amount"]) for r in series]},
        ctx.fmt.money_short,
    )
    rows = [
        [
            (escape(r["period_label"]), False),
            (escape(ctx.fmt.money(r["sales_marketing_spend_amount"])), True),
            (escape(Formats.count(r["new_customer_count"])), True),
            (escape(ctx.fmt.money(r["cac_amount"])), True),
            (escape(Formats.count(r["new_person_count"])), True),
            (escape(ctx.fmt.money(r["cost_per_lead_amount"])), True),
        ]
        for r in series[-4:]
    ]
    return (
        "<h2>CAC beside cost per lead</h2>"
        f'<div class="grid">{figure("CAC (marts.fct_cac)", cac)}{figure("Cost per lead (marts.fct_cac)", cpl)}</div>'
        + table(["period", "S&M spend", "new customers", "CAC", "new persons", "cost per lead"], rows)
    )


def _arr(ctx: Context) -> str:
    row, fmt = ctx.row, ctx.fmt
    if row.get("starting_arr") is None:
        waterfall = svg.waterfall_chart("Net ARR waterfall", [])
    else:
        waterfall = svg.waterfall_chart(
            f"Net ARR waterfall of {ctx.label}",
            [
                ("start", float(row["starting_arr"]), True),
                ("new", float(row["new_arr"]), False),
                ("expansion", float(row["expansion_arr"]), False),
                ("contraction", -float(row["contraction_arr"]), False),
                ("churn", -float(row["churn_arr"]), False),
                ("end", float(row["ending_arr"]), True),
            ],
            fmt.money_short,
        )
    rows = [
        [(escape(label), False), (escape(fmt.money(row.get(col))), True)]
        for label, col in (
            ("starting ARR", "starting_arr"),
            ("+ new (incl. reactivation)", "new_arr"),
            ("+ expansion", "expansion_arr"),
            ("− contraction", "contraction_arr"),
            ("− churn", "churn_arr"),
            ("= net new ARR", "net_new_arr"),
            ("ending ARR", "ending_arr"),
        )
    ]
    retention = svg.bar_chart(
        "Net and gross revenue retention, trailing 12 months",
        [
            ("NRR", _float(row.get("net_revenue_retention"))),
            ("GRR", _float(row.get("gross_revenue_retention"))),
        ],
        svg.percent,
        colors=("#0072b2", "#009e73"),
    )
    return (
        "<h2>Net ARR and retention</h2>"
        f'<div class="grid">{figure("Net ARR waterfall (marts.fct_revenue_retention)", waterfall)}'
        f"<div>{table(['movement', 'amount'], rows)}"
        f"{figure('NRR and GRR (marts.fct_revenue_retention)', retention)}</div></div>"
    )


def _channels(ctx: Context) -> str:
    rows = queries.channel_pipeline(ctx.reader, ctx.cadence.grain, ctx.label)
    models = sorted({r["attribution_model"] for r in rows})
    totals = Counter()
    for r in rows:
        totals[r["channel"]] += float(r["attributed_pipeline_amount"] or 0)
    channels = sorted(totals, key=lambda c: (-totals[c], c))
    values = {
        (r["channel"], r["attribution_model"]): float(r["attributed_pipeline_amount"] or 0) for r in rows
    }
    chart = svg.grouped_bar_chart(
        f"Attributed pipeline of {ctx.label} by channel under each attribution model",
        channels,
        models,
        values,
        ctx.fmt.money_short,
        width=1000,
    )
    return (
        "<h2>Attributed pipeline by channel and attribution model</h2>"
        + figure("Attributed pipeline $ (marts.fct_channel_performance)", chart)
        + "<p class='meta'>Each model splits the same pipeline differently: compare channels within a model.</p>"
    )


def _buying_groups(ctx: Context) -> str:
    row = ctx.row
    groups = queries.buying_groups(ctx.reader, row["period_start"], row["period_end"])
    missing: Counter[str] = Counter()
    for g in groups:
        for role in (g["missing_required_roles"] or "").split(","):
            if role.strip():
                missing[role.strip()] += 1
    complete = sum(1 for g in groups if g["is_complete"])
    engaged = sum(int(g["engaged_person_count"] or 0) for g in groups)
    chart = svg.bar_chart(
        f"Opportunities created in {ctx.label} missing each required buying role",
        sorted(missing.items(), key=lambda kv: (-kv[1], kv[0])),
        Formats.count,
        empty="No opportunity misses a required role."
        if groups
        else "No opportunity created in this period.",
        colors=("#d55e00",),
    )
    summary = (
        f'<p data-metric="buying_groups_complete" data-value="{complete}" data-total="{len(groups)}">'
        f"{complete} of {len(groups)} opportunities created in the period have a complete buying group "
        f"(every required role of seed required_buying_roles covered); {engaged} engaged persons in their "
        "groups.</p>"
    )
    return (
        "<h2>Buying-group coverage</h2>"
        f'<div class="grid">{figure("Missing required roles (marts.fct_buying_groups)", chart)}'
        f"<div>{summary}</div></div>"
    )


def _worklist(ctx: Context) -> str:
    gaps = queries.worklist(ctx.reader)
    if gaps is None:
        chart = svg.bar_chart(
            "Attribution-health worklist",
            [],
            empty="The data-quality checks have not run on this warehouse (python -m data_quality).",
        )
        return f"<h2>Attribution-health worklist</h2>{figure('Open records per rule', chart)}"
    chart = svg.bar_chart(
        "Open attribution-health records per rule",
        [(g["rule"], float(g["open_count"])) for g in gaps],
        Formats.count,
        width=640,
        empty="No open record: every rule passes.",
        colors=("#8a6d00",),
    )
    rows = [
        [
            (escape(g["rule"]), False),
            (f"<span class='sev-{escape(g['severity'])}'>{escape(g['severity'])}</span>", False),
            (
                f'<span data-rule="{escape(g["rule"])}" data-value="{g["open_count"]}">{g["open_count"]:,}</span>',
                True,
            ),
            (escape(Formats.count(g["owner_count"])), True),
            (escape(str(g["oldest_seen_at"])[:10]), False),
        ]
        for g in gaps
    ]
    return (
        "<h2>Attribution-health worklist</h2>"
        f'<div class="grid">{figure("Open records per rule (marts.dq_attribution_gaps)", chart)}'
        f"<div>{table(['rule', 'severity', 'open', 'owners', 'oldest'], rows)}"
        "<p class='meta'>The records, with the CRM owner who can fix each, are in "
        "<a href='../data_quality/index.html'>the data-quality report</a>.</p></div></div>"
    )


SECTIONS: dict[str, tuple[Callable[[Context], str], ...]] = {
    "weekly": (_pipeline_vs_target, _trend, _buying_groups, _worklist),
    "monthly": (_pipeline_vs_target, _trend, _funnel, _cac, _channels, _buying_groups, _worklist),
    "quarterly": (_pipeline_vs_target, _trend, _arr, _funnel, _cac, _channels, _buying_groups, _worklist),
}


def _document(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><main>{body}</main>{WIDTH_PROBE}</body></html>"
    )


def render_page(reader: Reader, cadence: Cadence, period: str | None, as_of: date, fmt: Formats) -> Page:
    """One review page for ``period`` (default: the latest complete one at ``as_of``)."""
    rows = queries.review_rows(reader, cadence)
    ctx = Context(reader, cadence, rows, queries.pick_period(rows, period, as_of), fmt)
    headline_html, headline = _headline(ctx)
    row = ctx.row
    body = [
        "<nav><a href='../index.html'>All reviews</a><a href='../data_quality/index.html'>Data quality</a></nav>",
        f"<h1>{escape(cadence.title)} {escape(ctx.label)}</h1>",
        f"<p class='meta'>{_e(row['period_start'])} to {_e(row['period_end'])}; numbers from "
        f"<code>{escape(ctx.source)}</code> and the marts named beside each chart, as of {_e(as_of)}; amounts in "
        f"{escape(fmt.currency)}.</p>",
        headline_html,
        *(section(ctx) for section in SECTIONS[cadence.name]),
    ]
    html = _document(f"{cadence.title} {ctx.label} · onefunnel", "\n".join(body))
    return Page(cadence, ctx.label, row["period_start"], row["period_end"], html, headline)


def page_path(out_dir: Path, cadence: str, label: str) -> Path:
    return out_dir / cadence / f"{label}.html"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_index(out_dir: Path) -> str:
    """Links to every review page under ``out_dir`` (newest first per cadence) and the data-quality report."""
    parts = ["<h1>onefunnel reviews</h1>"]
    dq = out_dir / "data_quality" / "index.html"
    parts.append(
        "<p><a href='data_quality/index.html'>Data-quality report</a>"
        + ("" if dq.exists() else " <span class='empty'>(not generated yet: python -m data_quality)</span>")
        + "</p>"
    )
    for cadence in CADENCES.values():
        pattern = LABEL_PATTERNS[cadence.name]
        labels = sorted(
            (p.stem for p in (out_dir / cadence.name).glob("*.html") if pattern.match(p.stem)), reverse=True
        )
        parts.append(f"<h2>{escape(cadence.title)}</h2>")
        if not labels:
            parts.append("<p class='empty'>No page yet.</p>")
            continue
        links = "".join(
            f"<li><a href='{cadence.name}/{escape(lab)}.html'>{escape(lab)}</a></li>" for lab in labels
        )
        parts.append(f"<ul>{links}</ul>")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<p class='meta'>Index written {generated}.</p>")
    return _document("onefunnel reviews", "\n".join(parts))


def cadence_for_label(label: str) -> str:
    """weekly, monthly or quarterly from a period label (2026-W39, 2026-09, 2026-Q3)."""
    for name, pattern in LABEL_PATTERNS.items():
        if pattern.match(label):
            return name
    raise queries.ReviewDataError(f"period {label!r} is none of YYYY-Www, YYYY-MM, YYYY-Qn")


def write_reports(
    warehouse: str,
    out_dir: Path,
    cadences: Sequence[str] | None = None,
    period: str | None = None,
    as_of: date | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Write the pages of ``cadences`` (default all; with ``period``, the one its label names) for
    ``period`` or the latest complete periods, then the index. Returns the paths written, index last."""
    if period is not None:
        named = cadence_for_label(period)
        if cadences and list(cadences) != [named]:
            raise queries.ReviewDataError(f"period {period} is a {named} period, not {', '.join(cadences)}")
        cadences = [named]
    names = list(cadences or CADENCES)
    for name in names:
        if name not in CADENCES:
            raise queries.ReviewDataError(f"unknown cadence {name!r} (one of {', '.join(CADENCES)})")
    as_of = as_of or default_as_of()
    fmt = Formats(reporting_currency())
    written = []
    with queries.connect(warehouse) as reader:
        for name in names:
            page = render_page(reader, CADENCES[name], period, as_of, fmt)
            path = page_path(out_dir, name, page.period_label)
            _write(path, page.html)
            log(f"{page.cadence.title} {page.period_label}: {path}")
            written.append(path)
    index = out_dir / "index.html"
    _write(index, render_index(out_dir))
    log(f"index: {index}")
    return [*written, index]


def default_as_of() -> date:
    """``ONEFUNNEL_AS_OF_DATE`` (as dbt reads it), else today in UTC."""
    value = os.environ.get("ONEFUNNEL_AS_OF_DATE", "").strip()
    return date.fromisoformat(value) if value else datetime.now(UTC).date()
