"""`make run`: the whole pipeline once, through Dagster, then a short summary.

python -m orchestration.run                 # the sandbox company (no credentials needed)
python -m orchestration.run --source real   # the systems configured in env / .dlt/secrets.toml
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.sandbox.profiles import DEFAULT_PROFILE, PROFILES
from orchestration import settings


@dataclass
class RunSummary:
    success: bool
    seconds: float
    rows_loaded: dict[str, int] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    qualified_pipeline: list[tuple[str, float, float]] = field(default_factory=list)
    gaps: list[tuple[str, str, int]] = field(default_factory=list)
    failure: str | None = None

    def render(self, warehouse: str, ground_truth: dict[str, Any] | None) -> str:
        lines = [
            "",
            "onefunnel run " + ("succeeded" if self.success else "FAILED") + f" in {self.seconds:.0f}s",
        ]
        if self.failure:
            lines.append(f"  what failed: {self.failure}")
        lines.append("  rows loaded per source:")
        per_source: dict[str, int] = {}
        for key, rows in self.rows_loaded.items():
            per_source.setdefault(key.split("/")[0], 0)
            per_source[key.split("/")[0]] += rows
        for source, rows in sorted(per_source.items()):
            lines.append(f"    {source:<24}{rows:>12,}")
        if self.qualified_pipeline:
            truth = (ground_truth or {}).get("qualified_pipeline_by_quarter", {})
            lines.append("  qualified pipeline $ per quarter (created $ beside it):")
            for label, qualified, created in self.qualified_pipeline:
                mark = ""
                if truth:
                    mark = (
                        "  = sandbox truth"
                        if f"{qualified:.2f}" == truth.get(label, "0.00")
                        else "  != truth"
                    )
                lines.append(f"    {label:<10}{qualified:>16,.2f}{created:>16,.2f}{mark}")
        from data_quality import suite_names

        suites = set(suite_names())
        for label, group in (
            ("data-quality suites (Great Expectations)", [c for c in self.checks if c["name"] in suites]),
            ("dbt tests", [c for c in self.checks if c["name"] not in suites]),
        ):
            passed = sum(1 for c in group if c["passed"])
            lines.append(f"  {label}: {passed} passed, {len(group) - passed} failed")
            for check in group:
                if not check["passed"]:
                    lines.append(f"    FAILED {check['asset']}:{check['name']} ({check['severity'].lower()})")
        if self.gaps:
            lines.append("  attribution-health worklist (open records per rule, marts.dq_attribution_gaps):")
            for rule, severity, count in self.gaps:
                lines.append(f"    {rule:<46}{count:>8,}  ({severity})")
        lines.append(f"  warehouse: {warehouse}  (schemas raw_<source>, staging, intermediate, marts)")
        if not settings.is_postgres():
            published = Path(warehouse).parent / "published" / "marts.duckdb"
            if published.exists():
                lines.append(f"  published marts for BI (read-only, swapped atomically): {published}")
        pages = settings.reports_dir() / "index.html"
        if pages.exists():
            lines.append(f"  review pages: {pages}")
        lines.append(f"  data-quality report: {settings.reports_dir() / 'data_quality' / 'index.html'}")
        return "\n".join(lines)


def execute_nightly() -> RunSummary:
    """Materialize every asset and check through Dagster, in this process, on the local instance."""
    import dagster as dg

    from orchestration.definitions import defs

    started = time.monotonic()
    definitions = defs()
    job = definitions.resolve_job_def("nightly")
    instance = dg.DagsterInstance.get() if _has_dagster_home() else dg.DagsterInstance.ephemeral()
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    summary = RunSummary(success=result.success, seconds=time.monotonic() - started)
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        rows = mat.metadata.get("rows_loaded")
        if rows is not None:
            summary.rows_loaded["/".join(mat.asset_key.path)] = int(rows.value)
    for evaluation in result.get_asset_check_evaluations():
        summary.checks.append(
            {
                "asset": "/".join(evaluation.asset_key.path),
                "name": evaluation.check_name,
                "passed": evaluation.passed,
                "severity": evaluation.severity.value,
            }
        )
    if not result.success:
        failed = [e for e in result.all_events if e.is_step_failure]
        if failed:
            err = failed[0].step_failure_data.error
            summary.failure = f"step {failed[0].step_key}: {err.message.strip() if err else 'unknown error'}"
    summary.qualified_pipeline = _marts_query(
        "select period_label, qualified_pipeline_amount, created_pipeline_amount from marts.fct_pipeline "
        "where period_grain = 'quarter' order by period_start",
        lambda r: (r[0], float(r[1] or 0), float(r[2] or 0)),
    )
    summary.gaps = _marts_query(
        "select rule, max(severity), count(*) from marts.dq_attribution_gaps where is_open "
        "group by rule order by rule",
        lambda r: (r[0], r[1], int(r[2])),
    )
    return summary


def _has_dagster_home() -> bool:
    import os

    return bool(os.environ.get("DAGSTER_HOME"))


def _marts_query(sql: str, convert: Callable[[tuple[Any, ...]], Any]) -> list[Any]:
    """Rows of a summary query on the marts, or nothing when the table is not built (a failed run)."""
    if settings.is_postgres():
        import psycopg2

        with contextlib.closing(psycopg2.connect(settings.warehouse())) as con, con.cursor() as cur:
            try:
                cur.execute(sql)
            except psycopg2.Error:
                return []
            return [convert(r) for r in cur.fetchall()]
    import duckdb

    if not Path(settings.warehouse()).exists():
        return []
    with duckdb.connect(settings.warehouse(), read_only=True) as con:
        try:
            return [convert(r) for r in con.execute(sql).fetchall()]
        except duckdb.CatalogException:
            return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", choices=["sandbox", "real"], default="sandbox")
    parser.add_argument("--seed", type=int, default=42, help="sandbox company seed")
    parser.add_argument("--scale", type=float, default=1.0, help="sandbox company size (1.0 = ~6k persons)")
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default=DEFAULT_PROFILE,
        help="sandbox stack: which systems hold the CRM and the marketing data (same company, same truth)",
    )
    args = parser.parse_args(argv)

    truth: dict[str, Any] | None = None
    if args.source == "sandbox":
        from orchestration.sandbox import running_sandbox

        print(
            f"onefunnel: generating the sandbox company (seed {args.seed}, scale {args.scale}, "
            f"stack {args.profile}) ...",
            flush=True,
        )
        # spend files only where the sandbox's paid campaigns live in Salesforce; product events everywhere
        files = ("ad_spend", "product_events") if args.profile == DEFAULT_PROFILE else ("product_events",)
        with running_sandbox(
            seed=args.seed, scale=args.scale, profile=args.profile, file_sources=files
        ) as sandbox:
            for system, url in (
                ("Salesforce", sandbox.salesforce_url),
                ("HubSpot", sandbox.hubspot_url),
                ("Marketo", sandbox.marketo_url),
            ):
                if url:
                    print(f"onefunnel: {system} emulator on {url}", flush=True)
            truth = json.loads(sandbox.ground_truth_path.read_text())
            summary = execute_nightly()
    else:
        summary = execute_nightly()
    print(summary.render(settings.warehouse(), truth), flush=True)
    if not summary.success:
        print("  next: read the failing step's log above, fix, and rerun `make run` (reruns are safe).")
    return 0 if summary.success else 1


if __name__ == "__main__":
    sys.exit(main())
