"""The same rules on PostgreSQL give the same results as on DuckDB (same SQL, portable)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dq_warehouse import EXPECTED, build, make_duckdb, rules

from data_quality import CheckResult, run_suites
from data_quality.connection import connected

pytestmark = pytest.mark.postgres
SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def postgres_warehouse() -> Iterator[str]:
    """A throwaway database ``onefunnel_dq_test_<random>`` on the local server, dropped afterwards."""
    import psycopg2

    try:
        admin = psycopg2.connect(f"{SERVER}/postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"local PostgreSQL at 127.0.0.1:5432 unreachable: {exc}")
    admin.autocommit = True
    name = f"onefunnel_dq_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _comparable(r: CheckResult) -> tuple[object, ...]:
    return (
        r.rule,
        r.status,
        r.severity,
        r.evaluated_count,
        r.unexpected_count,
        sorted(map(str, r.flagged_ids)),
        sorted((f.object_id or "", f.owner_id or "") for f in r.flagged),
    )


def test_postgres_matches_duckdb(postgres_warehouse: str, tmp_path: Path) -> None:
    with connected(postgres_warehouse) as conn:
        build(conn, dirty=True)
    duck = make_duckdb(tmp_path / "w.duckdb", dirty=True)

    pg_report = run_suites(postgres_warehouse, run_id="pg-1", reports_dir=str(tmp_path / "pg"), rules=rules())
    duck_report = run_suites(duck, run_id="duck-1", reports_dir=str(tmp_path / "duck"), rules=rules())

    assert [_comparable(r) for r in pg_report.results] == [_comparable(r) for r in duck_report.results]
    assert all(set(r.flagged_ids) == EXPECTED[r.rule] for r in pg_report.results)

    # The worklist lifecycle works the same on PostgreSQL.
    with connected(postgres_warehouse) as conn:
        conn.execute(
            "UPDATE marts.fct_opportunities SET has_contact_role = TRUE WHERE opportunity_id = 'OPP-03'"
        )
    second = run_suites(postgres_warehouse, run_id="pg-2", reports_dir=str(tmp_path / "pg"), rules=rules())
    with connected(postgres_warehouse) as conn:
        gaps = conn.query(
            "SELECT object_id, is_open, first_seen_at, last_seen_at FROM marts.dq_attribution_gaps "
            "WHERE rule = 'opportunities_without_contact' ORDER BY object_id"
        )
        results = conn.query("SELECT COUNT(*) FROM marts.dq_results")
    assert [(g[0], g[1]) for g in gaps] == [("OPP-03", False), ("OPP-07", True), ("OPP-11", True)]
    assert gaps[1][2] == pg_report.run_at and gaps[1][3] == second.run_at
    assert results == [(2 * len(EXPECTED),)]


def test_postgres_error_does_not_abort_other_checks(postgres_warehouse: str, tmp_path: Path) -> None:
    with connected(postgres_warehouse) as conn:
        build(conn, dirty=False)
        conn.execute("DROP TABLE marts.dim_persons")
    report = run_suites(postgres_warehouse, reports_dir=str(tmp_path), rules=rules())
    assert report.result("persons_without_account").status == "error"
    assert {r.status for r in report.results if r.rule != "persons_without_account"} == {"passed"}
