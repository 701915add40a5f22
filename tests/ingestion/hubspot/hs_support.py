"""Helpers for the HubSpot tests: a runner into a tmp DuckDB, the portal's expected rows, small portals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from ingestion.hubspot import HubSpotCredentials
from ingestion.hubspot.properties import cast, type_key
from ingestion.pipelines import run_hubspot
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import ASSOCIATION_TYPE_IDS, CRM_OBJECTS, HubSpotPortal

T0 = dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
SEED, SCALE = 7, 0.03  # the sandbox company the fixtures serve as a portal
# columns that legitimately differ between two loads of the same data
VOLATILE = {"_dlt_load_id", "_dlt_id", "detected_at"}


class Runner:
    """Runs the HubSpot pipeline against one emulator into one tmp DuckDB, with isolated dlt state."""

    def __init__(self, emulator: HubSpotEmulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.warehouse = str(tmp_path / "warehouse.duckdb")
        self.pipelines_dir = str(tmp_path / "dlt_pipelines")

    def __call__(self, **kwargs: Any) -> dict[str, int]:
        kwargs.setdefault("base_url", self.emulator.base_url)
        if not kwargs.pop("from_env", False):  # else dlt resolves SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN
            kwargs.setdefault("credentials", HubSpotCredentials(access_token=self.emulator.token))
        return run_hubspot(self.warehouse, self.pipelines_dir, **kwargs)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.warehouse, read_only=True) as con:
            return con.execute(query).fetchall()

    def count(self, table: str) -> int:
        return self.sql(f"select count(*) from raw_hubspot.{table}")[0][0]

    def columns(self, table: str) -> dict[str, str]:
        return dict(
            self.sql(
                "select column_name, data_type from information_schema.columns "
                f"where table_schema = 'raw_hubspot' and table_name = '{table}'"
            )
        )

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        with duckdb.connect(self.warehouse, read_only=True) as con:
            cur = con.execute(f"select * from raw_hubspot.{table}")
            names = [d[0] for d in cur.description]
            return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}

    def state(self) -> dict[str, Any]:
        import dlt

        p = dlt.attach("onefunnel_hubspot", pipelines_dir=self.pipelines_dir)
        src = p.state.get("sources", {}).get("hubspot", {})
        return {k: v for k, v in src.items() if k != "resources"}


def assert_matches_portal(
    runner: Runner, portal: HubSpotPortal, objects: tuple[str, ...] = CRM_OBJECTS
) -> None:
    """Every CRM record once, typed values equal to the portal's strings cast by their definitions."""
    for obj in objects:
        rows = runner.rows(obj)
        expected = portal.expected_rows(obj)
        assert set(rows) == set(expected), obj
        assert runner.count(obj) == len(expected), f"{obj}: duplicate ids"
        kinds = {n: type_key(d.to_json("g")) for n, d in portal.property_defs[obj].items()}
        for rid, props in expected.items():
            row = rows[rid]
            assert row["is_deleted"] is props.pop("archived"), (obj, rid)
            for name, value in props.items():
                assert row[name] == cast(value, kinds[name]), (obj, rid, name, value, row[name])


def expected_associations(portal: HubSpotPortal) -> set[tuple[str, str, str, str, int]]:
    """(from type, from id, to type, to id, type id) the source reads: contacts->deals/companies, deals->both."""
    pairs = {("contacts", "deals"), ("contacts", "companies"), ("deals", "companies"), ("deals", "contacts")}
    out = set()
    live = {o: {r.id for r in portal.live(o)} for o in CRM_OBJECTS}
    for a in portal.associations:
        for src, dst, sid, did in (
            (a.from_type, a.to_type, a.from_id, a.to_id),
            (a.to_type, a.from_type, a.to_id, a.from_id),
        ):
            if (src, dst) not in pairs or sid not in live[src]:
                continue
            ids = ASSOCIATION_TYPE_IDS[(src, dst)]
            out.add((src, sid, dst, did, ids["unlabeled"]))
            if a.kind == "primary" and "primary" in ids:
                out.add((src, sid, dst, did, ids["primary"]))
            out.update((src, sid, dst, did, t) for t, _ in a.labels)
    return out


def tiny_portal(n_contacts: int = 5, n_companies: int = 3, n_deals: int = 4) -> HubSpotPortal:
    """A small hand-built portal with the standard property definitions."""
    from ingestion.sandbox.hubspot_shapes import PROPERTY_TYPES

    portal = HubSpotPortal(T0)
    for obj, props in PROPERTY_TYPES.items():
        for name, (hs_type, field_type) in props.items():
            portal.define(obj, name, hs_type, field_type, show_currency_symbol=name == "amount")
    for i in range(n_companies):
        portal.create("companies", {"name": f"Company {i}", "numberofemployees": str(10 * (i + 1))})
    for i in range(n_contacts):
        portal.create(
            "contacts", {"email": f"p{i}@example.com", "firstname": f"P{i}", "lifecyclestage": "lead"}
        )
    for i in range(n_deals):
        portal.create(
            "deals",
            {
                "dealname": f"Deal {i}",
                "amount": f"{1000 + i}.50",
                "dealstage": "qualifiedtobuy",
                "closedate": "2025-03-31T00:00:00.000Z",
                "pipeline": "default",
            },
        )
    return portal


def raw_tables(warehouse: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every raw_hubspot table as sorted rows (without load-specific columns), by table name."""
    out = {}
    with duckdb.connect(warehouse, read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_hubspot' "
            "and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        for (table,) in tables:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw_hubspot' "
                    "and table_name = ? order by column_name",
                    [table],
                ).fetchall()
                if c not in VOLATILE
            ]
            rows = con.execute(f'select {", ".join(f"{c!r}" for c in cols)} from raw_hubspot."{table}"')
            out[table] = sorted(rows.fetchall(), key=repr)
    return out
