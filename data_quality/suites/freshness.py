"""Freshness and volume: stale sources (no new load in a day) and sudden row-count drops.

* ``stale_source__<dataset>``: hours since the last successful dlt load of a raw dataset
  (``<dataset>._dlt_loads``, status 0) must stay under ``max_hours``. Checked on the dataset's main table.
* ``row_count_drop__<schema>__<table>``: the table's row count must not fall below
  ``(1 - max_drop)`` times its count at the previous evaluation, read from ``marts.dq_results``
  (the observed value of this rule). The first run has no history and passes.
"""

from __future__ import annotations

from data_quality.rules import Param, Previous, Rule, metric_rule

SUITE = "freshness"
# raw dataset -> the table its freshness check is attached to (a Dagster asset). Orchestration registers
# a rule only when its table is an asset, so a source that is switched off is not checked.
SOURCES: dict[str, str] = {
    "raw_salesforce": "raw_salesforce.opportunity",
    "raw_hubspot": "raw_hubspot.deals",
    "raw_marketo": "raw_marketo.activities",
    "raw_ad_spend": "raw_ad_spend.daily_spend",
    "raw_product_events": "raw_product_events.events",
}
RAW_TABLES = (
    "user",
    "account",
    "contact",
    "lead",
    "campaign",
    "campaign_member",
    "opportunity",
    "opportunity_contact_role",
    "opportunity_history",
)
MART_TABLES = (
    "dim_accounts",
    "dim_persons",
    "dim_campaigns",
    "fct_opportunities",
    "fct_opportunity_contacts",
    "fct_touchpoints",
    "fct_pipeline",
)
# the raw tables of the other sources whose row count is watched (their main entities)
OTHER_RAW_TABLES: dict[str, tuple[str, ...]] = {
    "raw_hubspot": ("contacts", "companies", "deals", "owners", "associations"),
    "raw_marketo": ("leads", "activities", "programs"),
    "raw_ad_spend": ("daily_spend",),
    "raw_product_events": ("events",),
}
STALE, DROP = "stale_source", "row_count_drop"


def tables() -> list[str]:
    """Every table whose row count is watched (raw tables first)."""
    raw = [f"raw_salesforce.{t}" for t in RAW_TABLES]
    raw += [f"{dataset}.{t}" for dataset, names in OTHER_RAW_TABLES.items() for t in names]
    return raw + [f"marts.{t}" for t in MART_TABLES]


def stale_rule(dataset: str, asset: str) -> Rule:
    """Hours since the last successful load of ``dataset`` (a never-loaded dataset counts as stale)."""
    hours = (
        "COALESCE(EXTRACT(EPOCH FROM (CAST(CURRENT_TIMESTAMP AS TIMESTAMP) - CAST(MAX(inserted_at) AS TIMESTAMP)))"
        " / 3600.0, 1000000.0)"
    )
    return metric_rule(
        f"{STALE}__{dataset}",
        SUITE,
        asset,
        f"Hours since the last successful load into {dataset} ({dataset}._dlt_loads) are at most max_hours.",
        value_sql=f"SELECT {hours} AS value FROM {dataset}._dlt_loads WHERE status = 0",
        max_value=Param("max_hours"),
        params={"max_hours": 24.0},
        family=STALE,
    )


def drop_rule(table: str) -> Rule:
    """Row count of ``table`` against its previous evaluation."""
    name = f"{DROP}__{table.replace('.', '__')}"
    return metric_rule(
        name,
        SUITE,
        table,
        f"Rows in {table} did not fall by more than max_drop since the previous data-quality run.",
        value_sql=f"SELECT CAST(COUNT(*) AS DOUBLE PRECISION) AS value FROM {table}",
        min_value=Previous(name, "max_drop"),
        severity="error",
        params={"max_drop": 0.5},
        family=DROP,
        # a raw table not created yet counts as empty (a drop to nothing still fails); a missing mart errors
        if_missing="SELECT CAST(0 AS DOUBLE PRECISION) AS value" if table.startswith("raw_") else None,
    )


def rules() -> list[Rule]:
    """The suite's rules, in evaluation order."""
    return [*(stale_rule(d, a) for d, a in SOURCES.items()), *(drop_rule(t) for t in tables())]
