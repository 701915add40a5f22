"""Runs that survive faults: two runs at once on one DuckDB file are serialized by the writer pool; a
run killed with SIGKILL mid-load and run again gives the same tables as an uninterrupted run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from pipeline_helpers import RAW_TABLES, REVIEW_MARTS, review_selection, run_job, table_rows, warehouse_env

from ingestion.sandbox import generate_company
from orchestration import settings
from orchestration.definitions import defs
from orchestration.sandbox import running_sandbox

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).with_name("job_process.py")


def _spawn(mode: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-W", "ignore", str(SCRIPT), mode, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=settings.REPO_ROOT,
        env=dict(os.environ),
    )


def _step_span(instance: dg.DagsterInstance, run_id: str) -> tuple[float, float]:
    events = [e for e in instance.all_logs(run_id) if e.dagster_event is not None]
    start = min(e.timestamp for e in events if e.dagster_event.event_type_value == "STEP_START")
    end = max(e.timestamp for e in events if e.dagster_event.event_type_value == "STEP_SUCCESS")
    return start, end


def test_two_runs_at_once_on_one_duckdb_file_both_succeed(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(settings.REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    company = generate_company(seed=11, scale=0.1)
    with running_sandbox(company=company), warehouse_env(tmp_path / "wh") as warehouse:
        os.environ["DAGSTER_HOME"] = str(home)
        with dg.DagsterInstance.get() as instance:  # create the storage once, as a deployment does
            instance.get_runs()
        try:
            procs = [_spawn("history", "--instance") for _ in range(2)]
            outputs = [p.communicate(timeout=600)[0] for p in procs]
        finally:
            os.environ.pop("DAGSTER_HOME", None)
        assert [p.returncode for p in procs] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
        with dg.DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs()
            assert len(runs) == 2 and all(r.is_success for r in runs)
            assert instance.event_log_storage.get_concurrency_info(settings.DUCKDB_WRITER_POOL).limit == 1
            spans = sorted(_step_span(instance, run.run_id) for run in runs)
            assert spans[0][1] <= spans[1][0], spans  # the writer steps ran one after the other
        _, rows = table_rows(warehouse, "raw_salesforce.opportunity")
        assert len(rows) == len(company.salesforce.records("Opportunity"))  # merged, not duplicated


def test_killed_run_run_again_equals_an_uninterrupted_run(review_loads, tmp_path: Path) -> None:
    full, _ = review_loads
    company = generate_company(seed=11, scale=0.1)  # the company of review_loads (deterministic)
    definitions = defs()
    with running_sandbox(company=company), warehouse_env(tmp_path / "wh") as warehouse:
        proc = _spawn("nightly-subset")
        assert proc.stdout is not None
        deadline = time.monotonic() + 300
        for line in proc.stdout:  # kill it in the middle of the dlt load
            if "rows extracted" in line or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        result = run_job(definitions, "nightly", selection=review_selection(definitions, with_raw=True))
        assert result.success
    for table in [f"raw_salesforce.{t}" for t in RAW_TABLES] + [m.replace("/", ".") for m in REVIEW_MARTS]:
        assert table_rows(warehouse, table) == table_rows(full, table), table
