"""Load one window of a source's history into its raw dataset (backfills).

Each source runs the same dlt source as its nightly path, with a window (Salesforce ``modstamp_from``/
``modstamp_to`` on SystemModstamp, HubSpot ``modified_from``/``modified_to`` on the last-modified date,
Marketo ``activities_from``/``activities_to`` on the activity date, ad spend ``spend_from``/``spend_to``
on the spend date, product events ``events_from``/``events_to`` on the event time), under its own dlt
pipeline name, so the nightly incremental cursors never move. Rows are merged on the primary key (spend
replaces its platform-days, product events replace their event ids): rerunning a window, or overlapping
it with the nightly load, adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from orchestration import settings


def _load_window(
    source_name: str,
    pipeline_name: str,
    dataset: str,
    make_source: Callable[[], Any],
    after_load: Callable[[Any], None] | None = None,
    unwrap: Callable[[BaseException], BaseException | None] | None = None,
) -> dict[str, int]:
    """Extract ``make_source()``, normalize and merge it under ``pipeline_name``; rows loaded per table.

    The source is made after the pipeline exists: a source that reads its state at creation (HubSpot's
    stored property types) reads this pipeline's, never the one a caller happened to activate before.
    ``unwrap`` finds the source's own error inside dlt's extract failure (re-raised as is); ``after_load``
    sees the pipeline once the rows are loaded (Marketo raises there when the daily quota stopped it)."""
    import dlt
    from dlt.pipeline.exceptions import PipelineStepFailed

    from ingestion.pipelines import prefer_native_file_formats, warehouse_destination

    destination = warehouse_destination(settings.warehouse())
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
    try:
        source = make_source()
        prefer_native_file_formats(source, destination)  # Arrow pages as Parquet, dict rows as jsonl
        pipeline.extract(source)
    except PipelineStepFailed as e:
        cause = unwrap(e) if unwrap else None
        if cause is None:
            raise
        raise cause from e
    info = pipeline.normalize()
    counts = {t: int(n) for t, n in (info.row_counts or {}).items() if not t.startswith("_dlt")}
    for table, rows in sorted(counts.items()):
        print(f"{source_name} backfill: {table}: {rows} rows extracted", flush=True)
    pipeline.load().raise_on_failed_jobs()
    print(f"{source_name} backfill: loaded {sum(counts.values())} rows into {dataset}", flush=True)
    if after_load is not None:
        after_load(pipeline)
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


def load_marketo_window(start: dt.datetime, end: dt.datetime, **source_kwargs: Any) -> dict[str, int]:
    """Extract Marketo activities and deleted leads dated in ``[start, end)``, the leads they name, and the
    undated resources (types, fields, programs and costs, smart campaigns) whole; merge; rows per table.
    Raises ``MarketoQuotaExceeded`` after loading what was read when the daily quota ran out."""
    from ingestion.marketo import marketo_source
    from ingestion.marketo.fields import iso
    from ingestion.marketo.pipeline import marketo_cause, raise_if_quota_exhausted
    from ingestion.marketo.settings import BACKFILL_PIPELINE_NAME, DATASET_NAME

    def source() -> Any:
        return marketo_source(activities_from=iso(start), activities_to=iso(end), **source_kwargs)

    return _load_window(
        "marketo",
        BACKFILL_PIPELINE_NAME,
        DATASET_NAME,
        source,
        after_load=raise_if_quota_exhausted,
        unwrap=marketo_cause,
    )


def load_ad_spend_window(start: dt.datetime, end: dt.datetime, **source_kwargs: Any) -> dict[str, int]:
    """Replace the platform-days of ``[start, end)`` with the spend rows of every file dated in it (each
    platform-day from its latest file); malformed rows of every file into the quarantine; rows per table."""
    from ingestion.files import settings as files_settings
    from ingestion.files.ad_spend import ad_spend_source

    def source() -> Any:
        return ad_spend_source(spend_from=start.date(), spend_to=end.date(), **source_kwargs)

    return _load_window(
        "ad_spend", files_settings.AD_SPEND_BACKFILL_PIPELINE, files_settings.AD_SPEND_DATASET, source
    )


def load_product_events_window(start: dt.datetime, end: dt.datetime, **source_kwargs: Any) -> dict[str, int]:
    """Load the product events timed in ``[start, end)`` (files and/or the events table), replacing the
    rows with the same event ids; rows per table."""
    from ingestion.files import settings as files_settings
    from ingestion.files.product_events import product_events_source

    def source() -> Any:
        return product_events_source(events_from=start, events_to=end, **source_kwargs)

    return _load_window(
        "product_events", files_settings.PRODUCT_BACKFILL_PIPELINE, files_settings.PRODUCT_DATASET, source
    )
