"""Headline marts of a sandbox stack reconciled with ``company.ground_truth()``, on either engine.

Shared by the profile reconciliation tests (``test_profiles_postgres.py``; the DuckDB ones may use it too).
Each ``check_*`` function takes ``query`` (SQL text -> rows) and the JSON-shaped ground truth and raises
``AssertionError`` with the label that differs. The SQL is portable between DuckDB and PostgreSQL (no
``group by all``, no ``filter``, no string concatenation of numbers); the caller's session must be in UTC,
as the marts' timestamps are bucketed into quarters by the session time zone. The ground truth is plain
Python over the Salesforce org, never SQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from ingestion.sandbox.hubspot_shapes import DEAL_STAGES, hs_id

Query = Callable[[str], list[tuple[Any, ...]]]
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
]


@contextlib.contextmanager
def postgres_query(dsn: str) -> Iterator[Query]:
    """A ``query`` on a PostgreSQL database, its session in UTC."""
    import psycopg2

    con = psycopg2.connect(dsn, options="-c TimeZone=UTC")
    con.autocommit = True
    try:

        def query(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

        yield query
    finally:
        con.close()


@contextlib.contextmanager
def duckdb_query(path: str) -> Iterator[Query]:
    """A ``query`` on a DuckDB file, read-only, its session in UTC."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    con.execute("set TimeZone = 'UTC'")
    try:
        yield lambda sql: con.execute(sql).fetchall()
    finally:
        con.close()


def cents(value: Any) -> Decimal:
    """A mart amount (Decimal, float or None) rounded to the cent."""
    return Decimal(str(value if value is not None else 0)).quantize(CENT)


def quarter_label(year: Any, quarter: Any) -> str:
    return f"{int(year)}-Q{int(quarter)}"


def opportunity_id(profile: str, salesforce_id: str) -> str:
    """The id the profile's CRM gives the sandbox opportunity (HubSpot deals get a stable numeric id)."""
    return hs_id(salesforce_id, 20_000_000_000) if profile == "hubspot" else salesforce_id


def stage_name(profile: str, salesforce_stage: str) -> str:
    return DEAL_STAGES[salesforce_stage][0] if profile == "hubspot" else salesforce_stage


def check_persons_accounts_pipeline(query: Query, profile: str, truth: dict[str, Any]) -> None:
    """Persons and accounts, learned stage win rates and qualified stages, qualified and created pipeline
    per quarter, opportunities without a contact role."""
    persons = query("select count(*) from marts.dim_persons")[0][0]
    assert persons == truth["persons_distinct"], f"persons: {persons} != {truth['persons_distinct']}"
    accounts = query("select count(distinct resolved_account_id) from marts.dim_accounts")[0][0]
    assert accounts == truth["accounts_distinct"], f"accounts: {accounts} != {truth['accounts_distinct']}"
    rates = {s: float(r) for s, r in query("select stage_name, win_rate from marts.fct_stage_win_rates")}
    expected_rates = {stage_name(profile, s): r for s, r in truth["stage_win_rates"].items()}
    assert set(rates) == set(expected_rates), f"stages: {sorted(rates)} != {sorted(expected_rates)}"
    off_rates = {s: (rates[s], r) for s, r in expected_rates.items() if abs(rates[s] - r) > 1e-9}
    assert not off_rates, f"stage win rates (mart, truth): {off_rates}"
    qualified = {
        r[0] for r in query("select stage_name from marts.fct_stage_win_rates where is_qualified_stage")
    }
    expected_qualified = {stage_name(profile, s) for s in truth["qualified_stages"]}
    assert qualified == expected_qualified, f"qualified stages: {qualified} != {expected_qualified}"
    quarters = {
        label: (f"{cents(q)}", f"{cents(c)}", int(n))
        for label, q, c, n in query(
            "select period_label, qualified_pipeline_amount, created_pipeline_amount, "
            "qualified_opportunity_count from marts.fct_pipeline where period_grain = 'quarter'"
        )
    }
    labels = set(truth["qualified_pipeline_by_quarter"]) | set(truth["created_pipeline_by_quarter"])
    assert labels, "the sandbox should have pipeline"
    for label in sorted(labels):
        expected = (
            truth["qualified_pipeline_by_quarter"].get(label, "0.00"),
            truth["created_pipeline_by_quarter"].get(label, "0.00"),
            truth["qualified_opportunities_by_quarter"].get(label, 0),
        )
        assert quarters.get(label) == expected, f"pipeline {label}: {quarters.get(label)} != {expected}"
    without_role = {
        r[0] for r in query("select opportunity_id from marts.fct_opportunities where not has_contact_role")
    }
    expected_without = {opportunity_id(profile, o) for o in truth["opportunities_without_contact_role"]}
    assert without_role == expected_without, (
        f"opportunities without contact role: {sorted(without_role ^ expected_without)} differ"
    )


def check_attributed_pipeline(query: Query, truth: dict[str, Any]) -> None:
    """First-touch and linear attributed pipeline per quarter of opportunity creation and channel."""
    expected = {
        (model, quarter, channel): Decimal(amount)
        for model, quarters in truth["attributed_pipeline_by_quarter"].items()
        if model in ("first_touch", "linear")
        for quarter, channels in quarters.items()
        for channel, amount in channels.items()
    }
    assert expected, "the sandbox should attribute some pipeline"
    rows = query(
        "select attribution_model, extract(year from opportunity_created_at), "
        "extract(quarter from opportunity_created_at), coalesce(channel, '(unmapped)'), "
        "sum(attributed_pipeline_amount) from marts.fct_attribution "
        "where attribution_model in ('first_touch', 'linear') and attributed_pipeline_amount is not null "
        "group by 1, 2, 3, 4"
    )
    actual = {(m, quarter_label(y, q), c): cents(v) for m, y, q, c, v in rows}
    actual = {k: v for k, v in actual.items() if v != 0 or k in expected}
    assert set(actual) == set(expected), f"attribution keys differ: {sorted(set(actual) ^ set(expected))}"
    off = {k: (actual[k], expected[k]) for k in expected if abs(actual[k] - expected[k]) > CENT}
    assert not off, f"attributed pipeline (mart, truth): {off}"


def check_funnel(query: Query, truth: dict[str, Any]) -> None:
    """Persons reaching each funnel stage per quarter, and marketing-qualified accounts."""
    rows = query(
        "select funnel_stage, extract(year from event_date), extract(quarter from event_date), count(*) "
        "from marts.fct_funnel_events where entity_type = 'person' group by 1, 2, 3"
    )
    stages = ("known", "engaged", "opportunity", "won")
    actual: dict[str, dict[str, int]] = {stage: {} for stage in stages}
    for stage, year, quarter, count in rows:
        if stage in actual:
            actual[stage][quarter_label(year, quarter)] = int(count)
    for stage in stages:
        expected = truth["funnel_persons_by_quarter"][stage]
        assert expected, f"the sandbox should have {stage} persons"
        assert actual[stage] == expected, f"funnel {stage}: {actual[stage]} != {expected}"
    mqas = query("select count(*) from marts.fct_account_funnel where is_mqa")[0][0]
    assert mqas == truth["funnel_mqa_accounts"], f"MQAs: {mqas} != {truth['funnel_mqa_accounts']}"


def check_revenue(query: Query, truth: dict[str, Any]) -> None:
    """Ending and net new ARR per quarter, new customers per quarter, the retention cohort, NRR and GRR."""
    retention = {
        r[0]: (Decimal(str(r[1])), Decimal(str(r[2])), int(r[3]))
        for r in query(
            "select period_label, ending_arr, net_new_arr, customer_count from marts.fct_revenue_retention "
            "where period_grain = 'quarter'"
        )
    }
    customers = {
        label: int(n)
        for label, n in query(
            "select period_label, new_customer_count from marts.fct_cac where period_grain = 'quarter'"
        )
    }
    nrr, grr, cohort = query(
        "select net_revenue_retention, gross_revenue_retention, retention_cohort_customer_count "
        "from marts.fct_revenue_retention where period_grain = 'month' "
        f"and period_label = '{truth['as_of_date'][:7]}'"
    )[0]
    assert truth["arr_ending_by_quarter"], "the sandbox has customers"
    assert set(retention) == set(truth["arr_ending_by_quarter"]), "ARR quarters differ"
    for label, ending in truth["arr_ending_by_quarter"].items():
        got_ending, got_net_new, customer_count = retention[label]
        tolerance = CENT * max(customer_count, 1)  # per-account ARR is rounded to the cent in both
        assert abs(got_ending - Decimal(ending)) <= tolerance, f"ending ARR {label}: {got_ending} != {ending}"
        net_new = Decimal(truth["net_new_arr_by_quarter"][label])
        assert abs(got_net_new - net_new) <= 2 * tolerance, f"net new ARR {label}: {got_net_new} != {net_new}"
    for label in truth["cac_by_quarter"]:
        expected = truth["new_customers_by_quarter"].get(label, 0)
        assert customers.get(label, 0) == expected, (
            f"new customers {label}: {customers.get(label)} != {expected}"
        )
    assert cohort == truth["retention_cohort_as_of"]["customers"], f"cohort: {cohort}"
    assert abs(float(nrr) - truth["nrr_as_of"]) <= 1e-6, f"NRR: {nrr} != {truth['nrr_as_of']}"
    assert abs(float(grr) - truth["grr_as_of"]) <= 1e-6, f"GRR: {grr} != {truth['grr_as_of']}"
