"""Load one SystemModstamp window of Salesforce history into ``raw_salesforce`` (backfills).

Runs the same dlt source as the nightly path with ``modstamp_from``/``modstamp_to`` under its own dlt
pipeline name, so the nightly incremental cursor never moves. Rows are merged on ``Id``: rerunning a
window, or overlapping it with the nightly load, adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration import settings


def load_salesforce_window(start: dt.datetime, end: dt.datetime, **source_kwargs: Any) -> dict[str, int]:
    """Extract ``start <= SystemModstamp < end`` of every object, merge it; rows loaded per table."""
    import dlt

    from ingestion.pipelines import warehouse_destination
    from ingestion.salesforce import salesforce_source
    from ingestion.salesforce.settings import DATASET_NAME

    destination = warehouse_destination(settings.warehouse())
    file_format = "jsonl" if destination.destination_name == "duckdb" else None
    pipeline = dlt.pipeline(
        pipeline_name=settings.BACKFILL_PIPELINE_NAME,
        destination=destination,
        dataset_name=DATASET_NAME,
        pipelines_dir=settings.dlt_pipelines_dir(),
    )
    if (
        pipeline.has_pending_data
    ):  # a killed backfill extracted but did not load: finish it (merge, idempotent)
        pipeline.normalize()
        pipeline.load()
    source = salesforce_source(modstamp_from=start.isoformat(), modstamp_to=end.isoformat(), **source_kwargs)
    pipeline.extract(source, loader_file_format=file_format)
    info = pipeline.normalize()
    counts = {t: int(n) for t, n in (info.row_counts or {}).items() if not t.startswith("_dlt")}
    pipeline.load().raise_on_failed_jobs()
    return counts
