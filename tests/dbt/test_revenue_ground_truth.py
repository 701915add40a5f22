"""Revenue marts (ARR, net new ARR, NRR/GRR, new customers, CAC) agree with the sandbox ground truth.

The sandbox org is written straight into raw tables (the helper of ``test_sandbox_ground_truth``), only
the revenue marts and what they need are built, and each quarter is compared with
``ingestion/sandbox/ground_truth_revenue.py`` (plain Python, never SQL).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox_warehouse import build_sandbox_warehouse

pytestmark = pytest.mark.slow

# Per-account ARR is rounded to the cent in both; a half cent can round differently (float vs Decimal).
CENT_PER_ACCOUNT = Decimal("0.01")


def test_revenue_marts_match_ground_truth(tmp_path):
    import duckdb

    warehouse, truth = build_sandbox_warehouse(
        tmp_path, seed=7, scale=0.2, select=["+path:models/marts/revenue"]
    )

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        retention = {
            r[0]: r[1:]
            for r in con.sql(
                "select period_label, ending_arr, net_new_arr, customer_count "
                "from marts.fct_revenue_retention where period_grain = 'quarter'"
            ).fetchall()
        }
        cac = {
            r[0]: r[1:]
            for r in con.sql(
                "select period_label, new_customer_count, marketing_spend_amount, sales_marketing_spend_amount, "
                "cac_amount from marts.fct_cac where period_grain = 'quarter'"
            ).fetchall()
        }
        as_of_month = truth["as_of_date"][:7]
        nrr, grr, cohort_customers = con.sql(
            "select net_revenue_retention, gross_revenue_retention, retention_cohort_customer_count "
            f"from marts.fct_revenue_retention where period_grain = 'month' and period_label = '{as_of_month}'"
        ).fetchone()
    finally:
        con.close()

    assert truth["arr_ending_by_quarter"], "the sandbox has customers"
    assert set(retention) == set(truth["arr_ending_by_quarter"])
    for label, ending in truth["arr_ending_by_quarter"].items():
        got_ending, got_net_new, customers = retention[label]
        tolerance = CENT_PER_ACCOUNT * max(customers, 1)
        assert abs(got_ending - Decimal(ending)) <= tolerance, label
        assert abs(got_net_new - Decimal(truth["net_new_arr_by_quarter"][label])) <= 2 * tolerance, label
    assert cohort_customers == truth["retention_cohort_as_of"]["customers"]
    assert nrr == pytest.approx(truth["nrr_as_of"], abs=1e-6)
    assert grr == pytest.approx(truth["grr_as_of"], abs=1e-6)

    for label, expected in truth["cac_by_quarter"].items():
        new_customers, marketing, total, got_cac = cac[label]
        assert new_customers == truth["new_customers_by_quarter"].get(label, 0), label
        assert (
            abs(marketing - Decimal(truth["marketing_spend_by_quarter"].get(label, "0"))) <= CENT_PER_ACCOUNT
        )
        assert (
            abs(total - Decimal(truth["sales_marketing_spend_by_quarter"].get(label, "0")))
            <= CENT_PER_ACCOUNT
        )
        assert (got_cac is None) == (expected is None), label
        if expected is not None:
            assert abs(got_cac - Decimal(expected)) <= CENT_PER_ACCOUNT, label
