"""`make run` on every non-default sandbox profile (issue #3): ``python -m orchestration.run --profile P``.

Each profile runs the whole pipeline through Dagster in its own process, at a tiny scale, on a private
warehouse, dlt state, reports directory, Dagster instance and dbt target directory (nothing written under
the repository). Checked: the run succeeds; every source the profile enables (its systems, and the product
events files every sandbox run loads) landed in its ``raw_<source>`` dataset with rows; the qualified
pipeline per quarter the run prints equals the sandbox ground truth, computed here in plain Python from the
same generated company (``generate_company(seed, scale).ground_truth()``), never read back from the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.sandbox import generate_company
from ingestion.sandbox.profiles import get_profile

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED, SCALE = 3, 0.03
PROFILES = ("hubspot", "salesforce_hubspot", "salesforce_marketo")
# one line of the summary's "qualified pipeline $ per quarter" block: label, qualified $, created $, mark
QUARTER_LINE = re.compile(r"^ {4}(\d{4}-Q[1-4]) +(-?[\d,]+\.\d\d) +(-?[\d,]+\.\d\d)(.*)$")
# settings a caller's shell may hold that would point the run elsewhere or change its stack
INHERITED = (
    "ONEFUNNEL_WAREHOUSE",
    "ONEFUNNEL_SOURCES",
    "ONEFUNNEL_STACK",
    "ONEFUNNEL_SANDBOX_PROFILE",
    "ONEFUNNEL_DBT_TARGET",
    "DBT_TARGET_PATH",
    "DAGSTER_HOME",
)


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    """The ground truth of the company every profile serves (the same for every stack)."""
    return generate_company(seed=SEED, scale=SCALE).ground_truth()


def _run(profile: str, root: Path) -> subprocess.CompletedProcess:
    (root / "dagster_home").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in INHERITED and not k.startswith("SOURCES__")}
    env.update(
        {
            "ONEFUNNEL_WAREHOUSE": str(root / "warehouse.duckdb"),
            "ONEFUNNEL_DLT_PIPELINES_DIR": str(root / "dlt"),
            "ONEFUNNEL_REPORTS_DIR": str(root / "reports"),
            "ONEFUNNEL_PUBLISHED_DIR": str(root / "published"),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "DBT_TARGET_PATH": str(root / "dbt_target"),  # the manifest and each dbt run's target dir
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    cmd = [sys.executable, "-m", "orchestration.run", "--profile", profile, "--seed", str(SEED)]
    return subprocess.run(
        [*cmd, "--scale", str(SCALE)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
    )


@pytest.fixture(scope="module", params=PROFILES)
def run(request, tmp_path_factory) -> tuple[str, Path, str]:
    """(profile, warehouse, printed output) of one ``python -m orchestration.run --profile P``."""
    profile = request.param
    root = tmp_path_factory.mktemp(f"run_{profile}")
    result = _run(profile, root)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "onefunnel run succeeded" in result.stdout, result.stdout[-3000:]
    return profile, root / "warehouse.duckdb", result.stdout


def test_each_enabled_source_landed_in_its_raw_dataset(run) -> None:
    profile, warehouse, _ = run
    expected = {f"raw_{source}" for source in (*get_profile(profile).sources, "product_events")}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw\\_%' escape '\\' and table_schema not like '%\\_staging' escape '\\' "
            "and table_name not like '\\_dlt%' escape '\\'"  # dlt's own tables and merge staging left out
        ).fetchall()
        rows: dict[str, int] = {}
        for schema, table in tables:
            count = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            rows[schema] = rows.get(schema, 0) + count
    assert set(rows) == expected
    empty = sorted(schema for schema, n in rows.items() if n == 0)
    assert not empty, f"raw datasets without rows: {empty}"


def test_printed_qualified_pipeline_equals_the_sandbox_truth(run, truth) -> None:
    _, _, stdout = run
    printed: dict[str, tuple[str, str, str]] = {}
    for line in stdout.splitlines():
        match = QUARTER_LINE.match(line)
        if match:
            label, qualified, created, mark = match.groups()
            printed[label] = (qualified.replace(",", ""), created.replace(",", ""), mark.strip())
    expected = {label: amount for label, amount in truth["qualified_pipeline_by_quarter"].items()}
    assert expected, "the sandbox company should have qualified pipeline"
    assert set(expected) <= set(printed), f"quarters missing from the summary: {set(expected) - set(printed)}"
    for label, (qualified, created, mark) in printed.items():
        assert Decimal(qualified) == Decimal(expected.get(label, "0.00")), label
        assert Decimal(created) == Decimal(truth["created_pipeline_by_quarter"].get(label, "0.00")), label
        assert mark == "= sandbox truth", f"{label}: {mark!r}"
