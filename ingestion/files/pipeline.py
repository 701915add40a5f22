"""Run the file pipelines (ad spend, product events) into the warehouse, like ``ingestion.pipelines``."""

from __future__ import annotations

from typing import Any

import dlt

from ingestion.files import settings
from ingestion.pipelines import prefer_native_file_formats, warehouse_destination


def _run(
    label: str,
    pipeline_name: str,
    dataset: str,
    source: Any,
    warehouse: str | None,
    pipelines_dir: str | None,
) -> dict[str, int]:
    destination = warehouse_destination(warehouse)
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=pipelines_dir,
    )
    if pipeline.has_pending_data:  # a previous run extracted but did not load: finish it first
        print(f"{label}: loading pending data from a previous run", flush=True)
        pipeline.normalize()
        pipeline.load().raise_on_failed_jobs()
    print(f"{label}: reading new files", flush=True)
    extracted = source()
    prefer_native_file_formats(
        extracted, destination
    )  # Arrow tables as Parquet, dict rows as jsonl on DuckDB
    pipeline.extract(extracted)
    counts = {
        t: int(n) for t, n in (pipeline.normalize().row_counts or {}).items() if not t.startswith("_dlt")
    }
    for table, n in sorted(counts.items()):
        print(f"{label}: {table}: {n} rows extracted", flush=True)
    pipeline.load().raise_on_failed_jobs()
    print(f"{label}: loaded {sum(counts.values())} rows into {dataset}", flush=True)
    return counts


def run_ad_spend(
    warehouse: str | None = None, pipelines_dir: str | None = None, **source_kwargs: Any
) -> dict[str, int]:
    """Load new or changed ad-spend files into ``raw_ad_spend``; returns rows loaded per table.

    ``source_kwargs`` go to ``ad_spend_source`` (``bucket_url``, ``file_glob``, ``credentials``...); anything
    not given comes from dlt config (``SOURCES__AD_SPEND__BUCKET_URL``...).
    """
    from ingestion.files.ad_spend import ad_spend_source

    return _run(
        "ad_spend",
        settings.AD_SPEND_PIPELINE,
        settings.AD_SPEND_DATASET,
        lambda: ad_spend_source(**source_kwargs),
        warehouse,
        pipelines_dir,
    )


def run_product_events(
    warehouse: str | None = None, pipelines_dir: str | None = None, **source_kwargs: Any
) -> dict[str, int]:
    """Append new product events into ``raw_product_events``; returns rows loaded per table.

    ``source_kwargs`` go to ``product_events_source`` (``bucket_url``, ``file_glob``, ``credentials``...);
    anything not given comes from dlt config (``SOURCES__PRODUCT_EVENTS__BUCKET_URL``...).
    """
    from ingestion.files.product_events import product_events_source

    return _run(
        "product_events",
        settings.PRODUCT_PIPELINE,
        settings.PRODUCT_DATASET,
        lambda: product_events_source(**source_kwargs),
        warehouse,
        pipelines_dir,
    )
