"""Read the marts the review pages show, read-only: DuckDB (file path) or PostgreSQL (URL).

SQL is portable (DuckDB and PostgreSQL) and written with ``?`` placeholders. Amounts come back as
``Decimal`` (exact, cents kept), rates as floats. Nothing here writes to the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

SCHEMA = "marts"


@dataclass(frozen=True)
class Cadence:
    name: str  # weekly, monthly, quarterly
    table: str  # the rpt_* review
    grain: str  # week, month, quarter
    title: str


CADENCES = {
    c.name: c
    for c in (
        Cadence("weekly", "rpt_weekly_pipeline_review", "week", "Weekly pipeline review"),
        Cadence("monthly", "rpt_monthly_marketing_review", "month", "Monthly marketing review"),
        Cadence("quarterly", "rpt_quarterly_business_review", "quarter", "Quarterly business review"),
    )
}


class ReviewDataError(Exception):
    """The warehouse lacks what a page needs (a review table, a period): the message says what."""


class Reader:
    """One read-only warehouse connection returning rows as dicts."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        if self.dialect == "duckdb":
            cur = self.raw.execute(sql, list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        with self.raw.cursor() as cur:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def has_table(self, name: str, schema: str = SCHEMA) -> bool:
        return bool(
            self.rows(
                "select 1 as found from information_schema.tables where table_schema = ? and table_name = ?",
                (schema, name),
            )
        )


@contextmanager
def connect(warehouse: str) -> Iterator[Reader]:
    """Open ``warehouse`` read-only (a DuckDB path or a ``postgresql://`` URL) and always close it."""
    if warehouse.startswith(("postgresql://", "postgres://")):
        import psycopg2

        raw = psycopg2.connect(warehouse)
        raw.set_session(readonly=True, autocommit=True)
        reader = Reader(raw, "postgres")
    else:
        import duckdb

        if not Path(warehouse).exists():
            raise ReviewDataError(f"DuckDB warehouse {warehouse} does not exist (set ONEFUNNEL_WAREHOUSE?)")
        raw = duckdb.connect(warehouse, read_only=True)
        raw.execute("set TimeZone = 'UTC'")
        reader = Reader(raw, "duckdb")
    try:
        yield reader
    finally:
        raw.close()


def review_rows(reader: Reader, cadence: Cadence) -> list[dict[str, Any]]:
    """Every row of the cadence's review, oldest first."""
    if not reader.has_table(cadence.table):
        raise ReviewDataError(f"{SCHEMA}.{cadence.table} does not exist: build the dbt project first")
    return reader.rows(f"select * from {SCHEMA}.{cadence.table} order by period_start")


def pick_period(rows: list[dict[str, Any]], period: str | None, as_of: date) -> int:
    """Index in ``rows`` of ``period`` (a label), or of the latest complete period: the latest whose
    last day is on or before ``as_of`` (the business today, whose data counts as loaded)."""
    if not rows:
        raise ReviewDataError("the review has no periods yet (no opportunities?)")
    if period is not None:
        for i, row in enumerate(rows):
            if row["period_label"] == period:
                return i
        labels = [r["period_label"] for r in rows]
        raise ReviewDataError(f"period {period!r} is not in the review (it has {labels[0]} to {labels[-1]})")
    complete = [i for i, r in enumerate(rows) if r["period_end"] <= as_of]
    if not complete:
        raise ReviewDataError(f"no period of the review ends on or before {as_of}")
    return complete[-1]


def targets(reader: Reader, grain: str, label: str) -> dict[str, dict[str, Any]]:
    """metric -> row of fct_targets_vs_actuals for one period (empty when no target is set)."""
    rows = reader.rows(
        f"select * from {SCHEMA}.fct_targets_vs_actuals where period_grain = ? and period_label = ?",
        (grain, label),
    )
    return {r["metric"]: r for r in rows}


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def funnel(reader: Reader, grain: str, label: str, entity_type: str = "person") -> list[dict[str, Any]]:
    """Adjacent stage pairs of fct_funnel_conversion for one period, in funnel order."""
    return reader.rows(
        f"select * from {SCHEMA}.fct_funnel_conversion where entity_type = ? and period_grain = ? "
        "and period_label = ? order by from_stage_order",
        (entity_type, grain, label),
    )


def cac_series(reader: Reader, grain: str, until: date, count: int) -> list[dict[str, Any]]:
    """The last ``count`` periods of fct_cac up to the one starting on ``until``, oldest first."""
    rows = reader.rows(
        f"select * from {SCHEMA}.fct_cac where period_grain = ? and period_start <= ? "
        "order by period_start desc limit ?",
        (grain, until, count),
    )
    return rows[::-1]


def channel_pipeline(reader: Reader, grain: str, label: str) -> list[dict[str, Any]]:
    """Attributed pipeline per attribution model and channel (fct_channel_performance) in one period.
    An unmapped channel is named 'unmapped', never dropped."""
    return reader.rows(
        "select attribution_model, coalesce(channel, 'unmapped') as channel, "
        "sum(attributed_pipeline_amount) as attributed_pipeline_amount "
        f"from {SCHEMA}.fct_channel_performance where period_grain = ? and period_label = ? "
        "group by attribution_model, coalesce(channel, 'unmapped') order by attribution_model, channel",
        (grain, label),
    )


def buying_groups(reader: Reader, start: date, end: date) -> list[dict[str, Any]]:
    """Buying groups (fct_buying_groups) of the opportunities created from ``start`` to ``end``."""
    return reader.rows(
        "select bg.opportunity_id, bg.is_complete, bg.role_completeness, bg.missing_required_roles, "
        "bg.engaged_person_count, bg.member_person_count "
        f"from {SCHEMA}.fct_buying_groups as bg inner join {SCHEMA}.fct_opportunities as o "
        "on bg.opportunity_id = o.opportunity_id "
        "where bg.entity_type = 'opportunity' and cast(o.created_at as date) between ? and ? "
        "order by bg.opportunity_id",
        (start, end),
    )


def worklist(reader: Reader) -> list[dict[str, Any]] | None:
    """Open records per rule of the attribution-health worklist (marts.dq_attribution_gaps), with the
    owners who can fix them; ``None`` when the data-quality checks have never run on this warehouse."""
    if not reader.has_table("dq_attribution_gaps"):
        return None
    return reader.rows(
        "select rule, severity, count(*) as open_count, count(distinct owner_id) as owner_count, "
        "min(first_seen_at) as oldest_seen_at "
        f"from {SCHEMA}.dq_attribution_gaps where is_open group by rule, severity "
        "order by count(*) desc, rule"
    )
