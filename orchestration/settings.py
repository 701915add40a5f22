"""Where things live. Every value is read when asked for, never at import time."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DUCKDB_WRITER_POOL = "duckdb_writer"


def warehouse() -> str:
    """The warehouse named by ``ONEFUNNEL_WAREHOUSE``: a DuckDB path (absolute) or a postgresql:// URL."""
    value = os.environ.get("ONEFUNNEL_WAREHOUSE", "").strip() or DEFAULT_WAREHOUSE
    if value.startswith(("postgresql://", "postgres://")):
        return value
    path = Path(value)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return str(path)


def is_postgres(value: str | None = None) -> bool:
    return (value or warehouse()).startswith(("postgresql://", "postgres://"))


def dlt_pipelines_dir() -> str:
    """dlt keeps its pipeline state here (beside the warehouse, so a fresh warehouse gets fresh state)."""
    value = os.environ.get("ONEFUNNEL_DLT_PIPELINES_DIR", "").strip()
    if value:
        return value
    if is_postgres():
        return str(REPO_ROOT / "data" / "dlt_pipelines")
    return str(Path(warehouse()).parent / "dlt_pipelines")


def reports_dir() -> Path:
    value = os.environ.get("ONEFUNNEL_REPORTS_DIR", "").strip()
    return Path(value) if value else REPO_ROOT / "reports"


def timezone() -> str:
    return os.environ.get("ONEFUNNEL_TIMEZONE", "").strip() or "UTC"


def alert_webhook_url() -> str | None:
    """``ONEFUNNEL_ALERT_WEBHOOK_URL``: where the failure sensor POSTs a JSON alert (unset = log only)."""
    return os.environ.get("ONEFUNNEL_ALERT_WEBHOOK_URL", "").strip() or None


def alert_timeout_seconds() -> float:
    """``ONEFUNNEL_ALERT_TIMEOUT_SECONDS`` (default 5): the webhook call never holds the sensor longer."""
    return float(os.environ.get("ONEFUNNEL_ALERT_TIMEOUT_SECONDS", "").strip() or 5)


# First month of the monthly Salesforce backfill partitions (SystemModstamp windows), YYYY-MM.
# A setting, not env: Dagster needs the same partition set in every process that loads the definitions.
BACKFILL_START_MONTH = "2020-01"
# dlt pipeline (and so state) used by backfill windows: never the nightly incremental cursor.
BACKFILL_PIPELINE_NAME = "onefunnel_salesforce_backfill"
