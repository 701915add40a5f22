"""The dbt project as Dagster assets; dbt sources carry the dlt asset keys, so lineage is one graph."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration import settings
from orchestration.dbt_manifest import dbt_env, dbt_project, dbt_target_args, dbt_vars_args, ensure_manifest

# after orchestration.dbt_manifest, which loads dagster_dbt without dbt-core (orchestration.dbt_import)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets  # isort: skip


class OnefunnelDbtTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed ``[schema, name]`` (``marts/fct_pipeline``); sources keep the dlt key."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = (dbt_resource_props.get("config") or {}).get("schema") or dbt_resource_props.get("schema")
        return dg.AssetKey([schema or "dbt", dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        schema = (dbt_resource_props.get("config") or {}).get("schema")
        return schema or "dbt"


def build_dbt_assets() -> dg.AssetsDefinition:
    manifest = ensure_manifest()

    @dbt_assets(
        manifest=manifest,
        project=dbt_project(),
        dagster_dbt_translator=OnefunnelDbtTranslator(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True, enable_source_tests_as_checks=True
            )
        ),
        pool=settings.DUCKDB_WRITER_POOL,
    )
    def onefunnel_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        """Build seeds, staging, intermediate models and marts, and run their dbt data tests.

        dbt unit tests check SQL logic on fixed inputs, not data: they run in ``make test``
        (tests/dbt), not in every production run (dbt's advice; about a minute saved per run).
        """
        # dbt runs from dbt_project/: hand it the resolved (absolute) warehouse, not a relative path. The
        # environment, --target and --vars are those of prepare_manifest's parse, so dbt reuses that parse
        # (partial_parse.msgpack, copied by dagster-dbt) instead of parsing the project again.
        os.environ.update(dbt_env())
        build = ["build", "--exclude-resource-type", "unit_test", *dbt_target_args(), *dbt_vars_args()]
        yield from dbt.cli(build, context=context).stream()

    return onefunnel_dbt


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(settings.DBT_PROJECT_DIR),
        # the dbt installed beside this interpreter (.venv/bin/dbt), whether or not .venv/bin is on PATH
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
    )
