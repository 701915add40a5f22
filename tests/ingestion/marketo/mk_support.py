"""Helpers for the Marketo tests: a runner into a tmp DuckDB and the instance's expected rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingestion.marketo import MarketoClient, MarketoCredentials, snake
from ingestion.marketo.fields import cast
from ingestion.marketo.pipeline import run_marketo
from ingestion.sandbox.marketo_emulator import MarketoEmulator
from ingestion.sandbox.marketo_shapes import MarketoInstance

DATASET = "raw_marketo"


class Runner:
    """Runs the Marketo pipeline against one emulator into one tmp DuckDB, with isolated dlt state."""

    def __init__(self, emulator: MarketoEmulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.warehouse = str(tmp_path / "warehouse.duckdb")
        self.pipelines_dir = str(tmp_path / "dlt_pipelines")

    def kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.emulator.base_url,
            "credentials": MarketoCredentials(
                client_id=self.emulator.client_id, client_secret=self.emulator.client_secret
            ),
        }

    def __call__(self, **kwargs: Any) -> dict[str, int]:
        if not kwargs.pop("from_env", False):  # else dlt resolves SOURCES__MARKETO__*
            kwargs = {**self.kwargs(), **kwargs}
        return run_marketo(self.warehouse, self.pipelines_dir, **kwargs)

    def client(self) -> MarketoClient:
        return MarketoClient(self.emulator.base_url, self.emulator.client_id, self.emulator.client_secret)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.warehouse, read_only=True) as con:
            return con.execute(query).fetchall()

    def count(self, table: str) -> int:
        return self.sql(f"select count(*) from {DATASET}.{table}")[0][0]

    def columns(self, table: str) -> dict[str, str]:
        return dict(
            self.sql(
                "select column_name, data_type from information_schema.columns "
                f"where table_schema = '{DATASET}' and table_name = '{table}'"
            )
        )

    def rows(self, table: str, key: str = "id") -> dict[Any, dict[str, Any]]:
        with duckdb.connect(self.warehouse, read_only=True) as con:
            cur = con.execute(f"select * from {DATASET}.{table}")
            names = [d[0] for d in cur.description]
            out = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        return {r[key]: r for r in out}

    def state(self) -> dict[str, Any]:
        import dlt

        p = dlt.attach("onefunnel_marketo", pipelines_dir=self.pipelines_dir)
        src = p.state.get("sources", {}).get("marketo", {})
        return {k: v for k, v in src.items() if k != "resources"}


def assert_matches_instance(runner: Runner, inst: MarketoInstance) -> None:
    """Leads, activities, deleted leads, programs and costs in the warehouse equal the instance exactly."""
    leads = runner.rows("leads")
    assert runner.count("leads") == len(leads), "duplicate lead ids"
    deleted = {r["lead_id"] for r in runner.rows("deleted_leads", "marketo_guid").values()}
    live = {lid: row for lid, row in leads.items() if lid not in deleted}
    assert set(live) == set(inst.leads)
    for lid, lead in inst.leads.items():
        row = live[lid]
        for name, value in lead.items():
            if name == "id":
                continue
            assert row[snake(name)] == cast(value, inst.fields[name]), (lid, name, value, row[snake(name)])
    assert deleted == {a["leadId"] for a in inst.deleted_leads}
    acts = runner.rows("activities", "marketo_guid")
    assert runner.count("activities") == len(acts), "duplicate activities"
    live_acts = {g: a for g, a in acts.items() if a["lead_id"] not in deleted}
    assert set(live_acts) == {a["marketoGUID"] for a in inst.activities}
    for a in inst.activities[:: max(1, len(inst.activities) // 200)]:  # a sample, every field
        row = live_acts[a["marketoGUID"]]
        assert (
            row["id"],
            row["lead_id"],
            row["activity_type_id"],
            row["activity_date"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        ) == (
            a["id"],
            a["leadId"],
            a["activityTypeId"],
            a["activityDate"],
        )
    attrs = runner.count("activity_attributes")
    assert attrs >= sum(len(a["attributes"]) for a in inst.activities)
    programs = runner.rows("programs")
    assert set(programs) == {p["id"] for p in inst.programs}
    for p in inst.programs:
        assert (programs[p["id"]]["name"], programs[p["id"]]["channel"]) == (p["name"], p["channel"])
    costs = runner.sql(f"select program_id, start_date, cost from {DATASET}.program_costs")
    assert sorted((pid, str(d), Decimal(c).quantize(Decimal("0.01"))) for pid, d, c in costs) == sorted(
        (p["id"], c["startDate"], Decimal(str(c["cost"]))) for p in inst.programs for c in p["costs"]
    )
