"""Every rule on the real pipeline: silent on the clean sandbox, then exactly the injected gaps.

One module-scoped sequence through Dagster (``execute_nightly`` on the emulated org): the clean profile
is loaded and checked, then gaps are injected into the org and the nightly runs again (incrementally).
Expected ids come from ``inject_gaps`` (what was edited in the org), never from the SQL under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sandbox_pipeline import pipeline_env, run_nightly

from data_quality import run_rules, run_suites
from data_quality.connection import connected
from data_quality.suites import all_rules, for_datasets
from ingestion.sandbox import generate_company
from ingestion.sandbox.gaps import GAP_RULES, clean_company, inject_gaps

pytestmark = pytest.mark.slow
SEED, SCALE = 11, 0.1
COUNTS = {rule: 2 + i % 3 for i, rule in enumerate(GAP_RULES)}
PERSON_RULES = {"persons_without_account", "persons_without_source", "invalid_emails", "duplicate_persons"}


def _rules() -> list[Any]:
    """Every rule whose table the sandbox run builds (it loads Salesforce only, no other source)."""
    return for_datasets(all_rules(), {"raw_salesforce"})[0]


def _evaluate(warehouse: Path) -> dict[str, Any]:
    with connected(str(warehouse)) as conn:
        return {r.rule: r for r in run_rules(conn, _rules())}


def _person_records(warehouse: Path) -> dict[str, set[str]]:
    """person_id -> the CRM record ids merged into it (to name flagged persons by a CRM record)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select person_id, source_record_ids from marts.dim_persons").fetchall()
    return {pid: {r.split(":", 1)[1] for r in (ids or "").split(",") if r} for pid, ids in rows}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    company = generate_company(seed=SEED, scale=SCALE)
    clean_company(company)
    with pipeline_env(tmp_path_factory.mktemp("dq_sandbox")) as warehouse:
        clean_summary = run_nightly(company)
        assert clean_summary.success, clean_summary.failure
        clean = _evaluate(warehouse)
        expected = inject_gaps(company, seed=3, counts=COUNTS)
        owners = {o["Id"]: o["OwnerId"] for o in company.salesforce.records("Opportunity")}
        summary = run_nightly(company)  # incremental: only the injected changes are loaded
        assert summary.success, summary.failure  # warnings never block
    return {
        "clean": clean,
        "clean_summary": clean_summary,
        "summary": summary,
        "warehouse": warehouse,
        "expected": expected,
        "owners": owners,
        "results": _evaluate(warehouse),
    }


def test_clean_profile_passes_every_rule(runs: dict[str, Any]) -> None:
    failing = {
        name: (r.status, r.unexpected_count, r.error)
        for name, r in runs["clean"].items()
        if r.status != "passed"
    }
    assert failing == {}
    assert all(not r.flagged for r in runs["clean"].values())
    assert runs["clean_summary"].checks and all(c["passed"] for c in runs["clean_summary"].checks)


def test_each_rule_flags_exactly_the_injected_records(runs: dict[str, Any]) -> None:
    expected, results = runs["expected"], runs["results"]
    persons = _person_records(runs["warehouse"])
    assert set(GAP_RULES) <= set(expected)
    for name, result in results.items():
        assert result.status != "error", (name, result.error)
        flagged = [f.object_id for f in result.flagged]
        if name in PERSON_RULES:  # a person is named by its injected contact
            flagged = [next(iter(persons[pid] & set(expected[name])), pid) for pid in flagged]
        assert sorted(flagged) == sorted(expected.get(name, [])), name
        if result.unexpected_count is None:  # an aggregate (metric) rule: nothing injected, it passes
            assert result.status == "passed", name
        else:
            assert result.unexpected_count == len(expected.get(name, [])), name


def test_worklist_lists_each_gap_with_the_owner_who_can_fix_it(runs: dict[str, Any]) -> None:
    with duckdb.connect(str(runs["warehouse"]), read_only=True) as con:
        gaps = con.execute(
            "select rule, object_type, object_id, owner_id, owner_name from marts.dq_attribution_gaps "
            "where is_open"
        ).fetchall()
    assert {g[0] for g in gaps} == set(GAP_RULES)
    assert all(g[3] and g[4] for g in gaps), [g for g in gaps if not (g[3] and g[4])]
    for rule, object_type, object_id, owner_id, _ in gaps:
        if object_type == "opportunity":
            assert owner_id == runs["owners"][object_id], (rule, object_id)
    counts = {rule: sum(1 for g in gaps if g[0] == rule) for rule in GAP_RULES}
    assert counts == {rule: len(runs["expected"][rule]) for rule in GAP_RULES}


def test_gaps_fail_as_warnings_in_dagster_and_block_nothing(runs: dict[str, Any]) -> None:
    checks = runs["summary"].checks
    failed = {(c["asset"], c["name"]) for c in checks if not c["passed"]}
    assert failed and all(c["severity"] == "WARN" for c in checks if not c["passed"])
    assert ("marts/fct_opportunities", "fct_opportunities") in failed  # currency_code_known: a warning
    assert ("marts/dim_campaigns", "attribution_health") in failed  # 2 of 11 campaigns without cost
    assert runs["summary"].qualified_pipeline  # the marts downstream of the checks were built


def test_row_count_drop_fails_and_blocks(runs: dict[str, Any], tmp_path: Path) -> None:
    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(runs["warehouse"], warehouse)
    with connected(str(warehouse)) as conn:
        keep = conn.query("SELECT COUNT(*) FROM marts.fct_touchpoints")[0][0] * 4 // 10  # a 60 % drop
        conn.execute(
            "DELETE FROM marts.fct_touchpoints WHERE touchpoint_id NOT IN (SELECT touchpoint_id FROM "
            f"marts.fct_touchpoints ORDER BY touchpoint_id LIMIT {keep})"
        )
        conn.execute("UPDATE raw_salesforce._dlt_loads SET inserted_at = inserted_at - INTERVAL 30 HOUR")
    from data_quality.suites import freshness

    salesforce_only = for_datasets(freshness.rules(), {"raw_salesforce"})[0]
    report = run_suites(str(warehouse), rules=salesforce_only, reports_dir=str(tmp_path))
    statuses = {r.rule: (r.status, r.severity) for r in report.results}
    assert statuses.pop("row_count_drop__marts__fct_touchpoints") == ("failed", "error")
    assert statuses.pop("stale_source__raw_salesforce") == ("failed", "warn")
    assert {s for s, _ in statuses.values()} == {"passed"}
    assert report.blocking


def test_rules_of_sources_not_loaded_are_skipped_and_enabled_ones_are_not(
    runs: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's default: rules on raw datasets of sources that are neither enabled nor loaded are skipped
    (and named); a source that is enabled but never loaded is not skipped: its checks say so and block."""
    warehouse = tmp_path / Path(runs["warehouse"]).name  # same name: dbt's views name their catalog
    shutil.copy(runs["warehouse"], warehouse)
    other = {"raw_hubspot", "raw_marketo", "raw_ad_spend", "raw_product_events"}
    on_other = {r.name for r in all_rules() if r.asset.split(".")[0] in other}
    assert {"stale_source__raw_hubspot", "raw_id_unique__raw_marketo__activities"} <= on_other

    monkeypatch.delenv("ONEFUNNEL_SOURCES", raising=False)  # default: the datasets the warehouse has
    report = run_suites(str(warehouse), reports_dir=str(tmp_path))
    assert set(report.skipped) == on_other
    assert not {r.rule for r in report.results} & on_other
    assert "stale_source__raw_salesforce" in {r.rule for r in report.results}
    assert not [r for r in report.results if r.status == "error"]

    monkeypatch.setenv("ONEFUNNEL_SOURCES", "salesforce,hubspot")  # HubSpot enabled but never loaded
    report = run_suites(str(warehouse), suites=["freshness"], reports_dir=str(tmp_path))
    stale = report.result("stale_source__raw_hubspot")
    assert stale.status == "error" and "raw_hubspot" in (stale.error or "")
    assert report.blocking
    assert not any(name.startswith("stale_source__raw_hubspot") for name in report.skipped)


def test_a_raw_table_not_created_is_checked_as_empty(runs: dict[str, Any], tmp_path: Path) -> None:
    """dlt creates a raw table only once its resource returned rows (a marketing-only HubSpot portal has no
    deals table): its key rules pass on no rows and say so, and a drop to nothing still fails."""
    warehouse = tmp_path / Path(runs["warehouse"]).name
    shutil.copy(runs["warehouse"], warehouse)
    with connected(str(warehouse)) as conn:
        conn.execute("DROP TABLE raw_salesforce.opportunity_contact_role")
    names = {
        "raw_id_not_null__opportunity_contact_role",
        "raw_id_unique__opportunity_contact_role",
        "row_count_drop__raw_salesforce__opportunity_contact_role",
        "row_count_drop__raw_salesforce__opportunity",
    }
    report = run_suites(
        str(warehouse), rules=[r for r in all_rules() if r.name in names], reports_dir=str(tmp_path)
    )
    for name in ("raw_id_not_null__opportunity_contact_role", "raw_id_unique__opportunity_contact_role"):
        result = report.result(name)
        assert result.status == "passed" and not result.unexpected_count, result
        assert "does not exist" in (result.observed_value or "")
    dropped = report.result("row_count_drop__raw_salesforce__opportunity_contact_role")
    assert dropped.status == "failed" and dropped.severity == "error"  # it had rows at the last evaluation
    assert report.result("row_count_drop__raw_salesforce__opportunity").status == "passed"
