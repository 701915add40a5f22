"""Run the real pipeline (sandbox -> dlt -> dbt -> checks, through Dagster) into an isolated warehouse.

dbt builds the project's own dbt_project/, like `make run`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestration import settings


@contextmanager
def dbt_project_at(root: Path) -> Iterator[Path]:
    """The dbt project the pipeline builds (the working tree's; ``root`` is unused, kept for callers)."""
    yield settings.DBT_PROJECT_DIR


@contextmanager
def isolated_env(root: Path) -> Iterator[Path]:
    """A fresh warehouse, dlt state and reports dir under ``root`` (as tests/orchestration does)."""
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


@contextmanager
def pipeline_env(root: Path) -> Iterator[Path]:
    """An isolated warehouse and the committed dbt project (parsed once) for several runs."""
    with isolated_env(root) as warehouse, dbt_project_at(root / "dbt"):
        yield warehouse


def run_nightly(company: Any) -> Any:
    """``execute_nightly`` on ``company`` served by the emulator (inside :func:`pipeline_env`)."""
    from orchestration.run import execute_nightly
    from orchestration.sandbox import running_sandbox

    with running_sandbox(company=company):
        return execute_nightly()
