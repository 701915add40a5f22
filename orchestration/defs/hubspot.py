"""HubSpot raw tables as Dagster assets, loaded by the dlt source in ``ingestion/hubspot``.

Enabled only when ``ONEFUNNEL_SOURCES`` (comma list, default ``salesforce``) includes ``hubspot``; read
when the definitions load, never at import time.
"""

import os
from typing import Any

import dagster as dg

from orchestration import settings
from orchestration.retry import TRANSIENT_RETRY

HUBSPOT_TABLES: dict[str, str] = {
    "contacts": "contacts (and unconverted leads), merged on id; archived kept with is_deleted = true",
    "companies": "companies, merged on id; archived kept with is_deleted = true",
    "deals": "deals (typed amount, dates, pipeline and stage), merged on id; archived kept with is_deleted = true",
    "owners": "owners (users), active and archived",
    "deal_pipelines": "deal pipelines",
    "deal_pipeline_stages": "deal pipeline stages with probability and is_closed",
    "deal_stage_history": "dealstage history of every changed deal",
    "lifecycle_stage_history": "lifecyclestage history of every changed contact",
    "associations": "contact-deal, contact-company and deal-company associations with their labels",
    "property_quarantine": "property values that no longer parse as their loaded type (never coerced)",
    "campaigns": "marketing campaigns",
    "campaign_spend_items": "campaign spend items (budget/totals), merged on (campaign_id, id); deleted kept with is_deleted = true",
    "forms": "marketing forms",
    "form_submissions": "form submissions",
    "email_events": "marketing email events",
}


def enabled_sources() -> set[str]:
    """``ONEFUNNEL_SOURCES`` as a set of lower-case names (default ``{"salesforce"}``)."""
    raw = os.environ.get("ONEFUNNEL_SOURCES", "").strip() or "salesforce"
    return {s.strip().lower() for s in raw.split(",") if s.strip()}


def hubspot_enabled() -> bool:
    return "hubspot" in enabled_sources()


def dbt_vars() -> dict[str, Any]:
    """dbt vars the HubSpot staging models need (``--vars``) when HubSpot is enabled, else none."""
    return {"hubspot_enabled": True} if hubspot_enabled() else {}


@dg.multi_asset(
    name="hubspot_raw",
    specs=[
        dg.AssetSpec(
            key=dg.AssetKey(["raw_hubspot", table]),
            description=f"HubSpot {text}.",
            group_name="raw_hubspot",
            kinds={"dlt", "hubspot"},
            tags={"cadence": "nightly"},
        )
        for table, text in HUBSPOT_TABLES.items()
    ],
    can_subset=False,
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
)
def hubspot_raw(context: dg.AssetExecutionContext):
    """Incrementally load HubSpot (search windowed on last-modified) into ``raw_hubspot``."""
    from ingestion.pipelines import run_hubspot  # imported here: keeps definitions load fast

    rows = run_hubspot(warehouse=settings.warehouse(), pipelines_dir=settings.dlt_pipelines_dir())
    context.log.info(f"hubspot: {sum(rows.values())} rows loaded across {len(rows)} tables")
    for table in HUBSPOT_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["raw_hubspot", table]),
            metadata={"rows_loaded": dg.MetadataValue.int(int(rows.get(table, 0)))},
        )


def hubspot_assets() -> list[dg.AssetsDefinition]:
    """``[hubspot_raw]`` when ``ONEFUNNEL_SOURCES`` includes hubspot, else ``[]``."""
    return [hubspot_raw] if hubspot_enabled() else []
