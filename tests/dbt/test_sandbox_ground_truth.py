"""The marts agree with the sandbox ground truth (computed in plain Python, never from SQL).

The raw tables are written straight from the sandbox org in dlt's shape (no connector involved), so a
failure here points at the dbt project, not at ingestion.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.slow

TABLES = {
    "User": "user",
    "Account": "account",
    "Contact": "contact",
    "Lead": "lead",
    "Campaign": "campaign",
    "CampaignMember": "campaign_member",
    "Opportunity": "opportunity",
    "OpportunityContactRole": "opportunity_contact_role",
    "OpportunityHistory": "opportunity_history",
}
SQL_TYPES = {
    "boolean": "boolean",
    "int": "bigint",
    "currency": "decimal(38, 9)",
    "double": "double",
    "percent": "double",
    "date": "date",
    "datetime": "timestamptz",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.replace("__c", "_c")).lower()


def _load_org(org, path: Path) -> None:
    import duckdb
    import pandas as pd

    from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS

    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema raw_salesforce")
        for obj, table in TABLES.items():
            fields = [(f, t) for f, t in SALESFORCE_OBJECTS[obj].items() if t != "address"]
            columns = ", ".join(f"{_snake(f)} {SQL_TYPES.get(t, 'text')}" for f, t in fields)
            con.execute(f'create table raw_salesforce."{table}" ({columns}, _dlt_load_id text, _dlt_id text)')
            rows = [
                [r.get(f) for f, _ in fields] + ["1790000000.0", str(i)]
                for i, r in enumerate(org.records(obj))
            ]
            if rows:
                frame = pd.DataFrame(
                    rows, columns=[_snake(f) for f, _ in fields] + ["_dlt_load_id", "_dlt_id"], dtype=object
                )
                con.register("frame", frame)
                con.execute(f'insert into raw_salesforce."{table}" select * from frame')
                con.unregister("frame")
    finally:
        con.close()


def test_marts_match_ground_truth(tmp_path):
    import duckdb

    sandbox = pytest.importorskip("ingestion.sandbox")
    company = sandbox.generate_company(seed=7, scale=0.2)
    truth = json.loads(json.dumps(company.ground_truth(), default=str))
    warehouse = tmp_path / "warehouse.duckdb"
    _load_org(company.salesforce, warehouse)

    result = run_dbt(
        [
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--no-use-colors",
        ],
        {
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_AS_OF_DATE": str(truth["as_of_date"]),
            "ONEFUNNEL_DBT_TARGET": "duckdb",
        },
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def scalar(sql: str):
            return con.sql(sql).fetchone()[0]

        assert scalar("select count(*) from marts.dim_persons") == truth["persons_distinct"]
        assert (
            scalar("select count(distinct resolved_account_id) from marts.dim_accounts")
            == truth["accounts_distinct"]
        )
        qualified = [
            r[0]
            for r in con.sql(
                "select stage_name from marts.fct_stage_win_rates where is_qualified_stage order by stage_name"
            ).fetchall()
        ]
        assert qualified == sorted(truth["qualified_stages"])
        rates = dict(con.sql("select stage_name, win_rate from marts.fct_stage_win_rates").fetchall())
        assert rates == pytest.approx(truth["stage_win_rates"])
        quarters = {
            label: (str(qualified_amount), str(created_amount), qualified_count)
            for label, qualified_amount, created_amount, qualified_count in con.sql(
                "select period_label, qualified_pipeline_amount, created_pipeline_amount, "
                "qualified_opportunity_count from marts.fct_pipeline where period_grain = 'quarter'"
            ).fetchall()
        }
        for label in set(truth["qualified_pipeline_by_quarter"]) | set(truth["created_pipeline_by_quarter"]):
            expected = (
                truth["qualified_pipeline_by_quarter"].get(label, "0.00"),
                truth["created_pipeline_by_quarter"].get(label, "0.00"),
                truth["qualified_opportunities_by_quarter"].get(label, 0),
            )
            assert quarters.get(label) == expected, label
        without_role = [
            r[0]
            for r in con.sql(
                "select opportunity_id from marts.fct_opportunities where not has_contact_role order by 1"
            ).fetchall()
        ]
        assert without_role == truth["opportunities_without_contact_role"]
    finally:
        con.close()
