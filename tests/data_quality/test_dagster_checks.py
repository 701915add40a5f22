"""The suites as blocking Dagster asset checks: an error stops downstream assets, a warning does not,
and a rule that cannot be evaluated is an execution error carrying the exception, not failing data."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from data_quality.connection import connected
from orchestration.defs.quality import quality_checks

VALIDATED = dg.AssetKey(["marts", "fct_opportunities"])
DOWNSTREAM = dg.AssetKey(["reports", "board_deck"])


def _run(warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.ExecuteInProcessResult:
    """Materialize a stand-in for the validated mart (the warehouse is prebuilt), its checks and a
    tiny asset downstream of it."""
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", warehouse)
    monkeypatch.setenv("ONEFUNNEL_REPORTS_DIR", str(tmp_path / "reports"))

    @dg.asset(key=VALIDATED)
    def fct_opportunities() -> None:
        """Already in the test warehouse."""

    @dg.asset(key=DOWNSTREAM, deps=[VALIDATED])
    def board_deck() -> None:
        """Reads the validated mart."""

    job = dg.define_asset_job("validate", selection=dg.AssetSelection.all())
    defs = dg.Definitions(
        assets=[fct_opportunities, board_deck], asset_checks=quality_checks([VALIDATED]), jobs=[job]
    )
    return defs.resolve_job_def("validate").execute_in_process(raise_on_error=False)


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    return {e.check_name: (e.passed, e.severity.value) for e in result.get_asset_check_evaluations()}


def test_error_severity_failure_stops_downstream(dirty_warehouse: str, tmp_path, monkeypatch) -> None:
    result = _run(dirty_warehouse, tmp_path, monkeypatch)
    assert _checks(result)["fct_opportunities"] == (False, "ERROR")  # e.g. a duplicated opportunity id
    assert VALIDATED in _materialized(result) and DOWNSTREAM not in _materialized(result)
    assert not result.success


def test_warning_does_not_stop_downstream(clean_warehouse: str, tmp_path, monkeypatch) -> None:
    result = _run(clean_warehouse, tmp_path, monkeypatch)
    checks = _checks(result)
    assert checks["fct_opportunities"] == (True, "WARN")
    assert checks["attribution_health"] == (False, "WARN")  # no contact ever touched marketing
    assert DOWNSTREAM in _materialized(result) and result.success


def test_broken_expectation_is_an_error_not_failing_data(clean_warehouse: str, tmp_path, monkeypatch) -> None:
    with connected(clean_warehouse) as conn:
        conn.execute("ALTER TABLE marts.fct_opportunities DROP COLUMN close_date")
    result = _run(clean_warehouse, tmp_path, monkeypatch)
    assert "fct_opportunities" not in _checks(result)  # no pass/fail verdict on data it could not read
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.to_string() if failure.step_failure_data.error else ""
    assert "DataQualityError" in message and "close_date_not_null" in message and "close_date" in message
    assert DOWNSTREAM not in _materialized(result)
    with connected(clean_warehouse) as conn:
        row = conn.query(
            "SELECT status, success, error FROM marts.dq_results WHERE expectation = 'close_date_not_null'"
        )
    assert row[0][0] == "error" and row[0][1] is None and "close_date" in row[0][2]


def test_a_source_is_checked_for_freshness_only_when_its_tables_are_assets() -> None:
    import dagster as dg

    from orchestration.defs.quality import check_groups

    salesforce = dg.AssetKey(["raw_salesforce", "opportunity"])
    hubspot = dg.AssetKey(["raw_hubspot", "deals"])
    only_salesforce = check_groups({salesforce})
    assert ("freshness", "raw_salesforce.opportunity") in only_salesforce["raw"]
    assert not any(table.startswith("raw_hubspot") for _, table in only_salesforce["raw"])
    both = check_groups({salesforce, hubspot})
    assert "stale_source__raw_hubspot" in both["raw"][("freshness", "raw_hubspot.deals")]
