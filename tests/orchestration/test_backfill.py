"""A backfill of the sandbox's whole history (monthly SystemModstamp windows, one run) gives the same
raw tables and marts as a full load, table by table; the nightly cursor is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import RAW_TABLES, REVIEW_MARTS, table_rows

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("table", [f"raw_salesforce.{t}" for t in RAW_TABLES])
def test_raw_tables_equal_a_full_load(review_loads: tuple[Path, Path], table: str) -> None:
    full, backfilled = review_loads
    assert table_rows(backfilled, table) == table_rows(full, table)


@pytest.mark.parametrize("table", [m.replace("/", ".") for m in REVIEW_MARTS])
def test_marts_equal_a_full_load(review_loads: tuple[Path, Path], table: str) -> None:
    full, backfilled = review_loads
    cols, rows = table_rows(full, table)
    assert rows, f"{table} is empty"
    assert table_rows(backfilled, table) == (cols, rows)


def test_backfill_keeps_its_own_dlt_state(review_loads: tuple[Path, Path]) -> None:
    _, backfilled = review_loads
    pipelines = {p.name for p in (backfilled.parent / "dlt").iterdir()}
    assert "onefunnel_salesforce_backfill" in pipelines
    assert "onefunnel_salesforce" not in pipelines  # the nightly cursor was never created or moved


def test_backfill_sources_follow_onefunnel_sources(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from orchestration.backfill import backfill_sources

    monkeypatch.delenv("ONEFUNNEL_SOURCES", raising=False)
    assert backfill_sources() == ["salesforce"]  # the default stack, as before
    monkeypatch.setenv("ONEFUNNEL_SOURCES", "hubspot, marketo,Salesforce,ad_spend,product_events,crm_x")
    assert backfill_sources() == ["salesforce", "hubspot", "marketo", "ad_spend", "product_events"]
    assert "crm_x has no history partitions, skipped" in capsys.readouterr().out
    assert backfill_sources(["hubspot"]) == ["hubspot"]
    with pytest.raises(ValueError, match="no history backfill for crm_x"):
        backfill_sources(["crm_x"])


def test_make_backfill_cli_covers_every_enabled_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`make backfill` on the sandbox with Salesforce and HubSpot enabled: each source's history is loaded
    month by month in one run of its own (no build here), and the raw tables hold every record once."""
    import datetime as dt

    import duckdb
    from pipeline_helpers import warehouse_env

    from ingestion.sandbox import generate_company
    from ingestion.sandbox.hubspot_shapes import portal_from_org
    from orchestration.backfill import main

    company = generate_company(seed=42, scale=0.03)  # what the CLI serves
    portal = portal_from_org(company.salesforce)
    month = dt.date.today().strftime("%Y-%m")
    monkeypatch.setenv("ONEFUNNEL_SOURCES", "salesforce,hubspot")
    with warehouse_env(tmp_path) as warehouse:
        assert main(["--start", "2020-01", "--end", month, "--no-build", "--scale", "0.03"]) == 0
    out = capsys.readouterr().out
    for source in ("salesforce", "hubspot"):
        assert f"onefunnel backfill {source} 2020-01..{month}: succeeded" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for obj in ("contacts", "companies", "deals"):
            ids = [i for (i,) in con.execute(f"select id from raw_hubspot.{obj}").fetchall()]
            assert sorted(ids) == sorted(portal.records[obj]), obj
        ids = [i for (i,) in con.execute("select id from raw_salesforce.opportunity").fetchall()]
        assert sorted(ids) == sorted(r["Id"] for r in company.salesforce.records("Opportunity"))
    pipelines = {p.name for p in (tmp_path / "dlt").iterdir()}
    assert pipelines == {"onefunnel_salesforce_backfill", "onefunnel_hubspot_backfill"}  # no nightly state
