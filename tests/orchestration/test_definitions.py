"""The Dagster code location: what it defines and how the pieces are wired."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from orchestration import settings
from orchestration.definitions import defs


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


def _key(path: str) -> dg.AssetKey:
    return dg.AssetKey(path.split("/"))


def test_raw_tables_and_marts_are_one_lineage_graph(definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for table in ("opportunity", "opportunity_history", "opportunity_contact_role", "user"):
        assert f"raw_salesforce/{table}" in keys
    for mart in ("dim_accounts", "dim_persons", "fct_opportunities", "fct_pipeline"):
        assert f"marts/{mart}" in keys
    # the dbt staging model reads the dlt-loaded table: an edge, not a second, disconnected asset
    staging = graph.get(_key("staging/stg_salesforce__opportunities"))
    assert _key("raw_salesforce/opportunity") in staging.parent_keys
    assert _key("marts/fct_pipeline") in _descendants(graph, _key("raw_salesforce/opportunity_history"))


def _descendants(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for child in graph.get(todo.pop()).child_keys:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_every_warehouse_writer_is_in_the_duckdb_pool(definitions: dg.Definitions) -> None:
    job = definitions.resolve_job_def("nightly")
    pools = {node.name: node.definition.pool for node in job.graph.node_dict.values()}
    assert pools["salesforce_raw"] == settings.DUCKDB_WRITER_POOL
    assert pools["onefunnel_dbt"] == settings.DUCKDB_WRITER_POOL
    assert pools["data_quality_suites"] == settings.DUCKDB_WRITER_POOL


def test_data_quality_suites_are_blocking_checks_on_the_tables_they_validate(
    definitions: dg.Definitions,
) -> None:
    graph = definitions.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("marts/fct_opportunities", "fct_opportunities") in checks
    assert ("marts/fct_opportunities", "attribution_health") in checks
    spec = next(
        s
        for a in definitions.asset_checks or []
        for s in a.check_specs
        if s.name == "fct_opportunities" and s.asset_key == _key("marts/fct_opportunities")
    )
    assert spec.blocking


def test_nightly_schedule_runs_the_nightly_job_at_two_in_the_configured_zone(
    definitions: dg.Definitions, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = definitions.resolve_schedule_def("nightly_schedule")
    assert schedule.job_name == "nightly"
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    tick = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        requests = schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1 and requests[0].job_name in (None, "nightly")
    monkeypatch.setenv("ONEFUNNEL_TIMEZONE", "Europe/Berlin")
    assert defs().resolve_schedule_def("nightly_schedule").execution_timezone == "Europe/Berlin"


def test_warehouse_setting_resolves_relative_paths_against_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", "data/x.duckdb")
    assert settings.warehouse() == str(settings.REPO_ROOT / "data" / "x.duckdb")
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", "postgresql://postgres@127.0.0.1/onefunnel")
    assert settings.is_postgres()
    monkeypatch.delenv("ONEFUNNEL_WAREHOUSE")
    assert settings.warehouse().endswith("data/warehouse.duckdb")


def test_hubspot_assets_join_the_graph_only_when_enabled() -> None:
    """A fresh process per setting, as a deployment loads it (dagster-dbt caches a manifest it has read)."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json; from orchestration.definitions import defs; "
        "g = defs().resolve_asset_graph(); "
        "print(json.dumps({k.to_user_string(): sorted(p.to_user_string() for p in g.get(k).parent_keys) "
        "for k in g.get_all_asset_keys()}))"
    )

    def graph(sources: str) -> dict[str, list[str]]:
        env = {**os.environ, "ONEFUNNEL_SOURCES": sources}
        out = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.REPO_ROOT,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    without = graph("salesforce")
    assert not any(k.startswith(("raw_hubspot/", "staging/stg_hubspot")) for k in without)
    with_hubspot = graph("salesforce,hubspot")
    assert {"raw_hubspot/deals", "raw_hubspot/contacts", "raw_hubspot/associations"} <= set(with_hubspot)
    # the manifest was re-parsed with hubspot_enabled: the staging model reads the dlt table
    assert "raw_hubspot/deals" in with_hubspot["staging/stg_hubspot__deals"]
    graph("salesforce")  # leave the manifest as the rest of the suite expects
