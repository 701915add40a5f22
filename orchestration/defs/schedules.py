"""Cadences: the nightly run (ingest what changed, rebuild, check)."""

from __future__ import annotations

import dagster as dg

from orchestration import settings

NIGHTLY_JOB_NAME = "nightly"


def nightly_job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        NIGHTLY_JOB_NAME,
        selection=dg.AssetSelection.all(),
        description="Ingest what changed from every enabled source, rebuild the dbt project, run the checks.",
        tags={"cadence": "nightly"},
    )


def nightly_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_schedule",
        job=job,
        cron_schedule="0 2 * * *",
        execution_timezone=settings.timezone(),
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="02:00 every night in ONEFUNNEL_TIMEZONE (default UTC). Turn it on in the UI or with "
        "`dagster schedule start nightly_schedule`.",
    )
