"""The same build on PostgreSQL (skipped when no local server answers on 127.0.0.1:5432)."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from conftest import AS_OF_DATE, PROJECT_DIR, run_dbt
from dbt_raw_fixture import build_raw_postgres

pytestmark = pytest.mark.postgres

DBNAME = "onefunnel_dbt_test"
HOST = os.environ.get("ONEFUNNEL_PG_HOST", "127.0.0.1")
USER = os.environ.get("ONEFUNNEL_PG_USER", "postgres")


def _ensure_database() -> str:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(host=HOST, user=USER, dbname="postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (DBNAME,))
        if cur.fetchone() is None:
            cur.execute(f'create database "{DBNAME}"')
    admin.close()
    return f"host={HOST} user={USER} dbname={DBNAME}"


def test_build_on_postgres(tmp_path):
    import psycopg2

    dsn = _ensure_database()
    build_raw_postgres(dsn)
    env = {
        "ONEFUNNEL_DBT_TARGET": "postgres",
        "ONEFUNNEL_PG_HOST": HOST,
        "ONEFUNNEL_PG_USER": USER,
        "ONEFUNNEL_PG_DBNAME": DBNAME,
        "ONEFUNNEL_AS_OF_DATE": AS_OF_DATE,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
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
        env,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            cur.execute(
                "select period_label, created_opportunity_count, created_pipeline_amount, "
                "qualified_opportunity_count, qualified_pipeline_amount "
                "from marts.fct_pipeline where period_grain = 'quarter' order by period_start"
            )
            rows = cur.fetchall()
    finally:
        con.close()
    assert rows == [
        ("2024-Q3", 1, Decimal("7000.00"), 1, Decimal("7000.00")),
        ("2024-Q4", 0, Decimal("0.00"), 0, Decimal("0.00")),
        ("2025-Q1", 3, Decimal("60000.00"), 2, Decimal("30000.00")),
        ("2025-Q2", 1, Decimal("43312.00"), 2, Decimal("73312.00")),
        ("2025-Q3", 1, Decimal("5000.00"), 0, Decimal("0.00")),
        ("2025-Q4", 2, Decimal("1097.50"), 1, Decimal("1097.50")),
    ]
