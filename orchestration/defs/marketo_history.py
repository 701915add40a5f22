"""Marketo history by month of activity date: a partitioned asset for backfills.

Each monthly partition merges the activities (and deleted leads) dated in that month, the leads they name
(Marketo logs a New Lead or Change Data Value activity for every created or changed lead: the leads
updated in the window), and the undated resources read whole (activity types, lead fields, programs with
their costs and tags, smart campaigns) into the ``raw_marketo`` tables the nightly path loads. A range runs
as one run (one paging-token walk per activity-type chunk, from the window's start to its end) under its
own dlt pipeline, so the nightly cursor never moves. Enabled with the nightly Marketo assets
(``ONEFUNNEL_SOURCES`` names marketo).
"""

import dagster as dg

from orchestration import settings
from orchestration.defs.marketo import marketo_enabled
from orchestration.defs.salesforce_history import HISTORY_PARTITIONS
from orchestration.retry import TRANSIENT_RETRY

MARKETO_BACKFILL_ASSET_KEY = dg.AssetKey(["raw_marketo", "history_windows"])
MARKETO_BACKFILL_JOB_NAME = "marketo_history_backfill"


def window_result(
    label: str, context: dg.AssetExecutionContext, rows: dict[str, int]
) -> dg.MaterializeResult:
    """The materialization of a history window: rows loaded in all and per table, and the window."""
    window = context.partition_time_window
    context.log.info(f"{label} history {window.start:%Y-%m}..{window.end:%Y-%m}: {sum(rows.values())} rows")
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": dg.MetadataValue.int(sum(rows.values())),
            "window": dg.MetadataValue.text(f"[{window.start.isoformat()}, {window.end.isoformat()})"),
        }
        | {f"rows_{t}": dg.MetadataValue.int(n) for t, n in sorted(rows.items())}
    )


@dg.asset(
    key=MARKETO_BACKFILL_ASSET_KEY,
    partitions_def=HISTORY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
    group_name="raw_marketo",
    kinds={"dlt", "marketo"},
    tags={"cadence": "backfill"},
    description="Marketo activities and deleted leads dated in the partition's month(s), the leads they "
    "name, and programs, costs and smart campaigns read whole, merged into the raw_marketo tables. Backfill "
    "a range in the UI or with `make backfill START= END= SOURCES=marketo`, then run the `build` job.",
)
def marketo_history_windows(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Load the activity-date window ``[start of first month, start of month after last)``."""
    from ingestion.marketo import MarketoQuotaExceeded
    from orchestration.history import load_marketo_window

    window = context.partition_time_window
    try:
        rows = load_marketo_window(window.start, window.end)
    except MarketoQuotaExceeded as e:  # retrying before the daily reset only burns calls: fail for today
        raise dg.Failure(description=str(e), allow_retries=False) from e
    return window_result("marketo", context, rows)


def marketo_history_job() -> "dg.UnresolvedAssetJobDefinition":
    return dg.define_asset_job(
        MARKETO_BACKFILL_JOB_NAME,
        selection=dg.AssetSelection.assets(MARKETO_BACKFILL_ASSET_KEY),
        description="Load Marketo history by activity-date month (a range runs as one run).",
        tags={"cadence": "backfill"},
    )


def marketo_history_assets() -> list[dg.AssetsDefinition]:
    """``[marketo_history_windows]`` when ``ONEFUNNEL_SOURCES`` includes marketo, else ``[]``."""
    return [marketo_history_windows] if marketo_enabled() else []


def marketo_history_jobs() -> "list[dg.UnresolvedAssetJobDefinition]":
    """The backfill job of ``marketo_history_windows`` when Marketo is enabled, else ``[]``."""
    return [marketo_history_job()] if marketo_enabled() else []
