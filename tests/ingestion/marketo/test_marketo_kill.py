"""A Marketo run SIGKILLed during extract, and another during load, then run again: no row lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mk_support import Runner, assert_matches_instance

from ingestion.sandbox.marketo_emulator import MarketoEmulator
from ingestion.sandbox.marketo_shapes import MarketoInstance

SCRIPT = Path(__file__).with_name("mk_process.py")
REPO = Path(__file__).resolve().parents[3]


def _spawn(runner: Runner) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SOURCES__MARKETO__BASE_URL": runner.emulator.base_url,
        "SOURCES__MARKETO__CREDENTIALS__CLIENT_ID": runner.emulator.client_id,
        "SOURCES__MARKETO__CREDENTIALS__CLIENT_SECRET": runner.emulator.client_secret,
        "PYTHONPATH": str(REPO),
    }
    return subprocess.Popen(
        [sys.executable, "-W", "ignore", str(SCRIPT), runner.warehouse, runner.pipelines_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env=env,
    )


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_killed_during_extract_and_during_load_then_rerun_is_exact(
    instance: MarketoInstance, emulator: MarketoEmulator, runner: Runner
) -> None:
    # 1. killed mid-extract: the fourth activities page hangs, the process dies while it waits
    emulator.inject_fault("/rest/v1/activities.json", delay=30, skip=3)
    proc = _spawn(runner)
    deadline = time.monotonic() + 120
    while emulator.count_requests("/rest/v1/activities.json") < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.05)
    _kill(proc)
    emulator.faults.clear()
    # 2. killed during the load: right after the process reports the extract done
    proc = _spawn(runner)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "rows extracted, loading" in line:
            break
    assert any("rows extracted" in x for x in lines), "".join(lines)[-3000:]
    _kill(proc)
    # 3. run again: the pending package (if the kill beat the load) is loaded first, then the increment
    runner()
    assert_matches_instance(runner, instance)
    assert runner.state()["activity_cursor"]["since"] == max(
        a["activityDate"] for a in instance.activities + instance.deleted_leads
    )
