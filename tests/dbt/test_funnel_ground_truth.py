"""The funnel marts agree with the sandbox's funnel ground truth (plain Python, never SQL).

Persons per funnel stage per quarter (known, engaged, opportunity, won) from ``marts.fct_funnel_events``
and the number of marketing-qualified accounts from ``marts.fct_account_funnel``, against
``company.ground_truth()`` (``ingestion/sandbox/ground_truth_funnel.py``). Only the funnel marts and what
they need are built, so unrelated models in progress cannot fail this test.
"""

from __future__ import annotations

import pytest
from sandbox_warehouse import build_sandbox_warehouse

pytestmark = pytest.mark.slow

STAGES = ("known", "engaged", "opportunity", "won")


def test_funnel_marts_match_ground_truth(tmp_path):
    import duckdb

    warehouse, truth = build_sandbox_warehouse(
        tmp_path, seed=11, scale=0.1, select=["+fct_funnel_events", "+fct_account_funnel"]
    )

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.sql(
            "select funnel_stage, cast(extract(year from event_date) as varchar) || '-Q' "
            "|| cast(extract(quarter from event_date) as varchar) as quarter, count(*) "
            "from marts.fct_funnel_events where entity_type = 'person' group by all"
        ).fetchall()
        actual: dict[str, dict[str, int]] = {stage: {} for stage in STAGES}
        for stage, quarter, count in rows:
            if stage in actual:
                actual[stage][quarter] = count
        expected = truth["funnel_persons_by_quarter"]
        for stage in STAGES:
            assert expected[stage], f"the sandbox should have persons reaching {stage}"
            assert actual[stage] == expected[stage], stage
        mqas = con.sql("select count(*) from marts.fct_account_funnel where is_mqa").fetchone()[0]
        assert truth["funnel_mqa_accounts"] > 0
        assert mqas == truth["funnel_mqa_accounts"]
    finally:
        con.close()
