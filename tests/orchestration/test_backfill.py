"""A backfill of the sandbox's whole history (monthly SystemModstamp windows, one run) gives the same
raw tables and marts as a full load, table by table; the nightly cursor is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import RAW_TABLES, REVIEW_MARTS, table_rows

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("table", [f"raw_salesforce.{t}" for t in RAW_TABLES])
def test_raw_tables_equal_a_full_load(review_loads: tuple[Path, Path], table: str) -> None:
    full, backfilled = review_loads
    assert table_rows(backfilled, table) == table_rows(full, table)


@pytest.mark.parametrize("table", [m.replace("/", ".") for m in REVIEW_MARTS])
def test_marts_equal_a_full_load(review_loads: tuple[Path, Path], table: str) -> None:
    full, backfilled = review_loads
    cols, rows = table_rows(full, table)
    assert rows, f"{table} is empty"
    assert table_rows(backfilled, table) == (cols, rows)


def test_backfill_keeps_its_own_dlt_state(review_loads: tuple[Path, Path]) -> None:
    _, backfilled = review_loads
    pipelines = {p.name for p in (backfilled.parent / "dlt").iterdir()}
    assert "onefunnel_salesforce_backfill" in pipelines
    assert "onefunnel_salesforce" not in pipelines  # the nightly cursor was never created or moved
