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
