"""Results in the warehouse: ``marts.dq_results`` (history) and ``marts.dq_attribution_gaps`` (worklist).

Portable DDL and SQL (DuckDB and PostgreSQL). Timestamps are naive UTC. All writes of a run happen
on one connection in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from data_quality.connection import Connection
from data_quality.results import CheckResult, GapSummary

SCHEMA = "marts"
RESULTS = f"{SCHEMA}.dq_results"
GAPS = f"{SCHEMA}.dq_attribution_gaps"
STAGE = "dq_gaps_stage"

DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {RESULTS} (
        run_id VARCHAR(64) NOT NULL, run_at TIMESTAMP NOT NULL, suite VARCHAR(128) NOT NULL,
        expectation VARCHAR(128) NOT NULL, expectation_type VARCHAR(128), asset VARCHAR(256),
        severity VARCHAR(8) NOT NULL, status VARCHAR(8) NOT NULL, success BOOLEAN,
        evaluated_count BIGINT, unexpected_count BIGINT, unexpected_percent DOUBLE PRECISION,
        observed_value TEXT, error TEXT, description TEXT)""",
    f"""CREATE TABLE IF NOT EXISTS {GAPS} (
        rule VARCHAR(128) NOT NULL, suite VARCHAR(128), severity VARCHAR(8) NOT NULL,
        object_type VARCHAR(64) NOT NULL, object_id VARCHAR(256) NOT NULL,
        owner_id VARCHAR(256), owner_name VARCHAR(256), details TEXT,
        first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL,
        is_open BOOLEAN NOT NULL, closed_at TIMESTAMP, last_run_id VARCHAR(64))""",
]
RESULT_COLUMNS = (
    "run_id",
    "run_at",
    "suite",
    "expectation",
    "expectation_type",
    "asset",
    "severity",
    "status",
    "success",
    "evaluated_count",
    "unexpected_count",
    "unexpected_percent",
    "observed_value",
    "error",
    "description",
)
STAGE_COLUMNS = ("rule", "suite", "severity", "object_type", "object_id", "owner_id", "owner_name", "details")


def ensure_tables(conn: Connection) -> None:
    """Create the schema and both tables if missing."""
    for statement in DDL:
        conn.execute(statement)


def save_run(
    conn: Connection, results: Sequence[CheckResult], run_id: str, run_at: datetime
) -> list[GapSummary]:
    """Append the results and reconcile the worklist, in one transaction. Returns the worklist state."""
    with conn.transaction():
        ensure_tables(conn)
        conn.insert_rows(RESULTS, RESULT_COLUMNS, [_result_row(r, run_id, run_at) for r in results])
        reconciled = [r for r in results if r.object_type and r.status != "error"]
        _stage(conn, reconciled)
        _reconcile(conn, [r.rule for r in reconciled], run_id, run_at)
        conn.execute(f"DROP TABLE {STAGE}")
    return gap_summary(conn, [r.rule for r in results if r.object_type], run_at)


def _result_row(r: CheckResult, run_id: str, run_at: datetime) -> tuple[object, ...]:
    success = None if r.status == "error" else r.status == "passed"
    return (
        run_id,
        run_at,
        r.suite,
        r.rule,
        r.expectation_type,
        r.asset,
        r.severity,
        r.status,
        success,
        r.evaluated_count,
        r.unexpected_count,
        r.unexpected_percent,
        r.observed_value,
        r.error,
        r.description,
    )


def _stage(conn: Connection, results: Sequence[CheckResult]) -> None:
    """Load this run's flagged records (one per rule and object id) into a temporary table."""
    conn.execute(f"DROP TABLE IF EXISTS {STAGE}")
    conn.execute(
        f"CREATE TEMPORARY TABLE {STAGE} (rule VARCHAR(128), suite VARCHAR(128), severity VARCHAR(8), "
        "object_type VARCHAR(64), object_id VARCHAR(256), owner_id VARCHAR(256), owner_name VARCHAR(256), "
        "details TEXT)"
    )
    rows: dict[tuple[str, str], tuple[object, ...]] = {}
    for r in results:
        for f in r.flagged:
            if f.object_id is not None:  # a record without an id cannot be tracked across runs
                rows.setdefault(
                    (r.rule, f.object_id),
                    (
                        r.rule,
                        r.suite,
                        r.severity,
                        r.object_type,
                        f.object_id,
                        f.owner_id,
                        f.owner_name,
                        f.details,
                    ),
                )
    conn.insert_rows(STAGE, STAGE_COLUMNS, list(rows.values()))


def _reconcile(conn: Connection, rules: Sequence[str], run_id: str, run_at: datetime) -> None:
    """Still flagged: touch last_seen_at. Newly flagged: open a row. No longer flagged: close it."""
    if not rules:
        return
    in_rules = ", ".join("?" for _ in rules)
    conn.execute(
        f"""UPDATE {GAPS} AS g SET last_seen_at = ?, last_run_id = ?, severity = s.severity,
            owner_id = s.owner_id, owner_name = s.owner_name, details = s.details
        FROM {STAGE} AS s WHERE g.is_open AND g.rule = s.rule AND g.object_id = s.object_id""",
        [run_at, run_id],
    )
    conn.execute(
        f"""UPDATE {GAPS} AS g SET is_open = FALSE, closed_at = ?, last_run_id = ?
        WHERE g.is_open AND g.rule IN ({in_rules}) AND NOT EXISTS (
            SELECT 1 FROM {STAGE} AS s WHERE s.rule = g.rule AND s.object_id = g.object_id)""",
        [run_at, run_id, *rules],
    )
    conn.execute(
        f"""INSERT INTO {GAPS} (rule, suite, severity, object_type, object_id, owner_id, owner_name, details,
            first_seen_at, last_seen_at, is_open, closed_at, last_run_id)
        SELECT s.rule, s.suite, s.severity, s.object_type, s.object_id, s.owner_id, s.owner_name, s.details,
            ?, ?, TRUE, NULL, ? FROM {STAGE} AS s
        WHERE NOT EXISTS (SELECT 1 FROM {GAPS} AS g
            WHERE g.is_open AND g.rule = s.rule AND g.object_id = s.object_id)""",
        [run_at, run_at, run_id],
    )


def gap_summary(conn: Connection, rules: Sequence[str], run_at: datetime) -> list[GapSummary]:
    """Open, newly opened and just-closed worklist rows per rule (as of the run at ``run_at``)."""
    if not rules:
        return []
    rows = conn.query(
        f"""SELECT rule, MAX(severity),
            SUM(CASE WHEN is_open THEN 1 ELSE 0 END),
            SUM(CASE WHEN is_open AND first_seen_at = ? THEN 1 ELSE 0 END),
            SUM(CASE WHEN closed_at = ? THEN 1 ELSE 0 END)
        FROM {GAPS} WHERE rule IN ({", ".join("?" for _ in rules)}) GROUP BY rule""",
        [run_at, run_at, *rules],
    )
    found = {r[0]: GapSummary(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows}
    return [found.get(rule, GapSummary(rule, "", 0, 0, 0)) for rule in rules]


def open_gaps(conn: Connection, limit: int = 500) -> list[tuple[object, ...]]:
    """Open worklist rows, oldest first (for the HTML report)."""
    return conn.query(
        f"""SELECT rule, severity, object_type, object_id, owner_name, owner_id, details, first_seen_at,
            last_seen_at FROM {GAPS} WHERE is_open ORDER BY owner_name, rule, first_seen_at, object_id
        LIMIT {int(limit)}"""
    )
