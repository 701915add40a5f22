"""Run the Marketo source into the warehouse (dataset ``raw_marketo``), shaped like ``run_hubspot``."""

from __future__ import annotations

from typing import Any

import dlt
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.marketo.helpers import MarketoError, MarketoQuotaExceeded


def marketo_cause(error: BaseException) -> MarketoError | None:
    """The ``MarketoError`` behind ``error`` (dlt wraps source errors in ``PipelineStepFailed``), if any."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, MarketoError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def run_marketo(
    warehouse: str | None = None, pipelines_dir: str | None = None, **source_kwargs: Any
) -> dict[str, int]:
    """Extract, normalize and load Marketo into ``raw_marketo``; returns rows loaded per table.

    ``source_kwargs`` go to ``marketo_source`` (``base_url``, ``credentials``, ``initial_since``...);
    anything not given comes from dlt config (``SOURCES__MARKETO__BASE_URL``,
    ``SOURCES__MARKETO__CREDENTIALS__CLIENT_ID`` / ``__CLIENT_SECRET``). A load package a previous run
    extracted but did not load is loaded first. When the daily API quota ran out (error 607) what was read
    is loaded and ``MarketoQuotaExceeded`` is raised afterwards (the cursors did not move).
    """
    from ingestion.marketo import marketo_source
    from ingestion.marketo.settings import DATASET_NAME, PIPELINE_NAME
    from ingestion.pipelines import prefer_native_file_formats, warehouse_destination

    destination = warehouse_destination(warehouse)
    pipeline = dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=destination,
        dataset_name=DATASET_NAME,
        pipelines_dir=pipelines_dir,
    )
    if pipeline.has_pending_data:  # a previous run extracted but did not load: finish it first
        print("marketo: loading pending data from a previous run", flush=True)
        pipeline.normalize()
        pipeline.load().raise_on_failed_jobs()
    source = marketo_source(**source_kwargs)
    prefer_native_file_formats(source, destination)  # Arrow tables as Parquet, dict rows as jsonl on DuckDB
    print(f"marketo: extracting {', '.join(source.resources.keys())}", flush=True)
    try:
        pipeline.extract(source)
    except PipelineStepFailed as e:  # surface the Marketo error itself (endpoint and code), not dlt's wrapper
        cause = marketo_cause(e)
        if cause is None:
            raise
        raise cause from e
    counts = {
        t: int(n) for t, n in (pipeline.normalize().row_counts or {}).items() if not t.startswith("_dlt")
    }
    print(f"marketo: {sum(counts.values())} rows extracted, loading", flush=True)
    pipeline.load().raise_on_failed_jobs()
    print(f"marketo: loaded {sum(counts.values())} rows into {DATASET_NAME}", flush=True)
    raise_if_quota_exhausted(pipeline)
    return counts


def raise_if_quota_exhausted(pipeline: Any) -> None:
    """Raise ``MarketoQuotaExceeded`` when the run just loaded stopped on the daily quota (error 607)."""
    from ingestion.marketo.settings import QUOTA_STATE_KEY

    quota = pipeline.state.get("sources", {}).get("marketo", {}).get(QUOTA_STATE_KEY)
    if quota:
        raise MarketoQuotaExceeded(str(quota["message"]), endpoint=quota.get("endpoint"), code="607")
