"""Every stack of issue #3 reconciles with the one sandbox ground truth.

The same sandbox company is served as each non-default profile of ``ingestion/sandbox/profiles.py``
(``hubspot``: HubSpot alone; ``salesforce_hubspot``: Salesforce CRM with HubSpot marketing), loaded (the
HubSpot side by the HubSpot connector from the emulator), built once per profile with the profile's dbt vars,
and its headline marts compared with ``company.ground_truth()`` (plain Python over the Salesforce org,
never SQL): persons and accounts, learned stage win rates, qualified and created pipeline per quarter,
attributed pipeline per quarter, channel and model, funnel persons per stage and quarter, ending and net
new ARR per quarter, NRR and GRR, new customers, and CAC per quarter (marketing and sales-and-marketing
spend, new customers, CAC, marketing CAC, cost per lead; channel-performance spend). The default
``salesforce`` profile is reconciled by the other ``test_*_ground_truth.py`` files. Campaign spend comes
from each stack's own marketing system: Salesforce campaign actual cost, HubSpot campaign spend items
(``budget/totals``), Marketo program period costs; the ground truth spreads the Salesforce campaigns'
actual cost, which each emulator serves in its own shape.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sandbox_warehouse import build_sandbox_warehouse

from ingestion.sandbox.hubspot_shapes import DEAL_STAGES, hs_id

pytestmark = pytest.mark.slow

SEED, SCALE = 7, 0.1
PROFILES = ("hubspot", "salesforce_hubspot", "salesforce_marketo")
CENT = Decimal("0.01")
# The marts reconciled here and everything they read (their data and unit tests included).
SELECT = [
    "+dim_persons",
    "+dim_accounts",
    "+fct_stage_win_rates",
    "+fct_pipeline",
    "+fct_opportunities",
    "+fct_attribution",
    "+fct_funnel_events",
    "+fct_account_funnel",
    "+fct_revenue_retention",
    "+fct_cac",
    "+fct_channel_performance",
    "+dim_campaigns",
    "+int_users_unioned",
]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Every profile built once, concurrently (each build is mostly a dbt subprocess, so two overlap well on
    two cores): {profile: (read-only connection, ground truth)}."""
    from concurrent.futures import ThreadPoolExecutor

    import duckdb

    works = {profile: tmp_path_factory.mktemp(profile) for profile in PROFILES}  # not thread-safe

    def build(profile: str):
        return build_sandbox_warehouse(works[profile], seed=SEED, scale=SCALE, select=SELECT, profile=profile)

    with ThreadPoolExecutor(max_workers=len(PROFILES)) as pool:
        built = dict(zip(PROFILES, pool.map(build, PROFILES), strict=True))
    out = {p: (duckdb.connect(str(w), read_only=True), truth) for p, (w, truth) in built.items()}
    yield out
    for con, _ in out.values():
        con.close()


@pytest.fixture(params=PROFILES)
def stack(request, builds):
    """(profile, read-only connection, ground truth) of the sandbox built as the profile."""
    con, truth = builds[request.param]
    return request.param, con, truth


def _opportunity_id(profile: str, salesforce_id: str) -> str:
    """The id the profile's CRM gives the sandbox opportunity (HubSpot deals get a stable numeric id)."""
    return hs_id(salesforce_id, 20_000_000_000) if profile == "hubspot" else salesforce_id


def _stage_name(profile: str, salesforce_stage: str) -> str:
    return DEAL_STAGES[salesforce_stage][0] if profile == "hubspot" else salesforce_stage


def test_persons_accounts_and_pipeline(stack):
    profile, con, truth = stack

    def scalar(sql: str):
        return con.sql(sql).fetchone()[0]

    assert scalar("select count(*) from marts.dim_persons") == truth["persons_distinct"]
    assert (
        scalar("select count(distinct resolved_account_id) from marts.dim_accounts")
        == truth["accounts_distinct"]
    )
    rates = dict(con.sql("select stage_name, win_rate from marts.fct_stage_win_rates").fetchall())
    expected_rates = {_stage_name(profile, s): r for s, r in truth["stage_win_rates"].items()}
    assert rates == pytest.approx(expected_rates)
    qualified = {
        r[0]
        for r in con.sql(
            "select stage_name from marts.fct_stage_win_rates where is_qualified_stage"
        ).fetchall()
    }
    assert qualified == {_stage_name(profile, s) for s in truth["qualified_stages"]}
    quarters = {
        label: (str(q), str(c), n)
        for label, q, c, n in con.sql(
            "select period_label, qualified_pipeline_amount, created_pipeline_amount, "
            "qualified_opportunity_count from marts.fct_pipeline where period_grain = 'quarter'"
        ).fetchall()
    }
    labels = set(truth["qualified_pipeline_by_quarter"]) | set(truth["created_pipeline_by_quarter"])
    assert labels, "the sandbox should have pipeline"
    for label in labels:
        expected = (
            truth["qualified_pipeline_by_quarter"].get(label, "0.00"),
            truth["created_pipeline_by_quarter"].get(label, "0.00"),
            truth["qualified_opportunities_by_quarter"].get(label, 0),
        )
        assert quarters.get(label) == expected, label
    without_role = {
        r[0]
        for r in con.sql(
            "select opportunity_id from marts.fct_opportunities where not has_contact_role"
        ).fetchall()
    }
    assert without_role == {_opportunity_id(profile, o) for o in truth["opportunities_without_contact_role"]}


def test_attributed_pipeline(stack):
    _, con, truth = stack
    expected = {
        (model, quarter, channel): Decimal(amount)
        for model, quarters in truth["attributed_pipeline_by_quarter"].items()
        if model in ("first_touch", "linear")
        for quarter, channels in quarters.items()
        for channel, amount in channels.items()
    }
    assert expected, "the sandbox should attribute some pipeline"
    rows = con.sql(
        "select attribution_model, cast(extract(year from opportunity_created_at) as varchar) || '-Q' "
        "|| cast(extract(quarter from opportunity_created_at) as varchar), coalesce(channel, '(unmapped)'), "
        "round(cast(sum(attributed_pipeline_amount) as decimal(38, 9)), 2) from marts.fct_attribution "
        "where attribution_model in ('first_touch', 'linear') and attributed_pipeline_amount is not null "
        "group by all"
    ).fetchall()
    actual = {(m, q, c): Decimal(str(v)) for m, q, c, v in rows if v != 0 or (m, q, c) in expected}
    assert set(actual) == set(expected)
    off = {k: (actual[k], expected[k]) for k in expected if abs(actual[k] - expected[k]) > CENT}
    assert not off


def test_funnel(stack):
    _, con, truth = stack
    rows = con.sql(
        "select funnel_stage, cast(extract(year from event_date) as varchar) || '-Q' "
        "|| cast(extract(quarter from event_date) as varchar), count(*) "
        "from marts.fct_funnel_events where entity_type = 'person' group by all"
    ).fetchall()
    stages = ("known", "engaged", "opportunity", "won")
    actual: dict[str, dict[str, int]] = {stage: {} for stage in stages}
    for stage, quarter, count in rows:
        if stage in actual:
            actual[stage][quarter] = count
    for stage in stages:
        assert truth["funnel_persons_by_quarter"][stage], stage
        assert actual[stage] == truth["funnel_persons_by_quarter"][stage], stage
    mqas = con.sql("select count(*) from marts.fct_account_funnel where is_mqa").fetchone()[0]
    assert mqas == truth["funnel_mqa_accounts"]


def test_revenue(stack):
    _, con, truth = stack
    retention = {
        r[0]: r[1:]
        for r in con.sql(
            "select period_label, ending_arr, net_new_arr, customer_count from marts.fct_revenue_retention "
            "where period_grain = 'quarter'"
        ).fetchall()
    }
    customers = dict(
        con.sql(
            "select period_label, new_customer_count from marts.fct_cac where period_grain = 'quarter'"
        ).fetchall()
    )
    nrr, grr, cohort = con.sql(
        "select net_revenue_retention, gross_revenue_retention, retention_cohort_customer_count "
        "from marts.fct_revenue_retention where period_grain = 'month' "
        f"and period_label = '{truth['as_of_date'][:7]}'"
    ).fetchone()
    assert truth["arr_ending_by_quarter"], "the sandbox has customers"
    assert set(retention) == set(truth["arr_ending_by_quarter"])
    for label, ending in truth["arr_ending_by_quarter"].items():
        got_ending, got_net_new, customer_count = retention[label]
        tolerance = CENT * max(customer_count, 1)  # per-account ARR is rounded to the cent in both
        assert abs(got_ending - Decimal(ending)) <= tolerance, label
        assert abs(got_net_new - Decimal(truth["net_new_arr_by_quarter"][label])) <= 2 * tolerance, label
    for label in truth["cac_by_quarter"]:
        assert customers.get(label, 0) == truth["new_customers_by_quarter"].get(label, 0), label
    assert cohort == truth["retention_cohort_as_of"]["customers"]
    assert nrr == pytest.approx(truth["nrr_as_of"], abs=1e-6)
    assert grr == pytest.approx(truth["grr_as_of"], abs=1e-6)


def test_cac(stack):
    """CAC per quarter to the cent: spend from the stack's marketing system, customers from its CRM. Marketing
    CAC and cost per lead are computed here from the ground truth's spend, customers and known persons."""
    _, con, truth = stack
    cac = {
        r[0]: r[1:]
        for r in con.sql(
            "select period_label, new_customer_count, new_person_count, marketing_spend_amount, "
            "sales_marketing_spend_amount, cac_amount, marketing_cac_amount, cost_per_lead_amount "
            "from marts.fct_cac where period_grain = 'quarter'"
        ).fetchall()
    }
    marketing_truth = truth["marketing_spend_by_quarter"]
    assert any(Decimal(v) > 0 for v in marketing_truth.values()), "the sandbox should spend on campaigns"
    assert set(truth["cac_by_quarter"]) <= set(cac)
    known = truth["funnel_persons_by_quarter"]["known"]
    for label, row in cac.items():
        customers, persons, marketing, total, got_cac, got_marketing_cac, got_cpl = row
        expected_marketing = Decimal(marketing_truth.get(label, "0"))
        assert abs(marketing - expected_marketing) <= CENT, (label, marketing, expected_marketing)
        expected_total = Decimal(truth["sales_marketing_spend_by_quarter"].get(label, "0"))
        assert abs(total - expected_total) <= CENT, (label, total, expected_total)
        assert customers == truth["new_customers_by_quarter"].get(label, 0), label
        assert persons == known.get(label, 0), label
        expected_cac = truth["cac_by_quarter"].get(label)
        assert (got_cac is None) == (expected_cac is None), label
        if expected_cac is not None:
            assert abs(got_cac - Decimal(expected_cac)) <= CENT, (label, got_cac, expected_cac)
        if customers:
            assert abs(got_marketing_cac - expected_marketing / customers) <= CENT, label
        else:
            assert got_marketing_cac is None, label
        if persons:
            assert abs(got_cpl - expected_marketing / persons) <= CENT, (label, got_cpl)
        else:
            assert got_cpl is None, label


def test_channel_spend_and_campaign_costs(stack):
    """fct_channel_performance spends what fct_cac spends, quarter by quarter (quarters wholly before the
    as-of quarter: channel performance also shows the scheduled spend of running campaigns after it); and
    the data-quality rule campaigns_without_cost lists no campaign (every sandbox campaign has a cost)."""
    from data_quality.suites.attribution_health import marketing_rules

    _, con, truth = stack
    as_of = truth["as_of_date"]
    as_of_quarter = f"{as_of[:4]}-Q{(int(as_of[5:7]) - 1) // 3 + 1}"
    rows = con.sql(
        "select period_label, sum(spend_amount), count(*) from marts.fct_channel_performance "
        "where period_grain = 'quarter' and attribution_model = 'linear' group by period_label"
    ).fetchall()
    channel_spend = {label: (amount, n) for label, amount, n in rows}
    checked = 0
    for label, amount in truth["marketing_spend_by_quarter"].items():
        if label >= as_of_quarter or Decimal(amount) == 0:
            continue
        got, campaigns = channel_spend[label]
        assert abs(got - Decimal(amount)) <= CENT * campaigns, (label, got, amount)  # rounded per campaign
        checked += 1
    assert checked, "some quarter before the as-of quarter should have spend"
    assert con.sql("select count(*) from marts.dim_campaigns").fetchone()[0] > 0
    rule = next(r for r in marketing_rules() if r.name == "campaigns_without_cost")
    assert con.sql(rule.worklist_sql).fetchall() == []
