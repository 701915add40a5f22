"""Run suites: evaluate every rule, keep the results in the warehouse, write the HTML report."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from data_quality.config import (
    Config,
    datasets_from_env,
    load_config,
    reports_dir_from_env,
    warehouse_from_env,
)
from data_quality.connection import Connection, connected
from data_quality.results import CheckResult, SuiteReport
from data_quality.rules import Rule
from data_quality.suites import for_datasets, rule_dataset, suite_names, suite_rules

logger = logging.getLogger(__name__)


def raw_datasets(conn: Connection) -> set[str]:
    """The ``raw_*`` schemas present in the warehouse (the sources that have been loaded)."""
    rows = conn.query("SELECT schema_name FROM information_schema.schemata")
    return {name for (name,) in rows if name.startswith("raw_")}


def run_rules(
    conn: Connection, rules: Sequence[Rule], config: Config | None = None, validator: object | None = None
) -> list[CheckResult]:
    """Evaluate ``rules`` on ``conn`` (read-only: nothing is written)."""
    from data_quality.validate import GxValidator, evaluate

    config = config or load_config()
    gx = validator if isinstance(validator, GxValidator) else GxValidator()
    return [
        evaluate(
            rule, config.settings(rule.name, rule.severity, rule.mostly, rule.params, rule.family), conn, gx
        )
        for rule in rules
    ]


def run_suite(conn: Connection, name: str, config: Config | None = None) -> list[CheckResult]:
    """Evaluate one suite on an open connection; per-rule results with severity and status.

    Read-only. For a Dagster asset check: ``AssetCheckResult(passed=r.passed, severity=ERROR if
    r.severity == "error" else WARN, metadata={...})``. Use :func:`run_suites` to also persist.
    """
    return run_rules(conn, suite_rules(name), config)


def run_suites(
    warehouse: str | None = None,
    suites: list[str] | None = None,
    run_id: str | None = None,
    reports_dir: str | None = None,
    *,
    config: Config | None = None,
    rules: Sequence[Rule] | None = None,
) -> SuiteReport:
    """Evaluate suites (default: all), append ``marts.dq_results``, reconcile ``marts.dq_attribution_gaps``
    and write ``<reports_dir>/data_quality/index.html``.

    ``warehouse``: a DuckDB path or ``postgresql://`` URL; default ``ONEFUNNEL_WAREHOUSE``, else
    ``data/warehouse.duckdb``. ``reports_dir``: default ``ONEFUNNEL_REPORTS_DIR``, else ``reports``.
    ``rules`` replaces the registered suites (tests, ad-hoc rules).
    """
    from data_quality import report_html, store

    started = time.perf_counter()
    warehouse = warehouse or warehouse_from_env()
    run_id = run_id or uuid.uuid4().hex
    run_at = datetime.now(UTC).replace(tzinfo=None)
    skipped: list[Rule] = []
    with connected(warehouse) as conn:
        if rules is not None:
            selected = list(rules)
        else:  # the registered suites, on the raw datasets of the enabled (or else the loaded) sources
            registered = [r for s in suites or suite_names() for r in suite_rules(s)]
            selected, skipped = for_datasets(registered, datasets_from_env() or raw_datasets(conn))
            if skipped:
                names = sorted({rule_dataset(r) or "" for r in skipped})
                logger.info(
                    "data quality: %d rule(s) on %s skipped: source not enabled (ONEFUNNEL_SOURCES) or not loaded",
                    len(skipped),
                    ", ".join(names),
                )
        results = run_rules(conn, selected, config)
        gaps = store.save_run(conn, results, run_id, run_at)
        worklist = store.open_gaps(conn)
    report = SuiteReport(
        run_id=run_id,
        run_at=run_at,
        warehouse=_redact(warehouse),
        results=results,
        gaps=gaps,
        skipped=[r.name for r in skipped],
    )
    path = Path(reports_dir or reports_dir_from_env()) / "data_quality" / "index.html"
    report.report_path = str(report_html.write(path, report, worklist))
    report.duration_s = time.perf_counter() - started
    return report


def _redact(warehouse: str) -> str:
    """Hide a password in a PostgreSQL URL before it lands in reports."""
    if "://" in warehouse and "@" in warehouse:
        scheme, rest = warehouse.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else warehouse
    return warehouse
