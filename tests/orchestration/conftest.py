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
