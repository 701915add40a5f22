"""Marketo raw tables as Dagster assets, loaded by the dlt source in ``ingestion/marketo``.

Enabled only when ``ONEFUNNEL_SOURCES`` (comma list, default ``salesforce``) includes ``marketo``; read
when the definitions load, never at import time.
"""

from typing import Any

import dagster as dg

from orchestration import settings
from orchestration.defs.hubspot import enabled_sources
from orchestration.retry import TRANSIENT_RETRY

MARKETO_TABLES: dict[str, str] = {
    "leads": "leads (people synced with Salesforce: sfdcContactId/sfdcLeadId/sfdcAccountId), merged on id",
    "activities": "activities (form fills, email clicks, program status changes...), merged on marketoGUID",
    "activity_attributes": "attributes of each activity, one row per name",
    "activity_types": "activity type definitions (id -> name, attributes)",
    "deleted_leads": "Delete Lead records: leads deleted in Marketo",
    "lead_fields": "lead field definitions (describe): name, data type",
    "field_quarantine": "lead field values that no longer fit their loaded type (never coerced)",
    "programs": "programs (channel, type, Salesforce campaign), merged on id",
    "program_costs": "period costs of each program",
    "program_tags": "tags of each program (Currency...)",
    "deleted_programs": "programs no longer listed by the instance",
    "smart_campaigns": "smart campaigns with the program they run for",
}


def marketo_enabled() -> bool:
    return "marketo" in enabled_sources()


def dbt_vars() -> dict[str, Any]:
    """dbt vars the Marketo staging models need (``--vars``) when Marketo is enabled, else none."""
    return {"marketo_enabled": True} if marketo_enabled() else {}


@dg.multi_asset(
    name="marketo_raw",
    specs=[
        dg.AssetSpec(
            key=dg.AssetKey(["raw_marketo", table]),
            description=f"Marketo {text}.",
            group_name="raw_marketo",
            kinds={"dlt", "marketo"},
            tags={"cadence": "nightly"},
        )
        for table, text in MARKETO_TABLES.items()
    ],
    can_subset=False,
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
)
def marketo_raw(context: dg.AssetExecutionContext):
    """Incrementally load Marketo (activities from the paging-token cursor, leads they name) into ``raw_marketo``."""
    from ingestion.marketo import MarketoQuotaExceeded  # imported here: keeps definitions load fast
    from ingestion.marketo.pipeline import run_marketo

    try:
        rows = run_marketo(warehouse=settings.warehouse(), pipelines_dir=settings.dlt_pipelines_dir())
    except MarketoQuotaExceeded as e:  # retrying before the daily reset only burns calls: fail for today
        raise dg.Failure(description=str(e), allow_retries=False) from e
    context.log.info(f"marketo: {sum(rows.values())} rows loaded across {len(rows)} tables")
    for table in MARKETO_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["raw_marketo", table]),
            metadata={"rows_loaded": dg.MetadataValue.int(int(rows.get(table, 0)))},
        )


def marketo_assets() -> list[dg.AssetsDefinition]:
    """``[marketo_raw]`` when ``ONEFUNNEL_SOURCES`` includes marketo, else ``[]``."""
    return [marketo_raw] if marketo_enabled() else []
