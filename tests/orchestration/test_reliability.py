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
import duckdb
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


def test_salesforce_record_committed_late_is_picked_up_once(tmp_path: Path, monkeypatch) -> None:
    """SystemModstamp is stamped when a transaction starts and visible when it commits: a record stamped
    just before the last run's cursor but committed after that run is read by the next run (the look-back),
    once; without the look-back (``SOURCES__SALESFORCE__LOOKBACK_SECONDS=0``) it is lost."""
    import datetime as dt

    from ingestion.pipelines import run_salesforce
    from ingestion.salesforce import SalesforceCredentials
    from ingestion.salesforce.settings import DEFAULT_LOOKBACK_SECONDS
    from ingestion.sandbox.org import SalesforceOrg
    from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

    org = SalesforceOrg(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    accounts = [org.insert("Account", {"Name": f"A{i}", "SystemModstamp": org.tick()}) for i in range(5)]
    cursor = max(a["SystemModstamp"] for a in accounts)
    with SalesforceEmulator(org) as emu:
        creds = SalesforceCredentials(client_id=emu.client_id, client_secret=emu.client_secret)

        def load(name: str, lookback: str | None = None) -> dict[str, int]:
            with monkeypatch.context() as env:
                if lookback is not None:
                    env.setenv("SOURCES__SALESFORCE__LOOKBACK_SECONDS", lookback)
                root = tmp_path / name
                return run_salesforce(
                    str(root / "w.duckdb"),
                    str(root / "dlt"),
                    base_url=emu.base_url,
                    credentials=creds,
                    objects=["Account"],
                )

        def names(name: str) -> dict[str, str]:
            with duckdb.connect(str(tmp_path / name / "w.duckdb"), read_only=True) as con:
                rows = con.execute("select id, name from raw_salesforce.account").fetchall()
            assert len(rows) == len({i for i, _ in rows}), "duplicate ids"
            return dict(rows)

        assert load("lookback") == load("no_lookback", "0") == {"account": 5}
        late = org.update("Account", accounts[0]["Id"], {"Name": "Late"})
        late["SystemModstamp"] = cursor - dt.timedelta(seconds=60)  # stamped before the cursor
        assert dt.timedelta(seconds=60) < dt.timedelta(seconds=DEFAULT_LOOKBACK_SECONDS)
        fresh = org.update("Account", accounts[1]["Id"], {"Name": "Fresh"})
        assert fresh["SystemModstamp"] > cursor

        assert load("lookback") == {"account": 2}  # the late and the fresh record; nothing else re-read
        assert names("lookback")[late["Id"]] == "Late" and len(names("lookback")) == 5
        assert load("lookback") == {}  # the overlap's versions were all loaded already
        org.update("Account", fresh["Id"], {"Name": "Fresh again"})["SystemModstamp"] = fresh[
            "SystemModstamp"
        ]
        assert load("lookback") == {"account": 1}  # a second save in the same second is a new version
        assert names("lookback")[fresh["Id"]] == "Fresh again" and len(names("lookback")) == 5

        assert load("no_lookback", "0") == {"account": 1}  # the fresh record only, in its last version
        assert names("no_lookback")[late["Id"]] == "A0"  # the late change is lost without the look-back
