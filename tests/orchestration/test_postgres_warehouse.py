"""PostgreSQL as the warehouse: one setting (ONEFUNNEL_WAREHOUSE=postgresql://...) moves dlt, dbt, the
data-quality checks and the publish step; the marts equal DuckDB's to the cent; the read-only role
reads the published marts and nothing else; readers see one complete run while publishes happen.

One small sandbox company runs through the whole nightly job twice, into DuckDB and into a throwaway
database on the local server (dropped afterwards, with the test's roles).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.defs.publish import PUBLISHED_MARTS_KEY
from orchestration.publish import MANIFEST_TABLE, ChecksFailedError, publish

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SERVER = "postgresql://postgres@127.0.0.1:5432"
SEED, SCALE = 5, 0.1
PUBLISHED = "marts_published"  # the default published schema
# columns that differ between two runs of the same data (load ids, run ids, run times)
VOLATILE = {
    "_dlt_load_id",
    "_dlt_id",
    "frozen_at",
    "run_id",
    "run_at",
    "first_seen_at",
    "last_seen_at",
    "closed_at",
    "last_run_id",
    "observed_value",  # data-quality observations such as the age of the newest row depend on the clock
}


def _psycopg2():
    return pytest.importorskip("psycopg2")


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    """A throwaway database and reader role name on the local server; both dropped afterwards."""
    psycopg2 = _psycopg2()
    try:
        admin = psycopg2.connect(f"{SERVER}/postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"local PostgreSQL at 127.0.0.1:5432 unreachable: {exc}")
    admin.autocommit = True
    suffix = uuid.uuid4().hex[:10]
    names = {"database": f"onefunnel_wh_test_{suffix}", "reader": f"onefunnel_reader_test_{suffix}"}
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {names['database']}")
    try:
        yield names | {"url": f"{SERVER}/{names['database']}"}
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {names['database']} WITH (FORCE)")
            cur.execute(f"DROP ROLE IF EXISTS {names['reader']}")  # its grants went with the database
        admin.close()


def _nightly(
    root: Path, warehouse: str, monkeypatch: pytest.MonkeyPatch, company: Any
) -> dg.ExecuteInProcessResult:
    """The nightly job (plus the publish asset the integrator wires in) on ``warehouse``."""
    from orchestration.definitions import defs
    from orchestration.sandbox import running_sandbox

    root.mkdir(parents=True)
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", warehouse)
    monkeypatch.setenv("ONEFUNNEL_DLT_PIPELINES_DIR", str(root / "dlt"))
    monkeypatch.setenv("ONEFUNNEL_REPORTS_DIR", str(root / "reports"))
    monkeypatch.setenv("ONEFUNNEL_PUBLISHED_DIR", str(root / "published"))
    monkeypatch.chdir(root)  # the sandbox writes its ground truth beside the warehouse
    definitions = defs()  # the code location publishes: published/marts is one of its assets
    with running_sandbox(company=company):
        return definitions.resolve_job_def("nightly").execute_in_process(raise_on_error=False)


@pytest.fixture(scope="module")
def runs(server: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from ingestion.sandbox import generate_company

    company = generate_company(seed=SEED, scale=SCALE)
    root = tmp_path_factory.mktemp("pg_warehouse")
    with pytest.MonkeyPatch.context() as monkeypatch:
        duck = _nightly(root / "duckdb", str(root / "duckdb" / "warehouse.duckdb"), monkeypatch, company)
        assert duck.success
        monkeypatch.setenv("ONEFUNNEL_PG_READER_ROLE", server["reader"])
        pg = _nightly(root / "postgres", server["url"], monkeypatch, company)
        assert pg.success
    assert PUBLISHED_MARTS_KEY in {e.asset_key for e in pg.get_asset_materialization_events()}
    return {
        "duckdb": root / "duckdb" / "warehouse.duckdb",
        "pg_run_id": pg.run_id,
        "truth": company.ground_truth(),
        "root": root,
    }


def _normalise(value: Any) -> Any:
    """Comparable across engines: numbers to the cent, timestamps as naive UTC."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01")) + 0
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (list, tuple)):
        return tuple(_normalise(v) for v in value)
    return value


def _rows(columns: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    keep = [i for i, c in enumerate(columns) if c not in VOLATILE]
    return sorted((tuple(_normalise(r[i]) for i in keep) for r in rows), key=repr)


def _duck_tables(path: Path, schema: str = "marts") -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema]
            ).fetchall()
        ]
        out = {}
        for table in tables:
            cursor = con.execute(f'SELECT * FROM {schema}."{table}"')
            columns = [d[0] for d in cursor.description]
            out[table] = (columns, cursor.fetchall())
        return out


def _pg_tables(url: str, schema: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    psycopg2 = _psycopg2()
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("SET TimeZone = 'UTC'")
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
        out = {}
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT * FROM {schema}."{table}"')
            out[table] = ([d[0] for d in cur.description], cur.fetchall())
    con.close()
    return out


def test_the_marts_on_postgres_equal_the_marts_on_duckdb_to_the_cent(runs, server) -> None:
    duck = _duck_tables(runs["duckdb"])
    pg = _pg_tables(server["url"], "marts")
    assert set(pg) == set(duck) and len(duck) > 20
    for table, (columns, rows) in duck.items():
        pg_columns, pg_rows = pg[table]
        assert pg_columns == columns, table
        assert len(pg_rows) == len(rows), table
        assert _rows(pg_columns, pg_rows) == _rows(columns, rows), table
    # and both equal the sandbox's ground truth where it has a number
    assert len(duck["fct_opportunities"][1]) == runs["truth"]["live_counts"]["Opportunity"]


def test_the_published_schema_holds_the_checked_run_with_its_manifest(runs, server) -> None:
    live = _pg_tables(server["url"], "marts")
    published = _pg_tables(server["url"], PUBLISHED)
    assert set(published) == set(live) | {MANIFEST_TABLE}
    for table, (columns, rows) in live.items():
        assert published[table][0] == columns and sorted(map(repr, published[table][1])) == sorted(
            map(repr, rows)
        )
    manifest = {r[2]: (r[0], r[3]) for r in published[MANIFEST_TABLE][1]}
    assert manifest == {t: (runs["pg_run_id"], len(rows)) for t, (_, rows) in live.items()}


def _as_reader(server: dict[str, str]):
    psycopg2 = _psycopg2()
    con = psycopg2.connect(f"postgresql://{server['reader']}@127.0.0.1:5432/{server['database']}")
    con.autocommit = True
    return con


def test_the_reader_role_reads_the_published_marts_and_nothing_else(runs, server) -> None:
    psycopg2 = _psycopg2()
    with psycopg2.connect(server["url"]) as owner, owner.cursor() as cur:
        cur.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
            "('pg_catalog', 'information_schema', %s)",
            (PUBLISHED,),
        )
        elsewhere = cur.fetchall()
    owner.close()
    schemas = {s for s, _ in elsewhere}
    assert {"raw_salesforce", "staging", "intermediate", "marts"} <= schemas
    reader = _as_reader(server)
    try:
        with reader.cursor() as cur:
            # unqualified names find the published marts (the role's search_path)
            cur.execute("SELECT COUNT(*) FROM fct_opportunities")
            assert cur.fetchone()[0] == runs["truth"]["live_counts"]["Opportunity"]
            for schema, table in elsewhere:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(f'SELECT 1 FROM "{schema}"."{table}" LIMIT 1')
            for statement in (
                f"INSERT INTO {PUBLISHED}.fct_opportunities SELECT * FROM {PUBLISHED}.fct_opportunities LIMIT 1",
                f"DELETE FROM {PUBLISHED}.fct_opportunities",
                f"CREATE TABLE {PUBLISHED}.mine (x int)",
                "CREATE TABLE public.mine (x int)",
                "CREATE SCHEMA mine",
            ):
                cur.execute("SET default_transaction_read_only = off")  # the role's default is on
                with pytest.raises(
                    (psycopg2.errors.InsufficientPrivilege, psycopg2.errors.ReadOnlySqlTransaction)
                ):
                    cur.execute(statement)
            cur.execute("RESET default_transaction_read_only")
            cur.execute("SHOW default_transaction_read_only")
            assert cur.fetchone() == ("on",)
    finally:
        reader.close()

    # a mart added later is readable after the next publish (default privileges), still read-only
    with psycopg2.connect(server["url"]) as owner, owner.cursor() as cur:
        cur.execute("CREATE TABLE marts.zz_new_mart AS SELECT 1 AS x")
    owner.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONEFUNNEL_WAREHOUSE", server["url"])
        mp.setenv("ONEFUNNEL_PG_READER_ROLE", server["reader"])
        publish("after-new-mart", log=lambda _: None)
    reader = _as_reader(server)
    try:
        with reader.cursor() as cur:
            cur.execute("SELECT x FROM zz_new_mart")
            assert cur.fetchall() == [(1,)]
    finally:
        reader.close()


def test_readers_see_one_complete_run_while_postgres_publishes(runs, server, monkeypatch) -> None:
    psycopg2 = _psycopg2()
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", server["url"])
    monkeypatch.delenv("ONEFUNNEL_PG_READER_ROLE", raising=False)
    stop = threading.Event()
    seen: dict[str, set[int]] = {}
    errors: list[str] = []
    # one statement: the manifest's count and the table's count under the same snapshot
    probe = (
        f"SELECT m.run_id, m.row_count, (SELECT COUNT(*) FROM {PUBLISHED}.fct_opportunities) "
        f"FROM {PUBLISHED}.{MANIFEST_TABLE} m WHERE m.table_name = 'fct_opportunities'"
    )

    def read() -> None:
        con = _as_reader(server)
        try:
            while not stop.is_set():
                try:
                    with con.cursor() as cur:
                        cur.execute(probe)
                        for run_id, recorded, counted in cur.fetchall():
                            seen.setdefault(run_id, set()).add(counted)
                            if recorded != counted:
                                errors.append(f"{run_id}: manifest {recorded}, table {counted}")
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            con.close()

    # a long transaction started before the publishes keeps its snapshot: the old run, whole
    held = _as_reader(server)
    held.autocommit = False
    held.set_session(isolation_level="REPEATABLE READ", readonly=True)
    held_cur = held.cursor()
    held_cur.execute(probe)
    before = held_cur.fetchall()
    thread = threading.Thread(target=read)
    thread.start()
    expected: dict[str, int] = {}
    owner = psycopg2.connect(server["url"])
    owner.autocommit = True
    try:
        time.sleep(0.2)
        for i in range(1, 6):
            with owner.cursor() as cur:
                cur.execute(
                    "DELETE FROM marts.fct_opportunities WHERE opportunity_id = "
                    "(SELECT MIN(opportunity_id) FROM marts.fct_opportunities)"
                )
                cur.execute("SELECT COUNT(*) FROM marts.fct_opportunities")
                expected[f"pg-stress-{i}"] = cur.fetchone()[0]
            publish(f"pg-stress-{i}", log=lambda _: None)
            time.sleep(0.1)
        # the checks still gate: a failed error rule in a later data-quality run stops the publish
        with owner.cursor() as cur:
            cur.execute(
                "INSERT INTO marts.dq_results (run_id, run_at, suite, expectation, severity, status) "
                "VALUES ('dq-broken', now() AT TIME ZONE 'UTC' + interval '1 day', 'structure', "
                "'opportunity_id_unique', 'error', 'failed')"
            )
        with pytest.raises(ChecksFailedError, match="opportunity_id_unique"):
            publish("pg-after-failed-check", log=lambda _: None)
    finally:
        stop.set()
        thread.join(timeout=30)
        owner.close()
    held_cur.execute(probe)
    assert held_cur.fetchall() == before  # same run, same count, mid-publishes
    held.rollback()
    held.close()
    assert errors == []
    stress = {r: c for r, c in seen.items() if r.startswith("pg-stress-")}
    assert len(stress) >= 2 and all(c == {expected[r]} for r, c in stress.items())
    reader = _as_reader(server)
    try:
        with reader.cursor() as cur:
            cur.execute(probe)
            assert cur.fetchall() == [("pg-stress-5", expected["pg-stress-5"], expected["pg-stress-5"])]
    finally:
        reader.close()


def _page_values(reports: Path) -> dict[str, list[tuple[str, str, Any]]]:
    """Every exact number a review page shows (``data-value`` beside its ``data-metric`` / series / rule),
    per page, numbers to the cent."""
    import re

    attr = re.compile(r'([a-z-]+)="([^"]*)"')
    out: dict[str, list[tuple[str, str, Any]]] = {}
    for page in sorted(reports.glob("*/*.html")):
        if page.parent.name == "data_quality":
            continue
        values = []
        for tag in re.findall(r"<[^>]*data-value=[^>]*>", page.read_text(encoding="utf-8")):
            attrs = dict(attr.findall(tag))
            label = "|".join(
                attrs.get(k, "")
                for k in ("data-metric", "data-group", "data-series", "data-rule", "data-kind")
            )
            raw = attrs["data-value"]
            try:
                value: Any = _normalise(Decimal(raw))
            except ArithmeticError:
                value = raw
            values.append((tag.split()[0], label, value))
        out[f"{page.parent.name}/{page.name}"] = sorted(values, key=repr)
    return out


def test_review_pages_from_postgres_show_the_numbers_of_the_duckdb_pages(runs) -> None:
    """The nightly run writes the review pages on either engine; every number on them is the same."""
    duck = _page_values(runs["root"] / "duckdb" / "reports")
    pg = _page_values(runs["root"] / "postgres" / "reports")
    assert set(duck) == {"weekly/2026-W39.html", "monthly/2026-09.html", "quarterly/2026-Q3.html"}
    assert pg.keys() == duck.keys()
    for page, values in duck.items():
        assert len(values) > 10, page  # headline numbers and chart values, not an empty page
        assert pg[page] == values, page
