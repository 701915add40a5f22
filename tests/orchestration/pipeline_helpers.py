"""Helpers for the orchestration tests that run part of the pipeline: the Salesforce marts, the pipeline
freezes and the reviews (not every mart of the project, to keep the tests fast)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

REVIEW_MARTS = (
    "marts/fct_opportunities",
    "marts/fct_opportunity_stages",
    "marts/fct_stage_win_rates",
    "marts/fct_pipeline",
    "marts/fct_pipeline_snapshots",
    "marts/fct_pipeline_snapshot_periods",
    "marts/rpt_weekly_pipeline_review",
    "marts/rpt_monthly_marketing_review",
    "marts/rpt_quarterly_business_review",
)
RAW_TABLES = (
    "user",
    "account",
    "contact",
    "lead",
    "campaign",
    "campaign_member",
    "opportunity",
    "opportunity_contact_role",
    "opportunity_history",
)
# columns that legitimately differ between two loads of the same data
VOLATILE = {"_dlt_load_id", "_dlt_id", "frozen_at"}


@contextlib.contextmanager
def warehouse_env(root: Path) -> Iterator[Path]:
    """Point the warehouse, dlt state and reports at ``root`` for the duration."""
    root.mkdir(parents=True, exist_ok=True)
    values = {
        "ONEFUNNEL_WAREHOUSE": str(root / "warehouse.duckdb"),
        "ONEFUNNEL_DLT_PIPELINES_DIR": str(root / "dlt"),
        "ONEFUNNEL_REPORTS_DIR": str(root / "reports"),
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield root / "warehouse.duckdb"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def review_selection(definitions: dg.Definitions, with_raw: bool) -> list[dg.AssetKey]:
    """The dbt models the review marts need (and the nightly Salesforce tables when ``with_raw``)."""
    marts = dg.AssetSelection.assets(*(dg.AssetKey(k.split("/")) for k in REVIEW_MARTS))
    selection = marts.upstream() - dg.AssetSelection.groups("raw_salesforce")
    if with_raw:
        selection = selection | dg.AssetSelection.assets(
            *(dg.AssetKey(["raw_salesforce", t]) for t in RAW_TABLES)
        )
    return sorted(selection.resolve(definitions.resolve_asset_graph()))


def run_job(
    definitions: dg.Definitions,
    job_name: str,
    instance: dg.DagsterInstance | None = None,
    tags: dict[str, str] | None = None,
    selection: list[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run ``job_name``, or only the assets in ``selection`` (without checks) under that name."""
    if selection is not None:
        subset = dg.define_asset_job(
            f"{job_name}_subset", selection=dg.AssetSelection.assets(*selection).without_checks()
        )
        definitions = dg.Definitions.merge(definitions, dg.Definitions(jobs=[subset]))
        job_name = subset.name
    return definitions.resolve_job_def(job_name).execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(), tags=tags, raise_on_error=False
    )


def table_rows(warehouse: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns (without load-specific ones) and sorted rows of ``schema.table``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schema, name = table.split(".")
        cols = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, name],
            ).fetchall()
            if c not in VOLATILE
        ]
        rows = con.execute(
            f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from {schema}."{name}"'
        ).fetchall()
    return cols, sorted(rows, key=repr)
