"""The Marketo Dagster asset: off unless ONEFUNNEL_SOURCES names marketo; materialises every raw table."""

from __future__ import annotations

import dagster as dg
import pytest
from mk_support import Runner

from ingestion.sandbox.marketo_emulator import MarketoEmulator
from orchestration.defs import marketo


def test_enabled_only_by_onefunnel_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEFUNNEL_SOURCES", raising=False)
    assert marketo.marketo_assets() == [] and marketo.dbt_vars() == {}
    monkeypatch.setenv("ONEFUNNEL_SOURCES", "salesforce, Marketo")
    assert marketo.marketo_assets() == [marketo.marketo_raw]
    assert marketo.dbt_vars() == {"marketo_enabled": True}


def test_asset_materialises_raw_tables(
    emulator: MarketoEmulator, runner: Runner, loaded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion.marketo import table_names

    assert set(marketo.MARKETO_TABLES) == set(table_names())
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", runner.warehouse)
    monkeypatch.setenv("ONEFUNNEL_DLT_PIPELINES_DIR", runner.pipelines_dir)
    monkeypatch.setenv("SOURCES__MARKETO__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__MARKETO__CREDENTIALS__CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("SOURCES__MARKETO__CREDENTIALS__CLIENT_SECRET", emulator.client_secret)
    assert marketo.marketo_raw.op.pool == "duckdb_writer"
    lead = sorted(emulator.instance.leads)[0]
    emulator.instance.update_lead(lead, {"title": "Materialised"})
    result = dg.materialize([marketo.marketo_raw])
    assert result.success
    events = [e.materialization for e in result.get_asset_materialization_events()]
    assert {e.asset_key for e in events} == {dg.AssetKey(["raw_marketo", t]) for t in marketo.MARKETO_TABLES}
    rows = {e.asset_key.path[-1]: e.metadata["rows_loaded"].value for e in events}
    assert rows["leads"] == 1 and rows["activities"] == 1  # the changed lead and its Change Data Value
    assert runner.rows("leads")[lead]["title"] == "Materialised"


def test_quota_failure_is_not_retried(
    emulator: MarketoEmulator, runner: Runner, loaded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", runner.warehouse)
    monkeypatch.setenv("ONEFUNNEL_DLT_PIPELINES_DIR", runner.pipelines_dir)
    monkeypatch.setenv("SOURCES__MARKETO__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__MARKETO__CREDENTIALS__CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("SOURCES__MARKETO__CREDENTIALS__CLIENT_SECRET", emulator.client_secret)
    emulator.inject_fault("/rest/v1/activities/pagingtoken.json", code="607")
    result = dg.materialize([marketo.marketo_raw], raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data
    assert "daily API quota exhausted" in (failure.user_failure_data.description or "")
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
