"""Salesforce history by month of SystemModstamp: a partitioned asset for backfills.

Each monthly partition merges the records last modified in that month into the ``raw_salesforce``
tables the nightly path loads; a backfill of a range runs as one run (one SOQL window per object).
"""

import dagster as dg

from orchestration import settings
from orchestration.defs.schedules import BACKFILL_ASSET_KEY
from orchestration.retry import TRANSIENT_RETRY

HISTORY_PARTITIONS = dg.MonthlyPartitionsDefinition(
    start_date=settings.BACKFILL_START_MONTH,
    fmt="%Y-%m",
    end_offset=1,  # the current, unfinished month too: a backfill up to today equals a full load
)


@dg.asset(
    key=BACKFILL_ASSET_KEY,
    partitions_def=HISTORY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
    group_name="raw_salesforce",
    kinds={"dlt", "salesforce"},
    tags={"cadence": "backfill"},
    description="Salesforce records whose SystemModstamp falls in the partition's month(s), merged on Id "
    "into the raw_salesforce tables. Backfill a range in the UI or with `make backfill START= END=`, then "
    "run the `build` job.",
)
def salesforce_history_windows(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Load the SystemModstamp window ``[start of first month, start of month after last)``."""
    from orchestration.history import load_salesforce_window

    window = context.partition_time_window
    rows = load_salesforce_window(window.start, window.end)
    context.log.info(
        f"salesforce history {window.start:%Y-%m}..{window.end:%Y-%m}: {sum(rows.values())} rows"
    )
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": dg.MetadataValue.int(sum(rows.values())),
            "window": dg.MetadataValue.text(f"[{window.start.isoformat()}, {window.end.isoformat()})"),
        }
        | {f"rows_{t}": dg.MetadataValue.int(n) for t, n in sorted(rows.items())}
    )
