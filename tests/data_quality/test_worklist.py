"""The worklist across runs: first_seen kept, last_seen moves, fixed records closed, never deleted."""

from __future__ import annotations

from pathlib import Path

from dq_warehouse import rules

from data_quality import run_suites
from data_quality.connection import connected

GAP_SQL = """SELECT object_id, first_seen_at, last_seen_at, is_open, closed_at FROM marts.dq_attribution_gaps
WHERE rule = 'opportunities_without_contact' ORDER BY object_id, first_seen_at"""


def test_gaps_are_maintained_across_runs(dirty_warehouse: str, tmp_path: Path) -> None:
    reports = str(tmp_path / "reports")
    first = run_suites(dirty_warehouse, run_id="run-1", reports_dir=reports, rules=rules())
    with connected(dirty_warehouse) as conn:
        conn.execute(
            "UPDATE marts.fct_opportunities SET has_contact_role = TRUE WHERE opportunity_id = 'OPP-03'"
        )
    second = run_suites(dirty_warehouse, run_id="run-2", reports_dir=reports, rules=rules())

    with connected(dirty_warehouse) as conn:
        rows = {r[0]: r[1:] for r in conn.query(GAP_SQL)}
        runs = conn.query("SELECT run_id, COUNT(*) FROM marts.dq_results GROUP BY run_id ORDER BY run_id")
    assert set(rows) == {"OPP-03", "OPP-07", "OPP-11"}  # the fixed record is kept, not deleted
    assert rows["OPP-03"] == (first.run_at, first.run_at, False, second.run_at)
    for oid in ("OPP-07", "OPP-11"):
        assert rows[oid] == (first.run_at, second.run_at, True, None)
    assert runs == [("run-1", 11), ("run-2", 11)]
    summary = {g.rule: g for g in second.gaps}["opportunities_without_contact"]
    assert (summary.open_count, summary.new_count, summary.closed_count) == (2, 0, 1)

    # The record breaks again: a new open episode; the closed one stays as history.
    with connected(dirty_warehouse) as conn:
        conn.execute(
            "UPDATE marts.fct_opportunities SET has_contact_role = FALSE WHERE opportunity_id = 'OPP-03'"
        )
    third = run_suites(dirty_warehouse, run_id="run-3", reports_dir=reports, rules=rules())
    with connected(dirty_warehouse) as conn:
        episodes = [r for r in conn.query(GAP_SQL) if r[0] == "OPP-03"]
    assert [(e[3], e[1]) for e in episodes] == [(False, first.run_at), (True, third.run_at)]
