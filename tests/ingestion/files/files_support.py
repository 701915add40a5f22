"""Helpers of the file-source tests: hand-made files with fixed modification times, warehouse queries."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

SPEND_HEADER = [
    "date",
    "platform",
    "channel",
    "campaign_id",
    "campaign_name",
    "cost",
    "currency",
    "clicks",
    "impressions",
]


def write_csv(path: Path, rows: list[list[Any]], header: list[str] | None = None, mtime: int = 0) -> Path:
    """A CSV file with ``header`` (default: the spend columns) and modification time 2025-02-01 + ``mtime`` s."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or SPEND_HEADER)
        writer.writerows(rows)
    stamp = dt.datetime(2025, 2, 1, tzinfo=dt.UTC).timestamp() + mtime
    os.utime(path, (stamp, stamp))
    return path


def write_jsonl(path: Path, events: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events))
    return path


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def all_table_text(warehouse: Path) -> str:
    """Every value of every table of the warehouse (dlt's own tables included), as one string."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        return "\n".join(str(con.execute(f'select * from "{s}"."{t}"').fetchall()) for s, t in tables)
    finally:
        con.close()


RAW_SALESFORCE_TABLES = {
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
_SQL_TYPES = {
    "boolean": "boolean",
    "int": "bigint",
    "currency": "decimal(38, 9)",
    "double": "double",
    "percent": "double",
    "date": "date",
    "datetime": "timestamptz",
}


def load_raw_salesforce(org: Any, path: Path) -> None:
    """Every record of a sandbox org into ``raw_salesforce`` in dlt's shape, without the connector (as
    tests/dbt/sandbox_warehouse.py does: the file tests are about the file sources, not Salesforce)."""
    import re

    import duckdb
    import pandas as pd

    from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS

    def snake(name: str) -> str:
        return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.replace("__c", "_c")).lower()

    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema raw_salesforce")
        for obj, table in RAW_SALESFORCE_TABLES.items():
            fields = [(f, t) for f, t in SALESFORCE_OBJECTS[obj].items() if t != "address"]
            names = [snake(f) for f, _ in fields] + ["_dlt_load_id", "_dlt_id"]
            columns = ", ".join(f"{snake(f)} {_SQL_TYPES.get(t, 'text')}" for f, t in fields)
            con.execute(f'create table raw_salesforce."{table}" ({columns}, _dlt_load_id text, _dlt_id text)')
            rows = [
                [r.get(f) for f, _ in fields] + ["1790000000.0", str(i)]
                for i, r in enumerate(org.records(obj))
            ]
            if rows:
                con.register("frame", pd.DataFrame(rows, columns=names, dtype=object))
                con.execute(f'insert into raw_salesforce."{table}" select * from frame')
                con.unregister("frame")
    finally:
        con.close()
