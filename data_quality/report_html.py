"""A self-contained HTML page (no CDN, no JavaScript): check results per suite and the worklist."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from data_quality.results import SuiteReport

STYLE = """body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
.passed{color:#17692c}.failed{color:#b3261e;font-weight:600}.error{color:#8a4b00;font-weight:600}
.sev-warn{color:#8a6d00}.sev-error{font-weight:600}code{font-size:12px}"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _e(value: object) -> str:
    return "" if value is None else escape(str(value))


def render(report: SuiteReport, worklist: Sequence[Sequence[object]]) -> str:
    """The page as a string."""
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>onefunnel data quality</title>"
        f"<style>{STYLE}</style></head><body><h1>Data quality</h1>",
        f"<p>Run <code>{_e(report.run_id)}</code> at {_e(report.run_at)} UTC on <code>{_e(report.warehouse)}"
        f"</code>: {report.count('passed')} passed, {report.count('failed')} failed, "
        f"{report.count('error')} could not be evaluated.</p>",
    ]
    for suite in dict.fromkeys(r.suite for r in report.results):
        rows = [
            (
                f"<b>{_e(r.rule)}</b><br><small>{_e(r.description)}</small>",
                _e(r.asset),
                f"<span class='sev-{r.severity}'>{r.severity}</span>",
                f"<span class='{r.status}'>{r.status}</span>",
                _e(r.evaluated_count),
                _e(r.unexpected_count),
                "" if r.unexpected_percent is None else f"{r.unexpected_percent:.2f}",
                _e(r.error or r.observed_value),
                f"<code>{_e(r.expectation_type)}</code>",
            )
            for r in report.results
            if r.suite == suite
        ]
        parts.append(
            f"<h2>Suite {_e(suite)}</h2>"
            + _table(
                [
                    "expectation",
                    "asset",
                    "severity",
                    "status",
                    "evaluated",
                    "unexpected",
                    "%",
                    "observed / error",
                    "GX expectation",
                ],
                rows,
            )
        )
    parts.append("<h2>Worklist (marts.dq_attribution_gaps)</h2>")
    parts.append(
        _table(
            ["rule", "severity", "open", "new this run", "closed this run"],
            [(_e(g.rule), _e(g.severity), g.open_count, g.new_count, g.closed_count) for g in report.gaps],
        )
    )
    parts.append(f"<h3>Open records ({len(worklist)} shown)</h3>")
    parts.append(
        _table(
            ["rule", "severity", "type", "record", "owner", "owner id", "details", "first seen", "last seen"],
            [[_e(c) for c in row] for row in worklist],
        )
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def write(path: Path, report: SuiteReport, worklist: Sequence[Sequence[object]]) -> Path:
    """Write the page to ``path`` (parents created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, worklist), encoding="utf-8")
    return path
