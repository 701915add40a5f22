"""Fixtures that run the real pipeline (sandbox -> dlt -> dbt -> checks) through Dagster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.dbt_manifest import prepare_manifest


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """Parse the dbt project once per test session, as `make manifest` does."""
    return prepare_manifest()


@pytest.fixture(scope="module")
def isolated_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh DuckDB warehouse, dlt state and reports dir for one test module."""
    root = tmp_path_factory.mktemp("warehouse")
    keys = ("ONEFUNNEL_WAREHOUSE", "ONEFUNNEL_DLT_PIPELINES_DIR", "ONEFUNNEL_REPORTS_DIR")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["ONEFUNNEL_WAREHOUSE"] = str(root / "warehouse.duckdb")
    os.environ["ONEFUNNEL_DLT_PIPELINES_DIR"] = str(root / "dlt")
    os.environ["ONEFUNNEL_REPORTS_DIR"] = str(root / "reports")
    try:
        yield root / "warehouse.duckdb"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def review_loads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One small company loaded twice: by the nightly path, and by a backfill of every month then the
    build job. Only the Salesforce marts, freezes and reviews are built (fast); shared by the modules."""
    import datetime as dt

    from pipeline_helpers import review_selection, run_job, warehouse_env

    from ingestion.sandbox import generate_company
    from orchestration.backfill import RANGE_END_TAG, RANGE_START_TAG
    from orchestration.definitions import defs
    from orchestration.sandbox import running_sandbox

    prepare_manifest()  # the tree may have changed since the session started
    company = generate_company(seed=11, scale=0.1)
    root = tmp_path_factory.mktemp("review_loads")
    definitions = defs()
    with running_sandbox(company=company):
        with warehouse_env(root / "full") as full:
            assert run_job(
                definitions, "nightly", selection=review_selection(definitions, with_raw=True)
            ).success
        with warehouse_env(root / "backfill") as backfilled:
            tags = {RANGE_START_TAG: "2020-01", RANGE_END_TAG: dt.date.today().strftime("%Y-%m")}
            result = run_job(definitions, "salesforce_history_backfill", tags=tags)
            assert result.success
            # one run materializes every month of the range (BackfillPolicy.single_run)
            assert len(result.get_asset_materialization_events()) > 12
            assert run_job(
                definitions, "build", selection=review_selection(definitions, with_raw=False)
            ).success
    return full, backfilled
