"""Cadences: nightly ingest-build-check, and the weekly, monthly and quarterly reviews with their freezes.

Cron times and selections are business choices kept in ``orchestration.cadences``; every schedule runs
in ``ONEFUNNEL_TIMEZONE`` (default UTC) and starts stopped (turn them on in the UI or with
``dagster schedule start <name>``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dagster as dg

from orchestration import settings
from orchestration.cadences import CADENCES, NIGHTLY, Cadence
from orchestration.periods import period_start, previous_period_start

NIGHTLY_JOB_NAME = NIGHTLY.name
BACKFILL_ASSET_KEY = dg.AssetKey(["raw_salesforce", "history_windows"])
# every history-partition asset (Salesforce, HubSpot) is tagged cadence=backfill: never in a cadence job
BACKFILL_ASSETS = dg.AssetSelection.tag("cadence", "backfill")


def _selection(cadence: Cadence) -> dg.AssetSelection:
    if not cadence.assets:  # everything the nightly run owns: not the partitioned history backfill
        return dg.AssetSelection.all() - BACKFILL_ASSETS
    # without the data-quality checks: their one multi-check step runs with the nightly build only
    return dg.AssetSelection.assets(*(dg.AssetKey(a.split("/")) for a in cadence.assets)).without_checks()


def cadence_job(cadence: Cadence) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        cadence.name,
        selection=_selection(cadence),
        description=cadence.description,
        tags={"cadence": cadence.name},
    )


def nightly_job() -> dg.UnresolvedAssetJobDefinition:
    return cadence_job(NIGHTLY)


def nightly_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_schedule",
        job=job,
        cron_schedule=NIGHTLY.cron,
        execution_timezone=settings.timezone(),
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"{NIGHTLY.cron} (cron) in ONEFUNNEL_TIMEZONE (default UTC). Turn it on in the UI or "
        "with `dagster schedule start nightly_schedule`.",
    )


def review_schedule(cadence: Cadence, job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    """A review tick: the run is tagged with the period it reviews and the period it freezes."""
    grain = cadence.period_grain
    assert grain is not None
    zone = settings.timezone()

    @dg.schedule(
        name=f"{cadence.name}_schedule",
        job=job,
        cron_schedule=cadence.cron,
        execution_timezone=zone,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"{cadence.description} Cron {cadence.cron} in ONEFUNNEL_TIMEZONE.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        # the local date of the tick in the execution time zone
        tick = context.scheduled_execution_time.astimezone(ZoneInfo(zone)).date()
        reviewed = previous_period_start(grain, tick)
        frozen = period_start(grain, tick)
        return dg.RunRequest(
            run_key=f"{cadence.name}:{tick.isoformat()}",
            tags={
                "cadence": cadence.name,
                "onefunnel/period_grain": grain,
                "onefunnel/reviewed_period_start": reviewed.isoformat(),
                "onefunnel/frozen_period_start": frozen.isoformat(),
            },
        )

    return _schedule


def cadence_jobs_and_schedules() -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition]]:
    """Every cadence's job and schedule (nightly first)."""
    jobs: list[dg.UnresolvedAssetJobDefinition] = []
    schedules: list[dg.ScheduleDefinition] = []
    for cadence in CADENCES:
        job = cadence_job(cadence)
        jobs.append(job)
        schedules.append(nightly_schedule(job) if cadence is NIGHTLY else review_schedule(cadence, job))
    return jobs, schedules
