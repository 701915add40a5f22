"""A sandbox company written straight into raw tables in dlt's shape, then built with dbt.

No connector is involved for Salesforce, so a mismatch with the ground truth points at the dbt project.
Shared by the ground-truth reconciliation tests of every mart area. ``profile`` (ingestion/sandbox/profiles.py)
serves the same company as another stack: the profile's Salesforce objects are written raw, its HubSpot
portal is loaded by the HubSpot connector from the emulator (its raw shape is the connector's own), and
dbt runs with the profile's vars. With ``warehouse_url`` (``postgresql://...``) everything is loaded by dlt's
postgres destination instead (Salesforce too, by the Salesforce connector from the emulator) and dbt builds
on the ``postgres`` target.
"""

from __future__ import annotations

import json
import re
import threading
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
# Raw loads (dlt pipelines, DuckDB writers) run one at a time when builds overlap in threads; dbt runs in
# its own subprocess, so the builds of several profiles can still overlap there.
_LOAD_LOCK = threading.Lock()
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


def load_org(org: Any, path: Path, objects: tuple[str, ...] | None = None) -> None:
    """Write every record of a sandbox Salesforce org (deleted ones included) into ``raw_salesforce``
    (only ``objects`` when given)."""
    import duckdb
    import pandas as pd

    from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS

    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema raw_salesforce")
        for obj, table in TABLES.items():
            if objects is not None and obj not in objects:
                continue
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


def load_salesforce(company: Any, warehouse: str, work: Path, objects: tuple[str, ...]) -> dict[str, int]:
    """Serve the company's Salesforce org and load ``objects`` with the real connector into raw_salesforce."""
    from ingestion.pipelines import run_salesforce
    from ingestion.salesforce.helpers import SalesforceCredentials
    from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

    with SalesforceEmulator(company.salesforce) as emu:
        return run_salesforce(
            warehouse,
            str(work / "dlt_pipelines"),
            base_url=emu.base_url,
            credentials=SalesforceCredentials(client_id=emu.client_id, client_secret=emu.client_secret),
            objects=list(objects),
        )


def load_marketo(company: Any, warehouse: Path | str, work: Path) -> dict[str, int]:
    """Serve the company as a Marketo instance and load it with the real connector into raw_marketo."""
    from ingestion.marketo import MarketoCredentials
    from ingestion.marketo.pipeline import run_marketo
    from ingestion.sandbox.marketo_emulator import MarketoEmulator
    from ingestion.sandbox.marketo_shapes import instance_from_org

    with MarketoEmulator(instance_from_org(company.salesforce)) as emu:
        return run_marketo(
            str(warehouse),
            str(work / "dlt_pipelines"),
            base_url=emu.base_url,
            credentials=MarketoCredentials(client_id=emu.client_id, client_secret=emu.client_secret),
        )


def load_hubspot(company: Any, marketing_only: bool, warehouse: Path | str, work: Path) -> dict[str, int]:
    """Serve the company as a HubSpot portal and load it with the HubSpot connector into ``raw_hubspot``."""
    from ingestion.hubspot import HubSpotCredentials
    from ingestion.pipelines import run_hubspot
    from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
    from ingestion.sandbox.hubspot_shapes import portal_from_org

    portal = portal_from_org(company.salesforce, marketing_only=marketing_only)
    with HubSpotEmulator(portal) as emulator:
        return run_hubspot(
            str(warehouse),
            str(work / "dlt_pipelines"),
            base_url=emulator.base_url,
            credentials=HubSpotCredentials(access_token=emulator.token),
        )


def build_sandbox_warehouse(
    work: Path,
    seed: int,
    scale: float,
    select: list[str] | None = None,
    profile: str = "salesforce",
    warehouse_url: str | None = None,
) -> tuple[Path | str, dict[str, Any]]:
    """Generate the sandbox company, load it raw under ``work`` as the stack of ``profile`` and ``dbt build``
    it (only ``select`` and its parents when given). Returns the warehouse (path, or ``warehouse_url`` when
    given: a PostgreSQL database to load and build in) and the JSON-shaped ground truth (the same for every
    profile)."""
    from ingestion.sandbox import generate_company
    from ingestion.sandbox.profiles import get_profile

    stack = get_profile(profile)
    warehouse: Path | str = warehouse_url or work / "warehouse.duckdb"
    with _LOAD_LOCK:
        company = generate_company(seed=seed, scale=scale)
        truth = json.loads(json.dumps(company.ground_truth(), default=str))
        if stack.salesforce_objects and warehouse_url:
            load_salesforce(company, warehouse_url, work, stack.salesforce_objects)
        elif stack.salesforce_objects:
            load_org(company.salesforce, warehouse, stack.salesforce_objects)
        if stack.hubspot_portal:
            load_hubspot(company, stack.hubspot_portal == "marketing", warehouse, work)
        if stack.marketo:
            load_marketo(company, warehouse, work)
    selection = ["--select", *select, "--indirect-selection", "cautious"] if select else []
    dbt_vars = ["--vars", json.dumps(stack.vars())] if profile != "salesforce" else []
    result = run_dbt(
        [
            "build",
            *selection,
            *dbt_vars,
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
            "ONEFUNNEL_DBT_TARGET": "postgres" if warehouse_url else "duckdb",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return warehouse, truth
