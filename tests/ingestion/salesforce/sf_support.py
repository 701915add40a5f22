"""Helpers of the Salesforce source tests (fixtures live in conftest.py): records, a pipeline runner, API calls.

A uniquely named module, so test files import it directly and no other folder's ``conftest`` can shadow it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import requests

from ingestion.pipelines import run_salesforce
from ingestion.salesforce import SalesforceCredentials
from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator
from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS

T0 = dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def fake_value(obj: str, field: str, sf_type: str, i: int, modstamp: dt.datetime) -> Any:
    """A deterministic value of the right Python type for the i-th record."""
    if sf_type == "boolean":
        return i % 2 == 0
    if sf_type == "int":
        return i
    if sf_type == "currency":
        return Decimal(f"{1000 + i}.{i % 100:02d}")
    if sf_type in ("double", "percent"):
        return i * 1.5
    if sf_type == "date":
        return dt.date(2025, 1, 1) + dt.timedelta(days=i % 365)
    if sf_type == "datetime":
        return modstamp - dt.timedelta(days=1)
    if sf_type == "reference":
        return None
    if sf_type == "email":
        return f"person{i}@example.com"
    if sf_type == "address":
        return {"city": f"City {i}", "country": "US", "street": None}
    return f"{obj} {field} {i}"


def add_records(
    org: SalesforceOrg,
    obj: str,
    n: int,
    modstamp: dt.datetime | None = None,
    step_seconds: float = 1.0,
    **overrides: Any,
) -> list[dict[str, Any]]:
    """Insert n records of ``obj``; SystemModstamp = ``modstamp`` for all (a tie) or the ticking org clock."""
    out = []
    start = len(org.records(obj))
    for i in range(start + 1, start + n + 1):
        stamp = modstamp or org.tick(step_seconds)
        rec = {f: fake_value(obj, f, t, i, stamp) for f, t in SALESFORCE_OBJECTS[obj].items() if t != "id"}
        rec.pop("IsDeleted", None)
        rec["SystemModstamp"] = stamp
        rec.update(overrides)
        out.append(org.insert(obj, rec))
    return out


class Runner:
    """Runs the Salesforce pipeline against one emulator into one tmp DuckDB, with isolated dlt state."""

    def __init__(self, emulator: SalesforceEmulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.warehouse = str(tmp_path / "warehouse.duckdb")
        self.pipelines_dir = str(tmp_path / "dlt_pipelines")

    def __call__(self, **kwargs: Any) -> dict[str, int]:
        creds = SalesforceCredentials(
            client_id=self.emulator.client_id, client_secret=self.emulator.client_secret
        )
        kwargs.setdefault("base_url", self.emulator.base_url)
        kwargs.setdefault("credentials", creds)
        return run_salesforce(self.warehouse, self.pipelines_dir, **kwargs)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.warehouse, read_only=True) as con:
            return con.execute(query).fetchall()

    def count(self, table: str) -> int:
        return self.sql(f"select count(*) from raw_salesforce.{table}")[0][0]

    def state(self) -> dict[str, Any]:
        import dlt

        p = dlt.attach("onefunnel_salesforce", pipelines_dir=self.pipelines_dir)
        return p.state.get("sources", {}).get("salesforce", {}).get("resources", {})


def api(
    emulator: SalesforceEmulator, path: str, token: str | None = None, **kwargs: Any
) -> requests.Response:
    """GET an emulator data path with a fresh (or given) bearer token."""
    if token is None:
        token = requests.post(
            f"{emulator.base_url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
            },
            timeout=10,
        ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.get(f"{emulator.base_url}{path}", headers=headers, timeout=30, **kwargs)
