"""Each rule flags exactly the injected records; clean data passes everything."""

from __future__ import annotations

from pathlib import Path

from dq_warehouse import EXPECTED, rules

from data_quality import run_suites, suite_names, suite_rules
from data_quality.connection import connected


def test_every_rule_is_registered_with_metadata() -> None:
    registered = [r for s in suite_names() for r in suite_rules(s)]
    assert set(EXPECTED) <= {r.name for r in registered}
    assert len({r.name for r in registered}) == len(registered)
    for rule in registered:
        assert rule.suite and rule.asset.startswith(("marts.", "raw_")) and rule.description
        assert rule.severity in ("error", "warn")


def test_dirty_warehouse_flags_exactly_the_injected_records(dirty_warehouse: str, tmp_path: Path) -> None:
    report = run_suites(dirty_warehouse, run_id="run-1", reports_dir=str(tmp_path / "reports"), rules=rules())

    assert sorted(r.rule for r in report.results) == sorted(EXPECTED)
    for result in report.results:
        assert result.status == "failed", result
        assert set(result.flagged_ids) == EXPECTED[result.rule], result.rule
        assert len(result.flagged_ids) == result.unexpected_count == len(EXPECTED[result.rule])
    assert report.blocking  # error-severity structural rules failed

    no_contact = report.result("opportunities_without_contact")
    assert {f.owner_name for f in no_contact.flagged} == {"Alice Archer", "Bob Baker", "Carol Cruz"}
    assert no_contact.evaluated_count == 22 and no_contact.severity == "warn"

    with connected(dirty_warehouse) as conn:
        gaps = conn.query(
            "SELECT rule, object_id, object_type, owner_id, is_open FROM marts.dq_attribution_gaps"
        )
        results = conn.query("SELECT run_id, expectation, status, success FROM marts.dq_results")
    worklist_rules = {r.name for r in rules() if r.object_type}
    assert {(g[0], g[1]) for g in gaps} == {(rule, oid) for rule in worklist_rules for oid in EXPECTED[rule]}
    assert all(g[4] and g[3] for g in gaps)
    assert len(results) == len(EXPECTED) and {r[2] for r in results} == {"failed"}

    html = Path(report.report_path or "").read_text(encoding="utf-8")
    assert all(rule in html for rule in EXPECTED) and "OPP-07" in html


def test_clean_warehouse_passes_every_rule(clean_warehouse: str, tmp_path: Path) -> None:
    report = run_suites(clean_warehouse, reports_dir=str(tmp_path), rules=rules())
    assert {r.status for r in report.results} == {"passed"}
    assert all(not r.flagged and r.unexpected_count == 0 for r in report.results)
    assert not report.blocking
    assert all(g.open_count == 0 for g in report.gaps)


def test_one_suite_only(dirty_warehouse: str, tmp_path: Path) -> None:
    report = run_suites(
        dirty_warehouse,
        rules=[r for r in rules() if r.suite == "attribution_health"],
        reports_dir=str(tmp_path),
    )
    assert {r.suite for r in report.results} == {"attribution_health"}
    assert not report.blocking  # only warn-severity rules ran
