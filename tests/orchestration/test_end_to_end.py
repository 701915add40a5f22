"""The whole pipeline on the sandbox company, through Dagster, checked against the sandbox ground truth.

One module-scoped run at a small scale, then a rerun with no source changes, then a run after the
Salesforce emulator adds, updates and deletes opportunities. Every number compared here comes from
the generator's ground truth, computed in Python from the org records, never from the SQL under test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.sandbox import generate_company
from orchestration.run import RunSummary, execute_nightly
from orchestration.sandbox import running_sandbox

pytestmark = pytest.mark.slow

SEED, SCALE = 7, 0.25
RAW_TABLES = {
    "user": "User",
    "account": "Account",
    "contact": "Contact",
    "lead": "Lead",
    "campaign": "Campaign",
    "campaign_member": "CampaignMember",
    "opportunity": "Opportunity",
    "opportunity_contact_role": "OpportunityContactRole",
    "opportunity_history": "OpportunityHistory",
}


def _query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _raw_counts(warehouse: Path) -> dict[str, int]:
    return {t: _query(warehouse, f'select count(*) from raw_salesforce."{t}"')[0][0] for t in RAW_TABLES}


def _pipeline_by_quarter(warehouse: Path, column: str) -> dict[str, str]:
    rows = _query(
        warehouse,
        f"select period_label, {column} from marts.fct_pipeline "
        "where period_grain = 'quarter' order by period_start",
    )
    return {label: f"{Decimal(str(v or 0)):.2f}" for label, v in rows}


def _nonzero(d: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in d.items() if Decimal(v) != 0}


@pytest.fixture(scope="module")
def company():
    return generate_company(seed=SEED, scale=SCALE)


@pytest.fixture(scope="module")
def first_run(isolated_warehouse: Path, company) -> tuple[RunSummary, dict[str, Any]]:
    with running_sandbox(company=company):
        summary = execute_nightly()
    assert summary.success, summary.failure
    return summary, company.ground_truth()


def test_raw_tables_hold_every_record_once(first_run, isolated_warehouse: Path) -> None:
    _, truth = first_run
    counts = _raw_counts(isolated_warehouse)
    assert counts == {t: truth["all_counts"][obj] for t, obj in RAW_TABLES.items()}
    for table in RAW_TABLES:
        dupes = _query(
            isolated_warehouse,
            f'select count(*) from (select id from raw_salesforce."{table}" group by id having count(*) > 1)',
        )[0][0]
        assert dupes == 0, table


def test_qualified_pipeline_per_quarter_equals_ground_truth(first_run, isolated_warehouse: Path) -> None:
    _, truth = first_run
    assert truth["qualified_pipeline_by_quarter"], "the sandbox must have qualified pipeline"
    got = _nonzero(_pipeline_by_quarter(isolated_warehouse, "qualified_pipeline_amount"))
    assert got == _nonzero(truth["qualified_pipeline_by_quarter"])


def test_created_pipeline_and_learned_stages_equal_ground_truth(first_run, isolated_warehouse: Path) -> None:
    _, truth = first_run
    got = _nonzero(_pipeline_by_quarter(isolated_warehouse, "created_pipeline_amount"))
    assert got == _nonzero(truth["created_pipeline_by_quarter"])
    stages = _query(
        isolated_warehouse,
        "select stage_name from marts.fct_stage_win_rates where is_qualified_stage order by 1",
    )
    assert [s for (s,) in stages] == sorted(truth["qualified_stages"])


def test_persons_and_accounts_resolve_like_ground_truth(first_run, isolated_warehouse: Path) -> None:
    _, truth = first_run
    assert (
        _query(isolated_warehouse, "select count(*) from marts.dim_persons")[0][0]
        == truth["persons_distinct"]
    )
    assert (
        _query(isolated_warehouse, "select count(*) from marts.dim_accounts")[0][0]
        == truth["accounts_distinct"]
    )
    live_opps = truth["live_counts"]["Opportunity"]
    assert _query(isolated_warehouse, "select count(*) from marts.fct_opportunities")[0][0] == live_opps


def test_opportunities_without_contact_are_on_the_worklist(first_run, isolated_warehouse: Path) -> None:
    summary, truth = first_run
    flagged = _query(
        isolated_warehouse,
        "select object_id from marts.dq_attribution_gaps "
        "where rule = 'opportunities_without_contact' and is_open order by 1",
    )
    assert [i for (i,) in flagged] == sorted(truth["opportunities_without_contact_role"])
    assert any(c["name"] for c in summary.checks), "the data-quality asset checks ran"


def test_rerun_without_source_changes_adds_no_rows(first_run, isolated_warehouse: Path, company) -> None:
    before = _raw_counts(isolated_warehouse)
    with running_sandbox(company=company):
        summary = execute_nightly()
    assert summary.success, summary.failure
    assert _raw_counts(isolated_warehouse) == before
    assert sum(v for k, v in summary.rows_loaded.items() if k.startswith("raw_salesforce")) == 0


def test_run_after_adds_updates_and_deletes_matches_new_ground_truth(
    first_run, isolated_warehouse: Path, company
) -> None:
    frozen_sql = (
        "select * from marts.fct_pipeline_snapshots order by period_grain, period_start, opportunity_id"
    )
    frozen_before = _query(isolated_warehouse, frozen_sql)
    changed = company.apply_changes(
        seed=99, new_opportunities=6, updated_opportunities=8, deleted_opportunities=3
    )
    truth = company.ground_truth()
    with running_sandbox(company=company):
        summary = execute_nightly()
    assert summary.success, summary.failure
    got = _nonzero(_pipeline_by_quarter(isolated_warehouse, "qualified_pipeline_amount"))
    assert got == _nonzero(truth["qualified_pipeline_by_quarter"])
    assert _raw_counts(isolated_warehouse) == {t: truth["all_counts"][obj] for t, obj in RAW_TABLES.items()}
    deleted = changed["deleted_opportunities"]
    live = {i for (i,) in _query(isolated_warehouse, "select opportunity_id from marts.fct_opportunities")}
    assert deleted and not (set(deleted) & live)
    assert set(changed["new_opportunities"]) <= live
    # frozen start-of-period pipelines never change, though deals were updated and deleted since
    assert frozen_before and _query(isolated_warehouse, frozen_sql) == frozen_before
