"""Fixtures for the dbt project tests: a hand-made raw warehouse and one shared ``dbt build``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt_raw_fixture import build_raw_warehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPO_ROOT / "dbt_project"
AS_OF_DATE = "2025-10-15"


@dataclass
class DbtBuild:
    warehouse: Path
    success: bool
    results: list[dict]
    seconds: float
    output: str


def run_dbt(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the venv's dbt in a subprocess (dbt-duckdb keeps the database open in-process)."""
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    """Build the whole project once against the hand-made raw warehouse."""
    import time

    work = tmp_path_factory.mktemp("dbt")
    warehouse = build_raw_warehouse(work / "warehouse.duckdb")
    env = {
        "ONEFUNNEL_WAREHOUSE": str(warehouse),
        "ONEFUNNEL_AS_OF_DATE": AS_OF_DATE,
        "ONEFUNNEL_DBT_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.monotonic()
    result = run_dbt(
        [
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--no-partial-parse",
            "--no-use-colors",
        ],
        env,
    )
    seconds = time.monotonic() - started
    results = []
    run_results = work / "target" / "run_results.json"
    if run_results.exists():
        results = json.loads(run_results.read_text())["results"]
    return DbtBuild(
        warehouse=warehouse,
        success=result.returncode == 0,
        results=results,
        seconds=seconds,
        output=result.stdout + result.stderr,
    )


@pytest.fixture()
def warehouse(dbt_build: DbtBuild):
    """A read-only connection to the built warehouse."""
    import duckdb

    con = duckdb.connect(str(dbt_build.warehouse), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    yield con
    con.close()
