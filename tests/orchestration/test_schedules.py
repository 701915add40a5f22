"""Each cadence's schedule: when it ticks (in the configured zone), which job and assets it runs, and
which periods a review run reviews and freezes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from orchestration.definitions import defs

REVIEWS = {
    "weekly_pipeline_review_schedule": (
        "weekly_pipeline_review",
        "marts/rpt_weekly_pipeline_review",
        "weekly",
    ),
    "monthly_review_schedule": ("monthly_review", "marts/rpt_monthly_marketing_review", "monthly"),
    "quarterly_review_schedule": ("quarterly_review", "marts/rpt_quarterly_business_review", "quarterly"),
}
FREEZE = {"marts/fct_pipeline_snapshots", "marts/fct_pipeline_snapshot_periods", "marts/fct_pipeline"}


def _ticks(schedule: dg.ScheduleDefinition, after: dt.datetime, n: int) -> list[dt.datetime]:
    it = cron_string_iterator(after.timestamp(), schedule.cron_schedule, schedule.execution_timezone or "UTC")
    return [next(it) for _ in range(n)]


def _evaluate(schedule: dg.ScheduleDefinition, when: dt.datetime) -> dg.RunRequest:
    with dg.build_schedule_context(scheduled_execution_time=when) as context:
        requests = schedule.evaluate_tick(context).run_requests or []
    assert len(requests) == 1
    return requests[0]


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    monkeypatch.setenv("ONEFUNNEL_TIMEZONE", "Europe/Berlin")
    return defs()


def test_each_review_runs_its_job_over_the_freeze_and_its_review_table() -> None:
    definitions = defs()
    for name, (job_name, table, cadence) in REVIEWS.items():
        schedule = definitions.resolve_schedule_def(name)
        assert schedule.job_name == job_name
        keys = {
            k.to_user_string() for k in definitions.resolve_job_def(job_name).asset_layer.selected_asset_keys
        }
        # the review table, the freezes, the review page written for the period the run reviews, and
        # the publish that hands the refrozen tables to BI
        assert keys == FREEZE | {table, f"reports/{cadence}_review_page", "published/marts"}
    nightly = definitions.resolve_job_def("nightly").asset_layer.selected_asset_keys
    assert dg.AssetKey(["raw_salesforce", "opportunity"]) in nightly
    assert dg.AssetKey(["raw_salesforce", "history_windows"]) not in nightly  # backfills are separate


def test_weekly_review_ticks_monday_seven_in_the_configured_zone(berlin: dg.Definitions) -> None:
    schedule = berlin.resolve_schedule_def("weekly_pipeline_review_schedule")
    assert schedule.execution_timezone == "Europe/Berlin"
    ticks = _ticks(schedule, dt.datetime(2026, 3, 4, tzinfo=dt.UTC), 2)  # a Wednesday
    zone = ZoneInfo("Europe/Berlin")
    assert [t.astimezone(zone).replace(tzinfo=None) for t in ticks] == [
        dt.datetime(2026, 3, 9, 7, 0),
        dt.datetime(2026, 3, 16, 7, 0),
    ]
    assert ticks[0].astimezone(dt.UTC).hour == 6  # 07:00 CET is 06:00 UTC
    # Monday 00:30 in Berlin is still Sunday in UTC: the review uses the local date
    request = _evaluate(schedule, dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC))
    assert request.tags["onefunnel/reviewed_period_start"] == "2026-03-02"
    assert request.tags["onefunnel/frozen_period_start"] == "2026-03-09"
    assert request.run_key == "weekly_pipeline_review:2026-03-09"


def test_monthly_review_ticks_on_day_one_and_reviews_the_previous_month() -> None:
    schedule = defs().resolve_schedule_def("monthly_review_schedule")
    ticks = _ticks(schedule, dt.datetime(2026, 1, 15, tzinfo=dt.UTC), 3)
    assert [(t.month, t.day, t.hour) for t in ticks] == [(2, 1, 6), (3, 1, 6), (4, 1, 6)]
    request = _evaluate(schedule, dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC))
    assert request.tags["onefunnel/period_grain"] == "month"
    assert request.tags["onefunnel/reviewed_period_start"] == "2026-02-01"
    assert request.tags["onefunnel/frozen_period_start"] == "2026-03-01"


def test_quarterly_review_ticks_on_the_first_day_of_each_quarter() -> None:
    schedule = defs().resolve_schedule_def("quarterly_review_schedule")
    ticks = _ticks(schedule, dt.datetime(2026, 2, 10, tzinfo=dt.UTC), 4)
    assert [t.date() for t in ticks] == [
        dt.date(2026, 4, 1),
        dt.date(2026, 7, 1),
        dt.date(2026, 10, 1),
        dt.date(2027, 1, 1),
    ]
    request = _evaluate(schedule, dt.datetime(2027, 1, 1, 6, 0, tzinfo=dt.UTC))
    assert request.tags["onefunnel/reviewed_period_start"] == "2026-10-01"
    assert request.tags["onefunnel/frozen_period_start"] == "2027-01-01"


def test_nightly_schedule_requests_the_nightly_job(berlin: dg.Definitions) -> None:
    schedule = berlin.resolve_schedule_def("nightly_schedule")
    assert schedule.execution_timezone == "Europe/Berlin"
    ticks = _ticks(schedule, dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC), 1)
    assert ticks[0].astimezone(dt.UTC) == dt.datetime(2026, 7, 2, 0, 0, tzinfo=dt.UTC)  # 02:00 CEST
    request = _evaluate(schedule, ticks[0])
    assert request.job_name in (None, "nightly")


def test_history_backfill_is_monthly_and_runs_a_range_as_one_run() -> None:
    definitions = defs()
    node = definitions.resolve_asset_graph().get(dg.AssetKey(["raw_salesforce", "history_windows"]))
    keys = node.partitions_def.get_partition_keys()
    assert keys[0] == "2020-01" and "2024-01" in keys and "2026-09" in keys
    assert node.backfill_policy == dg.BackfillPolicy.single_run()
