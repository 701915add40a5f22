"""Publishing the checked marts: a self-contained read-only copy swapped in atomically, readers never
blocked and always on one complete run, nothing published after a failed error-severity check.

Expected row counts come from the test's own fixtures (rows it inserted) or from the sandbox's ground
truth, never from the publish code under test.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from data_quality import store
from data_quality.connection import connected
from orchestration.defs.publish import PUBLISHED_MARTS_KEY, published_marts_asset
from orchestration.publish import (
    MANIFEST_TABLE,
    STABLE_NAME,
    ChecksFailedError,
    current_version,
    main,
    publish_duckdb,
    read_manifest,
)

HERE = Path(__file__).resolve().parent
NO_GRACE = dt.timedelta(0)
N_OPPORTUNITIES = 25
OPEN_OPPORTUNITIES = sum(1 for i in range(N_OPPORTUNITIES) if i % 5 != 0)  # the view below: i % 5 <> 0


def _live(path: Path, dq_runs: list[tuple[str, str, str]] | None = None) -> str:
    """A small live warehouse: one mart table, one mart view, and data-quality results
    (``dq_runs``: (run id, severity, status) per row, default one passing error rule)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_opportunities AS SELECT 'OPP-' || i AS opportunity_id, i * 100.0 AS amount, "
        f"i % 5 <> 0 AS is_open FROM range({N_OPPORTUNITIES}) t(i)"
    )
    con.execute(
        "CREATE VIEW marts.fct_open_opportunities AS SELECT * FROM marts.fct_opportunities WHERE is_open"
    )
    con.close()
    _record_dq(str(path), dq_runs if dq_runs is not None else [("dq-1", "error", "passed")])
    return str(path)


def _record_dq(warehouse: str, rows: list[tuple[str, str, str]]) -> None:
    """Append results to marts.dq_results with the data-quality package's own DDL."""
    with connected(warehouse) as conn:
        store.ensure_tables(conn)
        for i, (run_id, severity, status) in enumerate(rows):
            # later runs (dq-2 after dq-1) have later run_at
            at = dt.datetime(2026, 9, 30, 2, 0) + dt.timedelta(hours=_run_index(run_id), minutes=i)
            conn.execute(
                "INSERT INTO marts.dq_results (run_id, run_at, suite, expectation, severity, status) "
                "VALUES (?, ?, 'structure', ?, ?, ?)",
                [run_id, at, f"rule_{i}", severity, status],
            )


def _run_index(run_id: str) -> int:
    return int(run_id.rsplit("-", 1)[-1])


def _tables(path: Path | str) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            n
            for (n,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        ]
        return {n: con.execute(f'SELECT COUNT(*) FROM marts."{n}"').fetchone()[0] for n in names}


def test_publish_writes_a_self_contained_read_only_copy_and_swaps_the_stable_link(tmp_path: Path) -> None:
    live = _live(tmp_path / "warehouse.duckdb")
    published = tmp_path / "published"
    result = publish_duckdb(live, "run-1", published, keep=2, grace=NO_GRACE, log=lambda _: None)

    stable = published / STABLE_NAME
    assert stable.is_symlink() and os.readlink(stable) == Path(result.version).name  # relative link
    assert stat.S_IMODE(Path(result.version).stat().st_mode) == 0o444
    assert sorted(p.name for p in published.iterdir()) == sorted([STABLE_NAME, Path(result.version).name])
    # the same mart names as the live schema, the view as a table, plus the manifest
    assert _tables(stable) == {
        "fct_opportunities": N_OPPORTUNITIES,
        "fct_open_opportunities": OPEN_OPPORTUNITIES,
        "dq_results": 1,
        "dq_attribution_gaps": 0,
        MANIFEST_TABLE: 4,
    }
    manifest = read_manifest(stable)
    assert {(r[0], r[2], r[3]) for r in manifest} == {
        ("run-1", "fct_opportunities", N_OPPORTUNITIES),
        ("run-1", "fct_open_opportunities", OPEN_OPPORTUNITIES),
        ("run-1", "dq_results", 1),
        ("run-1", "dq_attribution_gaps", 0),
    }
    assert {r[4] for r in manifest if r[2] == "fct_opportunities"} == {3}  # column count
    # the live warehouse is untouched (its view is still a view)
    with duckdb.connect(live, read_only=True) as con:
        assert con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'fct_open_opportunities'"
        ).fetchall() == [("VIEW",)]


def test_old_versions_are_pruned_after_keep_and_grace_but_stay_readable_while_open(tmp_path: Path) -> None:
    live = _live(tmp_path / "warehouse.duckdb")
    published = tmp_path / "published"
    first = publish_duckdb(live, "run-1", published, keep=2, grace=NO_GRACE, log=lambda _: None)
    held = duckdb.connect(str(published / STABLE_NAME), read_only=True)
    try:
        with duckdb.connect(live) as con:
            con.execute("DELETE FROM marts.fct_opportunities WHERE opportunity_id = 'OPP-1'")
        versions = [
            publish_duckdb(live, f"run-{i}", published, keep=2, grace=NO_GRACE, log=lambda _: None)
            for i in (2, 3, 4)
        ]
        assert not Path(first.version).exists()  # pruned ...
        assert held.execute("SELECT COUNT(*) FROM marts.fct_opportunities").fetchone() == (N_OPPORTUNITIES,)
        assert held.execute(f"SELECT DISTINCT run_id FROM marts.{MANIFEST_TABLE}").fetchall() == [("run-1",)]
    finally:
        held.close()
    assert sorted(p.name for p in published.glob("marts-*.duckdb")) == sorted(
        Path(v.version).name for v in versions[1:]
    )
    assert current_version(published).name == Path(versions[-1].version).name
    assert _tables(published / STABLE_NAME)["fct_opportunities"] == N_OPPORTUNITIES - 1
    # within the grace period nothing is pruned, whatever keep says
    fifth = publish_duckdb(live, "run-5", published, keep=1, grace=dt.timedelta(hours=1), log=lambda _: None)
    assert fifth.pruned == [] and len(list(published.glob("marts-*.duckdb"))) == 3


@pytest.mark.parametrize(
    ("dq_runs", "blocked_by"),
    [
        ([("dq-1", "error", "passed"), ("dq-2", "error", "failed")], "rule_1"),  # latest run failed
        ([("dq-1", "error", "passed"), ("dq-2", "error", "error")], "rule_1"),  # could not be evaluated
        ([("dq-1", "error", "failed"), ("dq-2", "warn", "failed")], None),  # a warning never blocks
    ],
)
def test_a_failed_error_rule_blocks_the_publish_and_the_old_version_stays(
    tmp_path: Path, dq_runs: list[tuple[str, str, str]], blocked_by: str | None
) -> None:
    published = tmp_path / "published"
    old = publish_duckdb(_live(tmp_path / "old.duckdb"), "run-1", published, log=lambda _: None)
    live = _live(tmp_path / "warehouse.duckdb", dq_runs)
    if blocked_by is None:
        assert publish_duckdb(live, "run-2", published, log=lambda _: None).run_id == "run-2"
        return
    with pytest.raises(ChecksFailedError, match=f"dq-2 has 1 failed error-severity rule.*{blocked_by}"):
        publish_duckdb(live, "run-2", published, log=lambda _: None)
    assert current_version(published) == Path(old.version)
    assert [p.name for p in published.iterdir() if p.name != STABLE_NAME] == [Path(old.version).name]


def test_the_checks_of_the_current_run_decide_and_unchecked_marts_need_a_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    published = tmp_path / "published"
    # this run's own results decide, even when another run wrote results later
    live = _live(tmp_path / "warehouse.duckdb", [("dq-1", "error", "failed"), ("dq-2", "error", "passed")])
    with pytest.raises(ChecksFailedError, match="dq-1"):
        publish_duckdb(live, "dq-1", published, log=lambda _: None)
    assert publish_duckdb(live, "dq-2", published, log=lambda _: None).run_id == "dq-2"

    unchecked = tmp_path / "unchecked.duckdb"
    with duckdb.connect(str(unchecked)) as con:
        con.execute("CREATE SCHEMA marts; CREATE TABLE marts.fct_pipeline AS SELECT 1 AS x")
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", str(unchecked))
    monkeypatch.setenv("ONEFUNNEL_PUBLISHED_DIR", str(published))
    with pytest.raises(SystemExit) as exit_info:
        main(["--run-id", "manual-1"])
    assert exit_info.value.code == 1 and "run the data-quality checks first" in capsys.readouterr().err
    assert current_version(published).name.endswith("-dq-2.duckdb")
    assert main(["--run-id", "manual-1", "--allow-unchecked"]) == 0
    assert _tables(published / STABLE_NAME) == {"fct_pipeline": 1, MANIFEST_TABLE: 1}
    with pytest.raises(SystemExit):
        main(["--run-id", "../escape"])  # run ids name files


def _dq_warehouse_module():
    """tests/data_quality/dq_warehouse.py: the warehouse whose dirty variant fails error rules."""
    spec = importlib.util.spec_from_file_location(
        "dq_warehouse", HERE.parent / "data_quality" / "dq_warehouse.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_blocking_check_failure_stops_the_published_marts_asset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.defs.quality import quality_checks

    dq_warehouse = _dq_warehouse_module()
    warehouse = dq_warehouse.make_duckdb(tmp_path / "warehouse.duckdb", dirty=False)
    published = tmp_path / "published"
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", warehouse)
    monkeypatch.setenv("ONEFUNNEL_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("ONEFUNNEL_PUBLISHED_DIR", str(published))
    mart = dg.AssetKey(["marts", "fct_opportunities"])

    @dg.asset(key=mart)
    def fct_opportunities() -> None:
        """Already in the test warehouse."""

    job = dg.define_asset_job("nightly", selection=dg.AssetSelection.all())
    defs = dg.Definitions(
        assets=[fct_opportunities, published_marts_asset([mart])],
        asset_checks=quality_checks([mart]),
        jobs=[job],
    )
    first = defs.resolve_job_def("nightly").execute_in_process(raise_on_error=False)
    assert first.success and PUBLISHED_MARTS_KEY in {
        e.asset_key for e in first.get_asset_materialization_events()
    }
    counts = {r[2]: r[3] for r in read_manifest(published / STABLE_NAME)}
    assert counts["fct_opportunities"] == dq_warehouse.N_OPPORTUNITIES
    assert counts["dim_persons"] == dq_warehouse.N_PERSONS

    # a duplicated opportunity id: the error-severity structure rule fails, nothing is published
    with connected(warehouse) as conn:
        conn.execute(
            "INSERT INTO marts.fct_opportunities SELECT * FROM marts.fct_opportunities "
            "WHERE opportunity_id = 'OPP-14'"
        )
    second = defs.resolve_job_def("nightly").execute_in_process(raise_on_error=False)
    checks = {e.check_name: (e.passed, e.severity.value) for e in second.get_asset_check_evaluations()}
    assert checks["fct_opportunities"] == (False, "ERROR")
    assert PUBLISHED_MARTS_KEY not in {e.asset_key for e in second.get_asset_materialization_events()}
    assert {r[0] for r in read_manifest(published / STABLE_NAME)} == {first.run_id}
    assert len(list(published.glob("marts-*.duckdb"))) == 1


# --- readers during a whole pipeline run and repeated publishes ------------------------------------


def _reader(mode: str, stable: Path, work: Path) -> tuple[subprocess.Popen, Path]:
    out = work / f"reader_{mode}.json"
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "published_reader.py"), mode, str(stable), str(out), str(work / "stop")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, out


def _wait_ready(readers: list[tuple[subprocess.Popen, Path]]) -> None:
    deadline = time.monotonic() + 60
    while not all(Path(f"{out}.ready").exists() for _, out in readers):
        assert all(p.poll() is None for p, _ in readers), [p.communicate()[0] for p, _ in readers]
        assert time.monotonic() < deadline, "the readers never read the first published version"
        time.sleep(0.05)


@pytest.mark.slow
def test_readers_see_only_complete_runs_and_no_error_during_a_pipeline_run_and_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion.sandbox import generate_company
    from orchestration.definitions import defs
    from orchestration.sandbox import running_sandbox

    root = tmp_path / "run"
    published = root / "published"
    for key, value in {
        "ONEFUNNEL_WAREHOUSE": str(root / "warehouse.duckdb"),
        "ONEFUNNEL_DLT_PIPELINES_DIR": str(root / "dlt"),
        "ONEFUNNEL_REPORTS_DIR": str(root / "reports"),
        "ONEFUNNEL_PUBLISHED_DIR": str(published),
        "ONEFUNNEL_PUBLISH_KEEP": "2",
        "ONEFUNNEL_PUBLISH_GRACE_MINUTES": "0",
    }.items():
        monkeypatch.setenv(key, value)
    root.mkdir()
    # a version already published when the run starts (from another warehouse: the readers only
    # ever open the published path)
    v0 = publish_duckdb(_live(tmp_path / "previous.duckdb"), "v-0", published, keep=2, grace=NO_GRACE)
    expected = {"v-0": N_OPPORTUNITIES}
    readers = [
        _reader("fresh", published / STABLE_NAME, tmp_path),
        _reader("held", published / STABLE_NAME, tmp_path),
    ]
    try:
        _wait_ready(readers)
        company = generate_company(seed=5, scale=0.1)
        expected_live = company.ground_truth()["live_counts"]["Opportunity"]
        definitions = defs()  # the code location publishes: published/marts is one of its assets
        with running_sandbox(company=company):
            result = definitions.resolve_job_def("nightly").execute_in_process(raise_on_error=False)
        assert result.success
        assert PUBLISHED_MARTS_KEY in {e.asset_key for e in result.get_asset_materialization_events()}
        expected[result.run_id] = expected_live
        order = ["v-0", result.run_id]
        # then publishes in quick succession, each with one opportunity fewer in the live marts
        from orchestration.publish import publish

        for i in range(1, 9):
            with duckdb.connect(str(root / "warehouse.duckdb")) as con:
                con.execute(
                    "DELETE FROM marts.fct_opportunities WHERE opportunity_id = "
                    "(SELECT MIN(opportunity_id) FROM marts.fct_opportunities)"
                )
            publish(f"stress-{i}", log=lambda _: None)
            expected[f"stress-{i}"] = expected_live - i
            order.append(f"stress-{i}")
    finally:
        (tmp_path / "stop").touch()
        outputs = [p.communicate(timeout=60)[0] for p, _ in readers]
    fresh, held = (json.loads(out.read_text()) for _, out in readers)
    assert fresh["errors"] == [] and held["errors"] == [], outputs
    assert fresh["mismatches"] == [] and held["mismatches"] == []
    # fresh connections follow the publishes in order, each run complete with its own row count
    assert fresh["seen"] == [r for r in order if r in fresh["seen"]] and len(fresh["seen"]) >= 3
    assert {r: c["fct_opportunities"] for r, c in fresh["counts"].items()} == {
        r: expected[r] for r in fresh["seen"]
    }
    # the long-held connection stays on its version, readable after that file was pruned
    assert held["seen"] == ["v-0"] and held["counts"]["v-0"]["fct_opportunities"] == N_OPPORTUNITIES
    assert not Path(v0.version).exists() and held["iterations"] > 1
    # the published file has every live mart, under the same names
    live_marts = set(_tables(root / "warehouse.duckdb"))
    assert set(_tables(published / STABLE_NAME)) == live_marts | {MANIFEST_TABLE}
    assert len(list(published.glob("marts-*.duckdb"))) == 2
