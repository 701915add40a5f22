"""Structural rules on raw and mart tables: keys unique and not null, relationships, accepted values,
ranges. A failure here means the pipeline (not the CRM) is wrong, so they are ``error`` and block."""

from __future__ import annotations

from data_quality.rules import OBJECT_ID, Expect, Rule, column_rule, flag_rule
from data_quality.suites.freshness import MART_TABLES, RAW_TABLES

RAW_SUITE, MARTS_SUITE = "raw_structure", "marts_structure"
MART_KEYS = {
    "dim_accounts": "account_id",
    "dim_persons": "person_id",
    "dim_campaigns": "campaign_id",
    "fct_opportunity_contacts": "opportunity_contact_id",
    "fct_touchpoints": "touchpoint_id",
}


def key_rules(
    suite: str, table: str, key: str, family: str, short: str | None = None, optional: bool = False
) -> list[Rule]:
    """``<family>_not_null__<short>`` and ``<family>_unique__<short>`` (counted per key in the warehouse);
    ``short`` defaults to the table's name without its schema. ``optional``: a missing table (a raw table
    the source has not created, having returned no rows for it) is checked as an empty one."""
    short = short or table.split(".")[-1]
    empty = f"SELECT CAST(NULL AS VARCHAR) AS {OBJECT_ID}, 0 AS row_count WHERE 1 = 0" if optional else None
    return [
        column_rule(
            f"{family}_not_null__{short}",
            suite,
            table,
            f"Every row of {table} has a {key}.",
            Expect("ExpectColumnValuesToNotBeNull", column=OBJECT_ID),
            id_column=key,
            columns=[],
            family=f"{family}_not_null",
            if_missing=empty,
        ),
        Rule(
            name=f"{family}_unique__{short}",
            suite=suite,
            asset=table,
            family=f"{family}_unique",
            description=f"No {key} appears twice in {table} (GROUP BY in the warehouse).",
            sql=f"SELECT CAST({key} AS VARCHAR) AS {OBJECT_ID}, COUNT(*) AS row_count FROM {table} "
            f"WHERE {key} IS NOT NULL GROUP BY {key}",
            expect=Expect("ExpectColumnValuesToBeBetween", column="row_count", max_value=1),
            if_missing=empty,
        ),
    ]


def _relationship(
    name: str, table: str, column: str, parent: str, parent_key: str, object_type: str, id_column: str
) -> Rule:
    """Every non-null ``table.column`` exists in ``parent.parent_key`` (orphans are listed)."""
    return flag_rule(
        name,
        MARTS_SUITE,
        table,
        f"Every {table}.{column} exists in {parent}.{parent_key}.",
        object_type=object_type,
        id_column=f"x.{id_column}",
        owner_id="NULL",
        owner_name="NULL",
        from_sql=f"{table} AS x",
        severity="error",
        gap_when=f"x.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} AS p "
        f"WHERE p.{parent_key} = x.{column})",
        details=f"'{column} ' || CAST(x.{column} AS VARCHAR)",
    )


# raw tables of the other sources -> the key dlt merges (or deduplicates) them on
OTHER_RAW_KEYS: dict[str, str] = {
    "raw_hubspot.contacts": "id",
    "raw_hubspot.companies": "id",
    "raw_hubspot.deals": "id",
    "raw_marketo.leads": "id",
    "raw_marketo.activities": "marketo_guid",
    "raw_marketo.programs": "id",
}  # raw_product_events.events is append-only: a source may deliver an event twice (staging dedupes)


def raw_rules() -> list[Rule]:
    """Raw tables: the key dlt merges on (``id`` for Salesforce) unique and not null."""
    rules = [
        r
        for t in RAW_TABLES
        for r in key_rules(RAW_SUITE, f"raw_salesforce.{t}", "id", "raw_id", optional=True)
    ]
    for table, key in OTHER_RAW_KEYS.items():  # named with their dataset: raw_id_unique__raw_marketo__leads
        rules += key_rules(RAW_SUITE, table, key, "raw_id", short=table.replace(".", "__"), optional=True)
    return rules


def mart_rules() -> list[Rule]:
    """Mart keys, relationships, accepted values and ranges (fct_opportunities has its own suite)."""
    keys = [
        r
        for t, k in MART_KEYS.items()
        if t in MART_TABLES
        for r in key_rules(MARTS_SUITE, f"marts.{t}", k, "key")
    ]
    return [
        *keys,
        _relationship(
            "touchpoint_person_exists",
            "marts.fct_touchpoints",
            "person_id",
            "marts.dim_persons",
            "person_id",
            "touchpoint",
            "touchpoint_id",
        ),
        _relationship(
            "person_account_exists",
            "marts.dim_persons",
            "account_id",
            "marts.dim_accounts",
            "account_id",
            "person",
            "person_id",
        ),
        _relationship(
            "opportunity_contact_opportunity_exists",
            "marts.fct_opportunity_contacts",
            "opportunity_id",
            "marts.fct_opportunities",
            "opportunity_id",
            "opportunity_contact",
            "opportunity_contact_id",
        ),
        column_rule(
            "touch_demand_type_known",
            MARTS_SUITE,
            "marts.fct_touchpoints",
            "demand_type is creation or harvest (null only when the channel is unmapped).",
            Expect("ExpectColumnValuesToBeInSet", column="demand_type", value_set=["creation", "harvest"]),
            id_column="touchpoint_id",
            columns=["demand_type"],
            where="demand_type IS NOT NULL",
        ),
        column_rule(
            "person_record_type_known",
            MARTS_SUITE,
            "marts.dim_persons",
            "primary_record_type is contact or lead.",
            Expect(
                "ExpectColumnValuesToBeInSet", column="primary_record_type", value_set=["contact", "lead"]
            ),
            id_column="person_id",
            columns=["primary_record_type"],
        ),
        column_rule(
            "campaign_cost_non_negative",
            MARTS_SUITE,
            "marts.dim_campaigns",
            "Actual and budgeted campaign costs, when present, are not negative.",
            Expect("ExpectColumnValuesToBeBetween", column="cost", min_value=0),
            id_column="campaign_id",
            columns=["LEAST(COALESCE(actual_cost, 0), COALESCE(budgeted_cost, 0)) AS cost"],
        ),
    ]
