"""Attribution marts agree with the sandbox's Python ground truth (ingestion/sandbox/ground_truth_attribution.py).

The sandbox org is written straight into raw tables (the helper of test_sandbox_ground_truth.py) and only
the attribution marts and their parents are built, so others' models cannot break this test.
Reconciled: attributed pipeline $ per creation quarter and channel under first_touch, last_touch, linear,
u_shaped and w_shaped, whose sales-ready touch comes from the funnel's sales-ready moment (fct_attribution exactly to the cent; fct_channel_performance, rounded per campaign row, to half a cent
per row), plus the structural promises of the marts.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox_warehouse import build_sandbox_warehouse

pytestmark = pytest.mark.slow

MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped")
SELECTOR = "+fct_attribution +fct_channel_performance +fct_demand_creation +fct_demand_creation_periods"


@pytest.fixture(scope="module")
def attribution_build(tmp_path_factory):
    import duckdb

    work = tmp_path_factory.mktemp("attribution")
    warehouse, truth = build_sandbox_warehouse(work, seed=7, scale=0.1, select=[SELECTOR])
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con, truth
    con.close()


def _truth(truth: dict) -> dict[tuple[str, str, str], Decimal]:
    return {
        (model, quarter, channel): Decimal(amount)
        for model, quarters in truth["attributed_pipeline_by_quarter"].items()
        if model in MODELS
        for quarter, channels in quarters.items()
        for channel, amount in channels.items()
    }


def test_attributed_pipeline_matches_ground_truth(attribution_build):
    con, truth = attribution_build
    expected = _truth(truth)
    assert expected, "the sandbox should attribute some pipeline"
    rows = con.sql(
        "select attribution_model, cast(extract(year from opportunity_created_at) as varchar) || '-Q' "
        "|| cast(extract(quarter from opportunity_created_at) as varchar), coalesce(channel, '(unmapped)'), "
        "round(cast(sum(attributed_pipeline_amount) as decimal(38, 9)), 2) from marts.fct_attribution "
        "where attribution_model in ('first_touch', 'last_touch', 'linear', 'u_shaped', 'w_shaped') and attributed_pipeline_amount is not null "
        "group by all"
    ).fetchall()
    # zero-credit rows (first touch: every touch but the first) add channels with 0.00
    actual = {(m, q, c): Decimal(str(v)) for m, q, c, v in rows if v != 0 or (m, q, c) in expected}
    assert set(actual) == set(expected)
    off = {k: (actual[k], expected[k]) for k in expected if abs(actual[k] - expected[k]) > Decimal("0.01")}
    assert not off


def test_channel_performance_matches_ground_truth(attribution_build):
    con, truth = attribution_build
    expected = _truth(truth)
    rows = con.sql(
        "select attribution_model, period_label, coalesce(channel, '(unmapped)'), "
        "sum(attributed_pipeline_amount), count(*) from marts.fct_channel_performance "
        "where period_grain = 'quarter' and attribution_model in ('first_touch', 'last_touch', 'linear', 'u_shaped', 'w_shaped') group by all"
    ).fetchall()
    actual = {(m, q, c): (Decimal(str(v)), n) for m, q, c, v, n in rows}
    for key, amount in expected.items():
        got, n = actual[key]
        assert abs(got - amount) <= Decimal("0.005") * n + Decimal("0.01"), key
    extra = {k: v for k, v in actual.items() if k not in expected and v[0] != 0}
    assert not extra


def test_credit_sums_to_one_and_no_fanout(attribution_build):
    con, _ = attribution_build
    worst = con.sql(
        "select max(abs(credit_sum - 1)) from (select opportunity_id, attribution_model, sum(credit) as credit_sum "
        "from marts.fct_attribution group by opportunity_id, attribution_model) as sums"
    ).fetchone()[0]
    fanout = con.sql(
        "select max(n) from (select count(*) as n from marts.fct_attribution "
        "group by opportunity_id, touchpoint_id, attribution_model) as per_key"
    ).fetchone()[0]
    assert worst < 1e-9
    assert fanout == 1
    models = {
        r[0] for r in con.sql("select distinct attribution_model from marts.fct_attribution").fetchall()
    }
    assert models == {
        "first_touch",
        "last_touch",
        "linear",
        "u_shaped",
        "w_shaped",
        "full_path",
        "time_decay",
    }


def test_demand_creation_classifies_every_opportunity(attribution_build):
    con, _ = attribution_build
    opportunities, classified, attributed = con.sql(
        "select (select count(*) from marts.fct_opportunities), count(*), count(demand_type) "
        "from marts.fct_demand_creation"
    ).fetchone()
    first_touch_opps = con.sql(
        "select count(distinct opportunity_id) from marts.fct_attribution where attribution_model = 'first_touch'"
    ).fetchone()[0]
    assert classified == opportunities
    assert 0 < attributed <= first_touch_opps
