"""The HubSpot Dagster asset: off unless ONEFUNNEL_SOURCES names hubspot; materialises every raw table."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from orchestration.defs import hubspot


def test_enabled_only_by_onefunnel_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEFUNNEL_SOURCES", raising=False)
    assert hubspot.hubspot_assets() == [] and hubspot.dbt_vars() == {}
    monkeypatch.setenv("ONEFUNNEL_SOURCES", "salesforce, HubSpot")
    assert hubspot.hubspot_assets() == [hubspot.hubspot_raw]
    assert hubspot.dbt_vars() == {"hubspot_enabled": True}


def test_asset_materialises_raw_tables(
    emulator: HubSpotEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("ONEFUNNEL_DLT_PIPELINES_DIR", str(tmp_path / "dlt"))
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN", emulator.token)
    assert hubspot.hubspot_raw.op.pool == "duckdb_writer"
    result = dg.materialize([hubspot.hubspot_raw])
    assert result.success
    keys = {m.asset_key for m in result.get_asset_materialization_events() for m in [m.materialization]}
    assert keys == {dg.AssetKey(["raw_hubspot", t]) for t in hubspot.HUBSPOT_TABLES}
