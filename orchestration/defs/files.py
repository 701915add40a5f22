"""File sources as Dagster assets: ad-platform spend (``raw_ad_spend``) and product events
(``raw_product_events``), loaded by the dlt sources in ``ingestion/files``.

Each is enabled only when ``ONEFUNNEL_SOURCES`` (comma list, default ``salesforce``) includes ``ad_spend`` /
``product_events``; read when the definitions load, never at import time. Buckets come from dlt config
(``SOURCES__AD_SPEND__BUCKET_URL``, ``SOURCES__PRODUCT_EVENTS__BUCKET_URL``); for the sandbox,
``sandbox_files_env`` writes the company's files and returns that environment.
"""

from pathlib import Path
from typing import Any

import dagster as dg

from orchestration import settings
from orchestration.defs.hubspot import enabled_sources
from orchestration.retry import TRANSIENT_RETRY

AD_SPEND_TABLES: dict[str, str] = {
    "daily_spend": "daily spend per platform and campaign; a restated (platform, day) replaces the loaded one",
    "spend_quarantine": "malformed spend rows with file, line and reason",
}
PRODUCT_TABLES: dict[str, str] = {
    "events": "product track events, append-only on an incremental timestamp cursor",
    "event_quarantine": "malformed product events with file, line and reason",
}


def ad_spend_enabled() -> bool:
    return "ad_spend" in enabled_sources()


def product_events_enabled() -> bool:
    return "product_events" in enabled_sources()


def dbt_vars() -> dict[str, Any]:
    """dbt vars the file sources need (``--vars``) when enabled, else none."""
    out: dict[str, Any] = {}
    if ad_spend_enabled():
        out["ad_spend_enabled"] = True
    if product_events_enabled():
        out["product_events_enabled"] = True
    return out


def _specs(dataset: str, tables: dict[str, str], kind: str) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=dg.AssetKey([dataset, table]),
            description=f"{text[0].upper()}{text[1:]}.",
            group_name=dataset,
            kinds={"dlt", kind},
            tags={"cadence": "nightly"},
        )
        for table, text in tables.items()
    ]


def _results(dataset: str, tables: dict[str, str], rows: dict[str, int]):
    for table in tables:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey([dataset, table]),
            metadata={"rows_loaded": dg.MetadataValue.int(int(rows.get(table, 0)))},
        )


@dg.multi_asset(
    name="ad_spend_raw",
    specs=_specs("raw_ad_spend", AD_SPEND_TABLES, "csv"),
    can_subset=False,
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
)
def ad_spend_raw(context: dg.AssetExecutionContext):
    """Load new or restated ad-spend files into ``raw_ad_spend`` (restated days replace loaded ones)."""
    from ingestion.files.pipeline import run_ad_spend  # imported here: keeps definitions load fast

    rows = run_ad_spend(warehouse=settings.warehouse(), pipelines_dir=settings.dlt_pipelines_dir())
    context.log.info(f"ad_spend: {sum(rows.values())} rows loaded across {len(rows)} tables")
    yield from _results("raw_ad_spend", AD_SPEND_TABLES, rows)


@dg.multi_asset(
    name="product_events_raw",
    specs=_specs("raw_product_events", PRODUCT_TABLES, "json"),
    can_subset=False,
    pool=settings.DUCKDB_WRITER_POOL,
    retry_policy=TRANSIENT_RETRY,
)
def product_events_raw(context: dg.AssetExecutionContext):
    """Append new product events into ``raw_product_events`` (cursor on the event timestamp)."""
    from ingestion.files.pipeline import run_product_events

    rows = run_product_events(warehouse=settings.warehouse(), pipelines_dir=settings.dlt_pipelines_dir())
    context.log.info(f"product_events: {sum(rows.values())} rows loaded across {len(rows)} tables")
    yield from _results("raw_product_events", PRODUCT_TABLES, rows)


def files_assets() -> list[dg.AssetsDefinition]:
    """The enabled file-source assets (``ad_spend_raw``, ``product_events_raw``)."""
    return [
        a
        for a, on in ((ad_spend_raw, ad_spend_enabled()), (product_events_raw, product_events_enabled()))
        if on
    ]


def sandbox_files_env(company: Any, directory: Path | str) -> dict[str, str]:
    """Write the sandbox company's spend files and product events under ``directory``; returns the dlt
    config (environment) pointing both sources at them."""
    from ingestion.sandbox.generator_product import write_product_files
    from ingestion.sandbox.generator_spend import write_spend_files

    root = Path(directory)
    write_spend_files(company.ad_spend(), root / "ad_spend", company.end_date)
    write_product_files(company.product_events(), root / "product_events")
    return {
        "SOURCES__AD_SPEND__BUCKET_URL": str(root / "ad_spend"),
        "SOURCES__PRODUCT_EVENTS__BUCKET_URL": str(root / "product_events"),
    }
