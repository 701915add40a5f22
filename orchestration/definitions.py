"""The Dagster code location: raw dlt tables, the dbt project, data-quality checks, cadences, alerts."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from orchestration.cadences import MARTS_FRESHNESS_FAIL_HOURS, MARTS_FRESHNESS_WARN_HOURS
from orchestration.defs.alerts import run_failure_alert
from orchestration.defs.dbt_models import build_dbt_assets, dbt_resource
from orchestration.defs.files_history import files_history_assets, files_history_jobs
from orchestration.defs.hubspot_history import hubspot_history_assets, hubspot_history_jobs
from orchestration.defs.marketo_history import marketo_history_assets, marketo_history_jobs
from orchestration.defs.publish import published_marts_asset
from orchestration.defs.quality import quality_checks
from orchestration.defs.reports import review_page_assets
from orchestration.defs.salesforce import salesforce_enabled
from orchestration.defs.salesforce_history import salesforce_history_windows
from orchestration.defs.schedules import BACKFILL_ASSET_KEY, BACKFILL_ASSETS, cadence_jobs_and_schedules
from orchestration.defs.sources import source_assets

BUILD_JOB_NAME = "build"


def build_job() -> dg.UnresolvedAssetJobDefinition:
    """dbt and checks without ingestion: after a backfill, or to rebuild from the raw tables."""
    return dg.define_asset_job(
        BUILD_JOB_NAME,
        selection=dg.AssetSelection.all() - BACKFILL_ASSETS - dg.AssetSelection.assets(*source_assets()),
        description="Rebuild the dbt project and run the checks from the raw tables as they are.",
        tags={"cadence": "build"},
    )


def history_backfill_job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        "salesforce_history_backfill",
        selection=dg.AssetSelection.assets(BACKFILL_ASSET_KEY),
        description="Load Salesforce history by SystemModstamp month (a range runs as one run).",
        tags={"cadence": "backfill"},
    )


def _marts_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    return spec.replace_attributes(
        freshness_policy=dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(hours=MARTS_FRESHNESS_FAIL_HOURS),
            warn_window=dt.timedelta(hours=MARTS_FRESHNESS_WARN_HOURS),
        )
    )


@dg.definitions
def defs() -> dg.Definitions:
    jobs, schedules = cadence_jobs_and_schedules()
    return dg.Definitions(
        assets=[
            *source_assets(),
            *([salesforce_history_windows] if salesforce_enabled() else []),
            *hubspot_history_assets(),
            *marketo_history_assets(),
            *files_history_assets(),
            build_dbt_assets(),
            published_marts_asset(),
            *review_page_assets(),
        ],
        asset_checks=quality_checks(),
        jobs=[
            *jobs,
            build_job(),
            *([history_backfill_job()] if salesforce_enabled() else []),
            *hubspot_history_jobs(),
            *marketo_history_jobs(),
            *files_history_jobs(),
        ],
        schedules=schedules,
        sensors=[run_failure_alert],
        resources={"dbt": dbt_resource()},
    ).map_resolved_asset_specs(func=_marts_freshness, selection=dg.AssetSelection.groups("marts"))
