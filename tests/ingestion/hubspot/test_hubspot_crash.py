"""Crash safety: a HubSpot load killed with SIGKILL during extract, or during load, then run again, leaves
every raw table equal to an uninterrupted load: no row lost, none duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hs_support import SCALE, SEED, Runner, assert_matches_portal, raw_tables

from ingestion.sandbox import generate_company
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal
from ingestion.sandbox.hubspot_shapes import portal_from_org

SCRIPT = Path(__file__).with_name("hs_load_process.py")
REPO = Path(__file__).resolve().parents[3]


def _spawn(runner: Runner, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN": runner.emulator.token}
    args = [runner.warehouse, runner.pipelines_dir, runner.emulator.base_url, *extra]
    return subprocess.Popen(
        [sys.executable, "-W", "ignore", str(SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env=env,
    )


def _kill(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, out
    return out


@pytest.fixture(scope="module")
def portal() -> HubSpotPortal:
    """One portal for the module: the runs only read it (faults live on the emulator)."""
    return portal_from_org(generate_company(seed=SEED, scale=SCALE).salesforce)


@pytest.fixture(scope="module")
def emulator(portal: HubSpotPortal) -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator(portal) as emu:
        yield emu


@pytest.fixture(scope="module")
def uninterrupted(emulator: HubSpotEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The raw tables of one load that nothing interrupted."""
    reference = Runner(emulator, tmp_path_factory.mktemp("reference"))
    reference()
    tables = raw_tables(reference.warehouse)
    assert tables["contacts"] and tables["associations"] and tables["email_events"]
    return tables


def test_killed_during_extract_then_rerun(
    portal: HubSpotPortal, emulator: HubSpotEmulator, tmp_path: Path, uninterrupted: dict[str, Any]
) -> None:
    hit, release = threading.Event(), threading.Event()
    # the first page of the deals search (after the max-modified probe) hangs: contacts and companies are
    # extracted, deals are not, nothing is normalized or loaded
    emulator.inject_fault(
        "/crm/v3/objects/deals/search", skip=1, action=lambda: (hit.set(), release.wait(30))
    )
    runner = Runner(emulator, tmp_path / "killed")
    proc = _spawn(runner)
    try:
        assert hit.wait(120), "the load never reached the deals search"
        out = _kill(proc)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    assert "LOAD_DONE" not in out
    runner()  # the same pipeline again: whatever the killed run left is finished or redone
    assert raw_tables(runner.warehouse) == uninterrupted
    assert_matches_portal(runner, portal)


def test_killed_during_load_then_rerun(
    portal: HubSpotPortal, emulator: HubSpotEmulator, tmp_path: Path, uninterrupted: dict[str, Any]
) -> None:
    runner = Runner(emulator, tmp_path / "killed")
    proc = _spawn(runner, "--pause-in-load")
    assert proc.stdout is not None
    try:
        lines = []
        for line in proc.stdout:  # wait until dlt finished one load job and not the rest
            lines.append(line)
            if line.startswith("LOAD_PAUSED"):
                break
        assert lines and lines[-1].startswith("LOAD_PAUSED"), "".join(lines)[-3000:]
        _kill(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = raw_tables(runner.warehouse) if Path(runner.warehouse).exists() else {}
    assert partial != uninterrupted  # the kill really left the warehouse half-loaded
    counts = runner()
    assert raw_tables(runner.warehouse) == uninterrupted
    assert_matches_portal(runner, portal)
    # the killed run had extracted everything and moved its cursors: the rerun only finished its load
    assert not {"contacts", "companies", "deals", "email_events", "form_submissions"} & set(counts)
