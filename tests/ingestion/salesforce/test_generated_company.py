"""End to end: a generated sandbox company through the emulator into DuckDB, configured like production."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.pipelines import run_salesforce
from ingestion.salesforce import table_name
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

sandbox = pytest.importorskip("ingestion.sandbox")


@pytest.mark.slow
def test_generated_company_loads_and_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    company = sandbox.generate_company(seed=7, scale=0.1)
    org = company.salesforce
    with SalesforceEmulator(org) as emu:
        # configured only through the environment, as Dagster and the CLI run it
        monkeypatch.setenv("SOURCES__SALESFORCE__BASE_URL", emu.base_url)
        monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID", emu.client_id)
        monkeypatch.setenv("SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET", emu.client_secret)
        monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", str(tmp_path / "wh.duckdb"))
        pipelines_dir = str(tmp_path / "dlt")
        counts = run_salesforce(pipelines_dir=pipelines_dir)
        truth = company.ground_truth()
        assert counts == {table_name(o): n for o, n in truth["all_counts"].items() if n}

        changes = company.apply_changes(seed=1)
        second = run_salesforce(pipelines_dir=pipelines_dir)
        assert second.get("opportunity", 0) >= sum(len(v) for k, v in changes.items() if "opportunit" in k)
        with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
            for obj, n in company.ground_truth()["all_counts"].items():
                t = table_name(obj)
                if n:
                    assert con.execute(
                        f"select count(*), count(distinct id) from raw_salesforce.{t}"
                    ).fetchone() == (n, n), t
            deleted = con.execute(
                "select count(*) from raw_salesforce.opportunity where is_deleted"
            ).fetchone()[0]
            assert deleted == sum(1 for r in org.records("Opportunity") if r["IsDeleted"])
