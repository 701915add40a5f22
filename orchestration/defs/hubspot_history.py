"""HubSpot history by month of last-modified date: a partitioned asset for backfills.

Each monthly partition merges the CRM records last modified (or archived) in that month, the form
submissions and email events of the month, and the undated reference resources (owners, pipelines,
campaigns, forms: read whole) into the ``raw_hubspot`` tables the nightly path loads. A range runs as one
run (one search window per object, split below the 10,000-result cap) under its own dlt pipeline, so the
nightly cursors never move. Enabled with the nightly HubSpot assets (``ONEFUNNEL_SOURCES`` names hubspot).
"""

import dagster as dg

from orchestration import settings
from orchestration.defs.hubspot import hubspot_enabled
from orchestration.defs.salesforce_history import HISTORY_PARTITIONS
from orchestration.retry import TRANSIENT_RETRY

HUBSPOT_BACKFILL_ASSET_KEY = dg.AssetKey(["raw_hubspot", "history_windows"])
HUBSPOT_BACKFILL_JOB_NAME = "hubspot_history_backfill"


@dg.asset(
    key=HUBSPOT_BACKFILL_ASSET_KEY,
    partitions_def=HISTORY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
    group_name="raw_hubspot",
    kinds={"dlt", "hubspot"},
    tags={"cadence": "backfill"},
    description="HubSpot records last modified (or archived) in the partition's month(s), with the form "
    "submissions and email events of those months, merged on id into the raw_hubspot tables. Backfill a "
    "range in the UI or with `make backfill START= END=`, then run the `build` job.",
)
def hubspot_history_windows(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Load the last-modified window ``[start of first month, start of month after last)``."""
    from orchestration.history import load_hubspot_window

    window = context.partition_time_window
    rows = load_hubspot_window(window.start, window.end)
    context.log.info(f"hubspot history {window.start:%Y-%m}..{window.end:%Y-%m}: {sum(rows.values())} rows")
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": dg.MetadataValue.int(sum(rows.values())),
            "window": dg.MetadataValue.text(f"[{window.start.isoformat()}, {window.end.isoformat()})"),
        }
        | {f"rows_{t}": dg.MetadataValue.int(n) for t, n in sorted(rows.items())}
    )


def hubspot_history_job() -> "dg.UnresolvedAssetJobDefinition":
    return dg.define_asset_job(
        HUBSPOT_BACKFILL_JOB_NAME,
        selection=dg.AssetSelection.assets(HUBSPOT_BACKFILL_ASSET_KEY),
        description="Load HubSpot history by last-modified month (a range runs as one run).",
        tags={"cadence": "backfill"},
    )


def hubspot_history_assets() -> list[dg.AssetsDefinition]:
    """``[hubspot_history_windows]`` when ``ONEFUNNEL_SOURCES`` includes hubspot, else ``[]``."""
    return [hubspot_history_windows] if hubspot_enabled() else []


def hubspot_history_jobs() -> "list[dg.UnresolvedAssetJobDefinition]":
    """The backfill job of ``hubspot_history_windows`` when HubSpot is enabled, else ``[]``."""
    return [hubspot_history_job()] if hubspot_enabled() else []
