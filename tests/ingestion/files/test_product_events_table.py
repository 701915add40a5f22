"""Product events read from a database table (dlt's sql_database source) instead of files: the generator's
events as the table's rows, appended with a cursor on the timestamp and de-duplicated on the event id at
the boundary; a rerun adds nothing, new rows are appended, malformed rows are quarantined once; a
monthly backfill window loads exactly its month. PostgreSQL (a private database), SQLite and DuckDB."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from files_support import query

from ingestion.files.pipeline import run_product_events
from ingestion.sandbox import generate_company

SERVER = "postgresql://postgres@127.0.0.1:5432"
# SQLAlchemy 2.1 maps postgresql:// to psycopg (3); the project ships psycopg2
SQLALCHEMY_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"
# a row without a user and one without a timestamp: both quarantined with their reason, never loaded
MALFORMED = [
    {
        "event_id": "evt_no_user",
        "user_id": None,
        "event_name": "logged_in",
        "timestamp": "2025-01-15T10:00:00Z",
    },
    {"event_id": "evt_no_time", "user_id": "usr_x", "event_name": "logged_in", "timestamp": None},
]


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    """The generator's product events, at-least-once duplicates included, in time order."""
    return generate_company(seed=5, scale=0.05).product_events()


def _create_table(url: str, table: str, schema: str | None) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    metadata = sa.MetaData(schema=schema)
    events = sa.Table(
        table,
        metadata,
        sa.Column("event_id", sa.Text),
        sa.Column("user_id", sa.Text),
        sa.Column("account_id", sa.Text),
        sa.Column("account_domain", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("event_name", sa.Text),
        sa.Column("timestamp", sa.DateTime(timezone=True)),
        sa.Column("properties", sa.JSON),
    )
    metadata.create_all(engine)
    return engine, events


def _insert(engine: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    columns = [c.name for c in table.columns]
    with engine.begin() as con:
        con.execute(
            table.insert(),
            [{c: (_when(r[c]) if c == "timestamp" else r.get(c)) for c in columns} for r in rows],
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    import psycopg2

    try:
        admin = psycopg2.connect(f"{SERVER}/postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"local PostgreSQL at 127.0.0.1:5432 unreachable: {exc}")
    admin.autocommit = True
    name = f"onefunnel_h1_events_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{SQLALCHEMY_SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _check_incremental_loads(
    url: str, table_name: str, schema: str | None, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    engine, table = _create_table(url, table_name.rpartition(".")[2], schema)
    cutoff = len(events) * 2 // 3
    while events[cutoff]["timestamp"] == events[cutoff - 1]["timestamp"]:
        cutoff += 1  # a clean cut: no timestamp on both sides
    _insert(engine, table, events[:cutoff] + MALFORMED)
    warehouse = tmp_path / "wh.duckdb"

    def run() -> dict[str, int]:
        return run_product_events(
            warehouse=str(warehouse),
            pipelines_dir=str(tmp_path / "dlt"),
            table_url=url,
            table_name=table_name,
        )

    loaded = run()
    assert loaded == {"events": cutoff, "event_quarantine": 2}
    ids = sorted(i for (i,) in query(warehouse, "select event_id from raw_product_events.events"))
    assert ids == sorted(e["event_id"] for e in events[:cutoff])  # duplicates of a delivery kept, as in files
    reasons = query(warehouse, "select reason, file_path from raw_product_events.event_quarantine order by 1")
    assert [r for r, _ in reasons] == ["timestamp is not ISO 8601: None", "user_id is missing"]
    assert {p for _, p in reasons} == {f"table:{table_name}"}
    [(props,)] = query(
        warehouse,
        f"select properties from raw_product_events.events where event_id = '{events[0]['event_id']}'",
    )
    import json

    # DuckDB's JSON reader gives every loaded object the keys of its batch (null where absent), on the
    # file path too: the values compare, absent and null being the same to every model downstream
    loaded_props = {k: v for k, v in json.loads(props).items() if v is not None}
    assert loaded_props == {k: v for k, v in events[0]["properties"].items() if v is not None}
    assert loaded_props  # the properties were read, not dropped

    assert run().get("events", 0) == 0  # the boundary rows are read again and dropped on their event id
    assert query(warehouse, "select count(*) from raw_product_events.events") == [(cutoff,)]
    assert query(warehouse, "select count(*) from raw_product_events.event_quarantine") == [(2,)]

    _insert(engine, table, events[cutoff:])  # new rows arrive
    assert run()["events"] == len(events) - cutoff
    ids = sorted(i for (i,) in query(warehouse, "select event_id from raw_product_events.events"))
    assert ids == sorted(e["event_id"] for e in events)
    assert query(warehouse, "select count(*) from raw_product_events.event_quarantine") == [(2,)]
    engine.dispose()


@pytest.mark.postgres
def test_postgres_table_appends_with_a_cursor(
    postgres_url: str, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    _check_incremental_loads(postgres_url, "public.product_events", "public", events, tmp_path)


@pytest.mark.postgres
def test_postgres_table_backfill_window_loads_its_month(
    postgres_url: str, events: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.history import load_product_events_window

    engine, table = _create_table(postgres_url, "product_events", None)
    _insert(engine, table, events + MALFORMED)
    engine.dispose()
    middle = _when(events[len(events) // 2]["timestamp"])
    start = middle.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    expected = sorted(e["event_id"] for e in events if start <= _when(e["timestamp"]) < end)
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("ONEFUNNEL_DLT_PIPELINES_DIR", str(tmp_path / "dlt"))
    for _ in range(2):  # a window read again replaces itself
        rows = load_product_events_window(start, end, table_url=postgres_url, table_name="product_events")
        assert rows["events"] == len(expected)
        ids = query(tmp_path / "wh.duckdb", "select event_id from raw_product_events.events order by 1")
        assert [i for (i,) in ids] == expected


def test_sqlite_table_appends_with_a_cursor(events: list[dict[str, Any]], tmp_path: Path) -> None:
    _check_incremental_loads(
        f"sqlite:///{tmp_path / 'events.sqlite'}", "product_events", None, events, tmp_path
    )


def test_no_bucket_and_no_table_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dlt.pipeline.exceptions import PipelineStepFailed

    for key in ("SOURCES__PRODUCT_EVENTS__BUCKET_URL", "SOURCES__PRODUCT_EVENTS__TABLE_URL"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises((ValueError, PipelineStepFailed), match="SOURCES__PRODUCT_EVENTS__TABLE_URL"):
        run_product_events(warehouse=str(tmp_path / "wh.duckdb"), pipelines_dir=str(tmp_path / "dlt"))
