"""One sandbox warehouse for the reporting tests: the Salesforce sandbox company written into raw tables
by ``tests/dbt/sandbox_warehouse.py`` and every mart built (models and seeds, no dbt tests: those run in
tests/dbt), plus a hand-made attribution-health worklist whose counts the pages must show."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent

# Hand-made worklist rows (rule, severity, object_id, owner_id, is_open): open counts per rule are
# counted here, never read back from the code under test.
WORKLIST = [
    ("opportunities_without_contact", "warn", "006A", "005X", True),
    ("opportunities_without_contact", "warn", "006B", "005X", True),
    ("opportunities_without_contact", "warn", "006C", "005Y", True),
    ("opportunities_without_contact", "warn", "006D", "005Y", False),  # closed: not on the page
    ("won_deals_without_marketing_touch", "error", "006E", "005Z", True),
]


@dataclass
class SandboxWarehouse:
    path: Path
    as_of: date
    truth: dict[str, Any]
    manifest: Path  # the dbt manifest of the build


def _sandbox_helpers() -> Any:
    """``tests/dbt/sandbox_warehouse.py``, imported beside the dbt tests' conftest it imports from."""
    if "sandbox_warehouse" in sys.modules:
        return sys.modules["sandbox_warehouse"]
    dbt_tests = str(TESTS_DIR / "dbt")
    sys.path.insert(0, dbt_tests)
    saved = sys.modules.pop("conftest", None)
    try:
        spec = importlib.util.spec_from_file_location("conftest", TESTS_DIR / "dbt" / "conftest.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["conftest"] = module
        spec.loader.exec_module(module)
        return importlib.import_module("sandbox_warehouse")
    finally:
        if saved is not None:
            sys.modules["conftest"] = saved
        else:
            sys.modules.pop("conftest", None)
        sys.path.remove(dbt_tests)


def _add_worklist(path: Path) -> None:
    from data_quality import connection, store

    seen = datetime(2026, 9, 1, 8, 0)
    with connection.connected(str(path)) as conn:
        store.ensure_tables(conn)
        conn.insert_rows(
            store.GAPS,
            (
                "rule",
                "severity",
                "object_type",
                "object_id",
                "owner_id",
                "first_seen_at",
                "last_seen_at",
                "is_open",
            ),
            [
                (rule, sev, "opportunity", oid, owner, seen, seen, is_open)
                for rule, sev, oid, owner, is_open in WORKLIST
            ],
        )


@pytest.fixture(scope="session")
def sandbox_marts(tmp_path_factory: pytest.TempPathFactory) -> SandboxWarehouse:
    """The sandbox company (seed 7, scale 0.1) with every mart built."""
    helpers = _sandbox_helpers()
    from ingestion.sandbox import generate_company

    work = tmp_path_factory.mktemp("reporting_warehouse")
    company = generate_company(seed=7, scale=0.1)
    truth = json.loads(json.dumps(company.ground_truth(), default=str))
    warehouse = work / "warehouse.duckdb"
    helpers.load_org(company.salesforce, warehouse)
    project = str(helpers.PROJECT_DIR)
    result = helpers.run_dbt(
        [
            "build",
            "--select",
            "+path:models/marts",
            "--resource-type",
            "model",
            "--resource-type",
            "seed",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--no-use-colors",
        ],
        {
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_AS_OF_DATE": str(truth["as_of_date"]),
            "ONEFUNNEL_DBT_TARGET": "duckdb",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    _add_worklist(warehouse)
    return SandboxWarehouse(
        warehouse, date.fromisoformat(truth["as_of_date"]), truth, work / "target" / "manifest.json"
    )


@pytest.fixture()
def marts(sandbox_marts: SandboxWarehouse):
    """A read-only connection to the sandbox warehouse."""
    import duckdb

    con = duckdb.connect(str(sandbox_marts.path), read_only=True)
    yield con
    con.close()
