"""Loading the code location stays fast: no dbt-core, dlt or Great Expectations import at load time
(they cost seconds; they are imported inside the steps that use them)."""

from __future__ import annotations

import json
import subprocess
import sys

from orchestration import settings

PROBE = """
import json, sys, time
started = time.perf_counter()
import orchestration.definitions as d
d.defs()
heavy = ["dbt.version", "dbt.adapters.base", "dlt", "great_expectations", "duckdb"]
print(json.dumps({"seconds": time.perf_counter() - started, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def test_definitions_load_without_heavy_imports() -> None:
    out = (
        subprocess.run(
            [sys.executable, "-W", "ignore", "-c", PROBE],
            capture_output=True,
            text=True,
            cwd=settings.REPO_ROOT,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    probe = json.loads(out)
    assert probe["loaded"] == [], probe


PARTIAL_PARSE_PROBE = """
import os, sys
import dagster as dg
from orchestration.dbt_manifest import prepare_manifest
from orchestration.defs.dbt_models import build_dbt_assets, dbt_resource

prepare_manifest()  # as `make manifest` does: no business date set
assets = build_dbt_assets()
seed = dg.AssetKey(["seeds", "stage_mapping"])
for as_of in sys.argv[1:]:  # each run has its own business date, as the nightly run has
    os.environ["ONEFUNNEL_AS_OF_DATE"] = as_of
    result = dg.materialize([assets], selection=[seed], resources={"dbt": dbt_resource()})
    assert result.success, as_of
"""


def test_dbt_builds_reuse_the_prepared_parse(tmp_path) -> None:
    """A Dagster dbt build starts from the parse `make manifest` prepared (partial parsing), not from a
    full parse: same profile (the warehouse resolved alike, even when given relative to the repo),
    same --target and --vars, and the per-run ONEFUNNEL_AS_OF_DATE not read at parse time."""
    import os

    target = tmp_path / "target"
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(target),  # a private target: the shared dbt_project/target is left alone
        # relative to the repo root, as `make run`'s default data/warehouse.duckdb is
        "ONEFUNNEL_WAREHOUSE": os.path.relpath(tmp_path / "warehouse.duckdb", settings.REPO_ROOT),
        "ONEFUNNEL_SOURCES": "salesforce",
    }
    env.pop("ONEFUNNEL_AS_OF_DATE", None)
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PARTIAL_PARSE_PROBE, "2026-09-30", "2026-10-01"],
        capture_output=True,
        text=True,
        cwd=settings.REPO_ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (target / "partial_parse.msgpack").exists()
    logs = sorted(target.glob("*/dbt.log"))  # dagster-dbt: one target directory per invocation
    assert len(logs) == 2, logs
    for log in logs:
        text = log.read_text()
        assert "Unable to do partial parsing" not in text, log
        assert "Partial parsing enabled" in text, log
        # nothing re-parsed because of the run's environment (the as-of date differs from the parse's)
        assert "Partial parsing: updated file" not in text, log
