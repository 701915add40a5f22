"""fct_pipeline_snapshots is incremental (insert-only): a later run adds the periods that started since,
computed exactly as a full refresh computes them, and leaves the periods frozen earlier as they were,
whatever happened to the deals meanwhile (issue #6, "freezes are history")."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, run_dbt
from dbt_raw_fixture import build_raw_warehouse

FIRST_AS_OF = "2025-04-15"
LATER_AS_OF = "2025-10-15"
COLUMNS = (
    "period_grain, period_label, period_start, period_end, opportunity_id, account_id, owner_id, "
    "stage_name, funnel_stage, amount_reporting, snapshot_at, opened_at"
)  # every column but frozen_at (when the row was written)


def _build(warehouse: Path, work: Path, as_of: str, *extra: str) -> None:
    result = run_dbt(
        [
            "build",
            "--select",
            "+fct_pipeline_snapshots",
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            *extra,
        ],
        {
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_AS_OF_DATE": as_of,
            "ONEFUNNEL_DBT_TARGET": "duckdb",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def _rows(warehouse: Path, where: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select {COLUMNS} from marts.fct_pipeline_snapshots where {where} order by all"
        ).fetchall()


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three warehouses: frozen at FIRST_AS_OF; the same after the deals changed and an incremental run at
    LATER_AS_OF; and a full refresh of the changed data at LATER_AS_OF."""
    work = tmp_path_factory.mktemp("snapshots_incremental")
    incremental = build_raw_warehouse(work / "incremental.duckdb")
    _build(incremental, work, FIRST_AS_OF)
    first = work / "first.duckdb"
    shutil.copy(incremental, first)
    with duckdb.connect(str(incremental)) as con:  # every deal's amount changes after the first freeze
        con.execute("update raw_salesforce.opportunity set amount = amount * 2")
    full = work / "full.duckdb"
    shutil.copy(incremental, full)
    _build(incremental, work, LATER_AS_OF)
    _build(full, work, LATER_AS_OF, "--full-refresh")
    return {"first": first, "incremental": incremental, "full": full}


def test_periods_frozen_earlier_do_not_change(snapshots: dict[str, Path]) -> None:
    frozen_first = _rows(snapshots["first"], "true")
    assert frozen_first  # opportunities were open at the first run's period starts
    assert _rows(snapshots["incremental"], f"period_start <= date '{FIRST_AS_OF}'") == frozen_first
    # the changed amounts are visible to a full refresh of those periods: the freeze kept history
    assert _rows(snapshots["full"], f"period_start <= date '{FIRST_AS_OF}'") != frozen_first


def test_periods_added_incrementally_equal_a_full_refresh(snapshots: dict[str, Path]) -> None:
    later = f"period_start > date '{FIRST_AS_OF}'"
    added = _rows(snapshots["incremental"], later)
    assert added
    assert added == _rows(snapshots["full"], later)
    # and nothing after the later as-of date is frozen, even where the periods run on to later activity
    assert _rows(snapshots["incremental"], f"period_start > date '{LATER_AS_OF}'") == []
