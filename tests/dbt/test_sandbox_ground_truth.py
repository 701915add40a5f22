"""The marts agree with the sandbox ground truth (computed in plain Python, never from SQL).

The raw tables are written straight from the sandbox org in dlt's shape (tests/dbt/sandbox_warehouse.py),
so a failure here points at the dbt project, not at ingestion.
"""

from __future__ import annotations

import pytest
from sandbox_warehouse import build_sandbox_warehouse

pytestmark = pytest.mark.slow


def test_marts_match_ground_truth(tmp_path):
    import duckdb

    warehouse, truth = build_sandbox_warehouse(tmp_path, seed=7, scale=0.2)

    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def scalar(sql: str):
            return con.sql(sql).fetchone()[0]

        assert scalar("select count(*) from marts.dim_persons") == truth["persons_distinct"]
        assert (
            scalar("select count(distinct resolved_account_id) from marts.dim_accounts")
            == truth["accounts_distinct"]
        )
        qualified = [
            r[0]
            for r in con.sql(
                "select stage_name from marts.fct_stage_win_rates where is_qualified_stage order by stage_name"
            ).fetchall()
        ]
        assert qualified == sorted(truth["qualified_stages"])
        rates = dict(con.sql("select stage_name, win_rate from marts.fct_stage_win_rates").fetchall())
        assert rates == pytest.approx(truth["stage_win_rates"])
        quarters = {
            label: (str(qualified_amount), str(created_amount), qualified_count)
            for label, qualified_amount, created_amount, qualified_count in con.sql(
                "select period_label, qualified_pipeline_amount, created_pipeline_amount, "
                "qualified_opportunity_count from marts.fct_pipeline where period_grain = 'quarter'"
            ).fetchall()
        }
        for label in set(truth["qualified_pipeline_by_quarter"]) | set(truth["created_pipeline_by_quarter"]):
            expected = (
                truth["qualified_pipeline_by_quarter"].get(label, "0.00"),
                truth["created_pipeline_by_quarter"].get(label, "0.00"),
                truth["qualified_opportunities_by_quarter"].get(label, 0),
            )
            assert quarters.get(label) == expected, label
        without_role = [
            r[0]
            for r in con.sql(
                "select opportunity_id from marts.fct_opportunities where not has_contact_role order by 1"
            ).fetchall()
        ]
        assert without_role == truth["opportunities_without_contact_role"]
    finally:
        con.close()
