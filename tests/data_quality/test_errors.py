"""A check that cannot be computed is an ``error`` with the exception, never reported as bad data."""

from __future__ import annotations

from pathlib import Path

from dq_warehouse import rules

from data_quality import run_suites
from data_quality.__main__ import main
from data_quality.connection import connected
from data_quality.rules import Expect, Rule, column_rule

ASSET = "marts.fct_opportunities"


def test_missing_column_in_query_is_an_error(dirty_warehouse: str, tmp_path: Path) -> None:
    broken = column_rule(
        "broken_query",
        "t",
        ASSET,
        "references a column that does not exist",
        Expect("ExpectColumnValuesToNotBeNull", column="no_such_column"),
        id_column="opportunity_id",
        columns=["no_such_column"],
    )
    report = run_suites(dirty_warehouse, rules=[broken], reports_dir=str(tmp_path))
    result = report.result("broken_query")
    assert result.status == "error" and not result.passed and result.blocking
    assert "no_such_column" in (result.error or "")
    assert result.unexpected_count is None and not result.flagged
    with connected(dirty_warehouse) as conn:
        row = conn.query(
            "SELECT status, success, error FROM marts.dq_results WHERE expectation = 'broken_query'"
        )
    assert row[0][0] == "error" and row[0][1] is None and "no_such_column" in row[0][2]


def test_missing_column_in_expectation_is_an_error(dirty_warehouse: str, tmp_path: Path) -> None:
    rule = Rule(
        "broken_metric",
        "t",
        ASSET,
        "GX metric on a column the query did not project",
        sql=f"SELECT opportunity_id AS object_id FROM {ASSET}",
        expect=Expect("ExpectColumnValuesToNotBeNull", column="amount"),
        severity="warn",
    )
    result = run_suites(dirty_warehouse, rules=[rule], reports_dir=str(tmp_path)).result("broken_metric")
    assert result.status == "error" and 'column "amount"' in (result.error or "")
    assert result.blocking  # could not evaluate: blocks even at warn severity


def test_missing_table_errors_and_keeps_its_open_gaps(dirty_warehouse: str, tmp_path: Path) -> None:
    health = [r for r in rules() if r.suite == "attribution_health"]
    run_suites(dirty_warehouse, rules=health, reports_dir=str(tmp_path))
    with connected(dirty_warehouse) as conn:
        conn.execute("DROP TABLE marts.dim_persons")
    report = run_suites(dirty_warehouse, rules=health, reports_dir=str(tmp_path))
    persons = report.result("persons_without_account")
    assert persons.status == "error" and "dim_persons" in (persons.error or "")
    assert report.result("opportunities_without_contact").status == "failed"
    with connected(dirty_warehouse) as conn:
        still_open = conn.query(
            "SELECT COUNT(*) FROM marts.dq_attribution_gaps "
            "WHERE rule = 'persons_without_account' AND is_open"
        )
    assert still_open == [(3,)]  # an unevaluable rule closes nothing


def test_cli_exit_codes(dirty_warehouse: str, clean_warehouse: str, tmp_path: Path, capsys) -> None:
    selected = [arg for r in rules() for arg in ("--rule", r.name)]
    warn_only = [arg for r in rules() if r.severity == "warn" for arg in ("--rule", r.name)]
    assert main(["--warehouse", dirty_warehouse, "--reports-dir", str(tmp_path), *selected]) == 1
    assert main(["--warehouse", dirty_warehouse, "--reports-dir", str(tmp_path), *warn_only]) == 0
    assert main(["--warehouse", clean_warehouse, "--reports-dir", str(tmp_path), *selected]) == 0
    out = capsys.readouterr().out
    assert "checks: 11 passed, 0 failed, 0 errored" in out and "opportunities_without_contact" in out


def test_metric_rule_with_configured_threshold(clean_warehouse: str, tmp_path: Path) -> None:
    from data_quality import Config
    from data_quality.rules import Param, metric_rule

    rule = metric_rule(
        "contact_share",
        "t",
        ASSET,
        "share of opportunities with a contact role",
        value_sql=f"SELECT AVG(CASE WHEN has_contact_role THEN 1.0 ELSE 0.0 END) AS value FROM {ASSET}",
        min_value=Param("min_share"),
        params={"min_share": 0.5},
    )
    ok = run_suites(clean_warehouse, rules=[rule], reports_dir=str(tmp_path)).result("contact_share")
    assert ok.status == "passed" and ok.observed_value == "1.0"
    strict = Config(rules={"contact_share": {"min_share": 1.5, "severity": "error"}})
    bad = run_suites(clean_warehouse, rules=[rule], config=strict, reports_dir=str(tmp_path)).result(
        "contact_share"
    )
    assert bad.status == "failed" and bad.severity == "error" and bad.blocking


def test_broken_worklist_query_is_an_error(dirty_warehouse: str, tmp_path: Path) -> None:
    from data_quality.rules import flag_rule

    rule = flag_rule(
        "broken_worklist",
        "t",
        ASSET,
        "details reference a missing column",
        object_type="opportunity",
        id_column="opportunity_id",
        gap_when="NOT has_contact_role",
        details="no_such_details",
    )
    result = run_suites(dirty_warehouse, rules=[rule], reports_dir=str(tmp_path)).result("broken_worklist")
    assert result.status == "error" and "no_such_details" in (result.error or "")
