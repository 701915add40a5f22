"""Ad-spend and product-event history by month: partitioned assets for backfills.

``raw_ad_spend/history_windows``: each monthly partition reads every spend file and replaces the
platform-days of its month(s) with the rows dated in them (each platform-day from its latest file, the
restatement rule of the nightly load); other days are not touched. ``raw_product_events/history_windows``:
each partition loads the events timed in its month(s) (files and/or the events table), replacing the rows
with the same event ids. A range runs as one run under the source's own dlt pipeline, so the nightly
cursors never move. Each is enabled with its nightly asset (``ONEFUNNEL_SOURCES`` names ``ad_spend`` /
``product_events``).
"""

import dagster as dg

from orchestration import settings
from orchestration.defs.files import ad_spend_enabled, product_events_enabled
from orchestration.defs.marketo_history import window_result
from orchestration.defs.salesforce_history import HISTORY_PARTITIONS
from orchestration.retry import TRANSIENT_RETRY

AD_SPEND_BACKFILL_ASSET_KEY = dg.AssetKey(["raw_ad_spend", "history_windows"])
AD_SPEND_BACKFILL_JOB_NAME = "ad_spend_history_backfill"
PRODUCT_EVENTS_BACKFILL_ASSET_KEY = dg.AssetKey(["raw_product_events", "history_windows"])
PRODUCT_EVENTS_BACKFILL_JOB_NAME = "product_events_history_backfill"


@dg.asset(
    key=AD_SPEND_BACKFILL_ASSET_KEY,
    partitions_def=HISTORY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
    group_name="raw_ad_spend",
    kinds={"dlt", "csv"},
    tags={"cadence": "backfill"},
    description="Ad spend dated in the partition's month(s), read from every file, replacing exactly those "
    "platform-days in raw_ad_spend.daily_spend. Backfill a range in the UI or with `make backfill START= "
    "END= SOURCES=ad_spend`, then run the `build` job.",
)
def ad_spend_history_windows(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Load the spend-date window ``[first day of first month, first day of month after last)``."""
    from orchestration.history import load_ad_spend_window

    window = context.partition_time_window
    return window_result("ad_spend", context, load_ad_spend_window(window.start, window.end))


@dg.asset(
    key=PRODUCT_EVENTS_BACKFILL_ASSET_KEY,
    partitions_def=HISTORY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
    group_name="raw_product_events",
    kinds={"dlt", "json"},
    tags={"cadence": "backfill"},
    description="Product events timed in the partition's month(s), replacing the rows with the same event "
    "ids in raw_product_events.events. Backfill a range in the UI or with `make backfill START= END= "
    "SOURCES=product_events`, then run the `build` job.",
)
def product_events_history_windows(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Load the event-time window ``[start of first month, start of month after last)``."""
    from orchestration.history import load_product_events_window

    window = context.partition_time_window
    return window_result("product_events", context, load_product_events_window(window.start, window.end))


def _job(name: str, key: dg.AssetKey, what: str) -> "dg.UnresolvedAssetJobDefinition":
    return dg.define_asset_job(
        name,
        selection=dg.AssetSelection.assets(key),
        description=f"Load {what} history by month (a range runs as one run).",
        tags={"cadence": "backfill"},
    )


def ad_spend_history_job() -> "dg.UnresolvedAssetJobDefinition":
    return _job(AD_SPEND_BACKFILL_JOB_NAME, AD_SPEND_BACKFILL_ASSET_KEY, "ad spend (spend date)")


def product_events_history_job() -> "dg.UnresolvedAssetJobDefinition":
    return _job(
        PRODUCT_EVENTS_BACKFILL_JOB_NAME, PRODUCT_EVENTS_BACKFILL_ASSET_KEY, "product events (event time)"
    )


def files_history_assets() -> list[dg.AssetsDefinition]:
    """The history assets of the enabled file sources."""
    return [
        asset
        for asset, on in (
            (ad_spend_history_windows, ad_spend_enabled()),
            (product_events_history_windows, product_events_enabled()),
        )
        if on
    ]


def files_history_jobs() -> "list[dg.UnresolvedAssetJobDefinition]":
    """The backfill jobs of the enabled file sources."""
    return [
        job()
        for job, on in (
            (ad_spend_history_job, ad_spend_enabled()),
            (product_events_history_job, product_events_enabled()),
        )
        if on
    ]
