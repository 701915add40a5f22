"""HubSpot history backfill by monthly last-modified partitions: a range runs as one Dagster run under its
own dlt pipeline, equals a full load table by table, and a single month holds exactly that month's records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest
from hs_support import Runner, assert_matches_portal, raw_tables

from ingestion.hubspot import settings
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import CRM_OBJECTS, HubSpotPortal
from orchestration.backfill import RANGE_END_TAG, RANGE_START_TAG, history_job
from orchestration.defs.hubspot_history import HUBSPOT_BACKFILL_JOB_NAME


@pytest.fixture
def backfill_env(emulator: HubSpotEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    """The warehouse and dlt state the backfill writes (env, as Dagster runs it), as a runner on them."""
    root = tmp_path / "backfill"
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", str(root / "warehouse.duckdb"))
    monkeypatch.setenv("ONEFUNNEL_DLT_PIPELINES_DIR", str(root / "dlt_pipelines"))
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN", emulator.token)
    return Runner(emulator, root)


def test_range_backfill_is_one_run_and_equals_a_full_load(
    portal: HubSpotPortal, emulator: HubSpotEmulator, backfill_env: Runner, tmp_path: Path
) -> None:
    full = Runner(emulator, tmp_path / "full")
    full()
    expected = raw_tables(full.warehouse)
    assert all(expected[t] for t in ("contacts", "deals", "associations", "form_submissions", "email_events"))

    job = history_job("hubspot")
    assert job.name == HUBSPOT_BACKFILL_JOB_NAME
    instance = dg.DagsterInstance.ephemeral()
    tags = {RANGE_START_TAG: "2020-01", RANGE_END_TAG: dt.date.today().strftime("%Y-%m")}
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    assert result.success
    assert len(instance.get_runs()) == 1  # the whole range in one run (BackfillPolicy.single_run)
    months = {e.partition for e in result.get_asset_materialization_events()}
    first = min(r.updated_at for o in CRM_OBJECTS for r in portal.records[o].values())
    assert "2020-01" in months and first.strftime("%Y-%m") in months and len(months) > 12

    backfilled = raw_tables(backfill_env.warehouse)
    assert set(backfilled) == set(expected)
    for table, rows in expected.items():
        assert backfilled[table] == rows, table
    assert_matches_portal(backfill_env, portal)  # and both hold exactly the portal's records

    pipelines = {p.name for p in Path(backfill_env.pipelines_dir).iterdir()}
    assert settings.BACKFILL_PIPELINE_NAME in pipelines
    assert settings.PIPELINE_NAME not in pipelines  # no nightly cursor was created or moved
    backfill_env()  # the nightly load after the backfill: merged on the keys, nothing twice
    assert raw_tables(backfill_env.warehouse) == expected


def test_one_month_window_holds_exactly_that_months_changes(
    portal: HubSpotPortal, backfill_env: Runner
) -> None:
    from orchestration.history import load_hubspot_window

    deals = sorted(r.updated_at for r in portal.live("deals"))
    start = deals[len(deals) // 2].replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    load_hubspot_window(start, end)

    def within(at: dt.datetime | None) -> bool:
        return at is not None and start <= at < end

    loaded = {t for (t,) in backfill_env.sql("select table_name from information_schema.tables")}
    for obj in CRM_OBJECTS:
        live = {r.id for r in portal.live(obj) if within(r.updated_at)}
        archived = {r.id for r in portal.archived(obj) if within(r.archived_at)}
        assert set(backfill_env.rows(obj) if obj in loaded else {}) == live | archived, obj
    assert backfill_env.rows("deals")
    start_ms, end_ms = (int(t.timestamp() * 1000) for t in (start, end))
    events = {e["id"] for e in portal.email_events if start_ms <= e["created"] < end_ms}
    assert {r[0] for r in backfill_env.sql("select id from raw_hubspot.email_events")} == events
    submissions = sum(
        1 for subs in portal.submissions.values() for s in subs if start_ms <= int(s["submittedAt"]) < end_ms
    )
    assert backfill_env.count("form_submissions") == submissions
    # reference data has no date filter in its API: read whole
    assert backfill_env.count("owners") == len(portal.owners)
    assert backfill_env.count("campaigns") == len(portal.campaigns)


def test_history_asset_is_enabled_only_by_onefunnel_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.defs import hubspot_history
    from orchestration.defs.salesforce_history import HISTORY_PARTITIONS

    monkeypatch.delenv("ONEFUNNEL_SOURCES", raising=False)
    assert hubspot_history.hubspot_history_assets() == [] and hubspot_history.hubspot_history_jobs() == []
    monkeypatch.setenv("ONEFUNNEL_SOURCES", "salesforce,hubspot")
    (asset,) = hubspot_history.hubspot_history_assets()
    assert [j.name for j in hubspot_history.hubspot_history_jobs()] == [HUBSPOT_BACKFILL_JOB_NAME]
    assert asset.partitions_def == HISTORY_PARTITIONS  # the same months as the Salesforce history
    assert asset.backfill_policy == dg.BackfillPolicy.single_run()
    assert asset.op.pool == "duckdb_writer"
