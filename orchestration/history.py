"""Load one last-modified window of a source's history into its raw dataset (backfills).

Each source runs the same dlt source as its nightly path, with a window (Salesforce ``modstamp_from``/
``modstamp_to`` on SystemModstamp, HubSpot ``modified_from``/``modified_to`` on the last-modified date),
under its own dlt pipeline name, so the nightly incremental cursors never move. Rows are merged on the
primary key: rerunning a window, or overlapping it with the nightly load, adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from orchestration import settings


def _load_window(
    source_name: str, pipeline_name: str, dataset: str, make_source: Callable[[], Any]
) -> dict[str, int]:
    """Extract ``make_source()``, normalize and merge it under ``pipeline_name``; rows loaded per table.

    The source is made after the pipeline exists: a source that reads its state at creation (HubSpot's
    stored property types) reads this pipeline's, never the one a caller happened to activate before."""
    import dlt

    from ingestion.pipelines import warehouse_destination

    destination = warehouse_destination(settings.warehouse())
    file_format = "jsonl" if destination.destination_name == "duckdb" else None
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=settings.dlt_pipelines_dir(),
    )
    if (
        pipeline.has_pending_data
    ):  # a killed backfill extracted but did not load: finish it (merge, idempotent)
        print(f"{source_name} backfill: loading pending data from a killed run", flush=True)
        pipeline.normalize()
        pipeline.load()
    pipeline.extract(make_source(), loader_file_format=file_format)
    info = pipeline.normalize()
    counts = {t: int(n) for t, n in (info.row_counts or {}).items() if not t.startswith("_dlt")}
    for table, rows in sorted(counts.items()):
        print(f"{source_name} backfill: {table}: {rows} rows extracted", flush=True)
    pipeline.load().raise_on_failed_jobs()
    print(f"{source_name} backfill: loaded {sum(counts.values())} rows into {dataset}", flush=True)
    return counts


def load_salesforce_window(start: dt.datetime, end: dt.datetime, **source_kwargs: Any) -> dict[str, int]:
    """Extract ``start <= SystemModstamp < end`` of every object, merge it; rows loaded per table."""
    from ingestion.salesforce import salesforce_source
    from ingestion.salesforce.settings import DATASET_NAME

    def source() -> Any:
        return salesforce_source(
            modstamp_from=start.isoformat(), modstamp_to=end.isoformat(), **source_kwargs
        )

    return _load_window("salesforce", settings.BACKFILL_PIPELINE_NAME, DATASET_NAME, source)


def load_hubspot_window(start: dt.datetime, end: dt.datetime, **source_kwargs: Any) -> dict[str, int]:
    """Extract HubSpot records last modified (or archived) in ``[start, end)``, form submissions and email
    events of the window, and the undated reference resources whole; merge it; rows loaded per table."""
    from ingestion.hubspot import hubspot_source
    from ingestion.hubspot.settings import BACKFILL_PIPELINE_NAME, DATASET_NAME

    def source() -> Any:
        return hubspot_source(modified_from=start.isoformat(), modified_to=end.isoformat(), **source_kwargs)

    return _load_window("hubspot", BACKFILL_PIPELINE_NAME, DATASET_NAME, source)
