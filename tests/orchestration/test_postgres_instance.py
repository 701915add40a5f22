"""The documented production instance (orchestration/dagster.postgres.yaml) works on a throwaway
PostgreSQL database: runs, events and pool limits are stored there."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration import settings

pytestmark = pytest.mark.postgres
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@pytest.fixture
def throwaway_db() -> Iterator[str]:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {exc}")
    admin.autocommit = True
    name = f"onefunnel_dagster_test_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@dg.asset
def tiny_table() -> int:
    return 1


def test_instance_on_postgres_runs_and_keeps_history(
    throwaway_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(settings.REPO_ROOT / "orchestration" / "dagster.postgres.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("ONEFUNNEL_DAGSTER_PG_USER", PG["user"])
    monkeypatch.setenv("ONEFUNNEL_DAGSTER_PG_PASSWORD", "")
    monkeypatch.setenv("ONEFUNNEL_DAGSTER_PG_DB", throwaway_db)
    job = dg.define_asset_job("tiny", selection=[tiny_table])
    definitions = dg.Definitions(assets=[tiny_table], jobs=[job])
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = definitions.resolve_job_def("tiny").execute_in_process(instance=instance)
        assert result.success
        assert instance.get_run_by_id(result.run_id).is_success
        assert instance.get_latest_materialization_event(dg.AssetKey("tiny_table")) is not None
        assert instance.event_log_storage.get_concurrency_info(settings.DUCKDB_WRITER_POOL).limit == 1
    with dg.DagsterInstance.get() as reopened:  # a new process sees the same history
        assert reopened.get_run_by_id(result.run_id) is not None
