"""A sandbox company written straight into raw tables in dlt's shape, then built with dbt.

No connector is involved, so a mismatch with the ground truth points at the dbt project. Shared by the
ground-truth reconciliation tests of every mart area.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import PROJECT_DIR, run_dbt

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


def load_org(org: Any, path: Path) -> None:
    """Write every record of a sandbox Salesforce org (deleted ones included) into ``raw_salesforce``."""
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


def build_sandbox_warehouse(
    work: Path, seed: int, scale: float, select: list[str] | None = None
) -> tuple[Path, dict[str, Any]]:
    """Generate the sandbox company, load it raw under ``work`` and ``dbt build`` it (only ``select``
    and its parents when given). Returns the warehouse path and the JSON-shaped ground truth."""
    from ingestion.sandbox import generate_company

    company = generate_company(seed=seed, scale=scale)
    truth = json.loads(json.dumps(company.ground_truth(), default=str))
    warehouse = work / "warehouse.duckdb"
    load_org(company.salesforce, warehouse)
    selection = ["--select", *select, "--indirect-selection", "cautious"] if select else []
    result = run_dbt(
        [
            "build",
            *selection,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--no-use-colors",
        ],
        {
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_AS_OF_DATE": str(truth["as_of_date"]),
            "ONEFUNNEL_DBT_TARGET": "duckdb",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return warehouse, truth
