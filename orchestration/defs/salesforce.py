"""Salesforce raw tables as Dagster assets, loaded by the dlt source in ``ingestion/salesforce``."""

import dagster as dg

from orchestration import settings
from orchestration.retry import TRANSIENT_RETRY

SALESFORCE_TABLES: dict[str, str] = {
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


@dg.multi_asset(
    name="salesforce_raw",
    specs=[
        dg.AssetSpec(
            key=dg.AssetKey(["raw_salesforce", table]),
            description=f"Salesforce {sobject} records, merged on Id with SystemModstamp cursors; "
            "deleted records kept with is_deleted = true.",
            group_name="raw_salesforce",
            kinds={"dlt", "salesforce"},
            tags={"cadence": "nightly"},
        )
        for table, sobject in SALESFORCE_TABLES.items()
    ],
    can_subset=False,
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
)
def salesforce_raw(context: dg.AssetExecutionContext):
    """Incrementally load every Salesforce object the funnel needs into ``raw_salesforce``."""
    from ingestion.pipelines import run_salesforce  # imported here: keeps definitions load fast

    rows = run_salesforce(warehouse=settings.warehouse(), pipelines_dir=settings.dlt_pipelines_dir())
    total = sum(rows.values())
    context.log.info(f"salesforce: {total} rows loaded across {len(rows)} tables")
    for table in SALESFORCE_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["raw_salesforce", table]),
            metadata={"rows_loaded": dg.MetadataValue.int(int(rows.get(table, 0)))},
        )


def salesforce_enabled() -> bool:
    """Salesforce is on unless ``ONEFUNNEL_SOURCES`` is set without it (e.g. a HubSpot-only stack)."""
    from orchestration.defs.hubspot import enabled_sources

    return "salesforce" in enabled_sources()


def salesforce_assets() -> list[dg.AssetsDefinition]:
    return [salesforce_raw] if salesforce_enabled() else []


def dbt_vars() -> dict[str, bool]:
    """Switch the Salesforce staging models (and the unions over them) off when Salesforce is not a source."""
    return {} if salesforce_enabled() else {"salesforce_enabled": False}
