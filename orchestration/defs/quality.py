"""Great Expectations suites (``data_quality/``) as Dagster asset checks.

One check per (suite, table it validates), e.g. ``marts/fct_opportunities:attribution_health``, all
blocking. The checks run as one step per layer: ``data_quality_raw_suites`` on the raw tables (after
the load, before dbt) and ``data_quality_suites`` on the marts (after dbt); one step per layer because
dbt depends on the raw tables, so a single step over both would wait on itself.

* A failed ``error``-severity rule fails its check with severity ERROR: Dagster stops the assets
  downstream of the validated table. A failed ``warn`` rule fails with severity WARN: nothing stops.
* A rule that could not be evaluated (missing table or column, SQL error) is not bad data: its check
  gets no result, and the step raises :class:`DataQualityError` carrying the exception, so Dagster
  records the check as an execution failure and stops everything downstream.
* A (suite, table) pair whose table is not an asset of the code location is not registered (e.g. the
  ``attribution_coverage`` suite until ``marts.fct_attribution`` is built by dbt).
"""

import json
from collections import defaultdict
from collections.abc import Collection, Iterator
from pathlib import Path

import dagster as dg

from orchestration import settings

Groups = dict[tuple[str, str], list[str]]
STEP_NAMES = {"raw": "data_quality_raw_suites", "marts": "data_quality_suites"}


class DataQualityError(Exception):
    """Some rules could not be evaluated; the message lists each with its exception."""


def _asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def _layer(table: str) -> str:
    return "raw" if table.startswith("raw_") else "marts"


def defined_assets() -> set[dg.AssetKey]:
    """Raw dlt tables and dbt models of this code location, read without loading dbt assets."""
    from orchestration.dbt_manifest import ensure_manifest
    from orchestration.defs.sources import source_asset_keys

    keys = source_asset_keys()
    nodes = json.loads(Path(ensure_manifest()).read_text(encoding="utf-8")).get("nodes", {})
    for node in nodes.values():
        if node.get("resource_type") in ("model", "seed"):
            schema = (node.get("config") or {}).get("schema") or node.get("schema") or "dbt"
            keys.add(dg.AssetKey([schema, node["name"]]))
    return keys


def check_groups(asset_keys: Collection[dg.AssetKey]) -> dict[str, Groups]:
    """layer -> (suite, table) -> rule names, for tables that are assets (no GX import)."""
    from data_quality import suite_names, suite_rules

    layers: dict[str, Groups] = defaultdict(lambda: defaultdict(list))
    for suite in suite_names():
        for rule in suite_rules(suite):
            if _asset_key(rule.asset) in asset_keys:
                layers[_layer(rule.asset)][(suite, rule.asset)].append(rule.name)
    return {layer: dict(groups) for layer, groups in layers.items()}


def quality_checks(asset_keys: Collection[dg.AssetKey] | None = None) -> list[dg.AssetChecksDefinition]:
    """The blocking checks, one step per layer; ``asset_keys`` defaults to this code location's assets."""
    layers = check_groups(defined_assets() if asset_keys is None else set(asset_keys))
    return [_layer_check(STEP_NAMES[layer], groups) for layer, groups in layers.items() if groups]


def _layer_check(name: str, groups: Groups) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            name=suite,
            asset=_asset_key(table),
            blocking=True,
            description=f"Great Expectations suite `{suite}` on {table}: {', '.join(rules)}",
        )
        for (suite, table), rules in groups.items()
    ]
    selected = {rule for rules in groups.values() for rule in rules}

    @dg.multi_asset_check(specs=specs, name=name, pool=settings.DUCKDB_WRITER_POOL)
    def _check(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        """Evaluate the layer's rules, keep results in marts.dq_results and the worklist, write the report."""
        from data_quality import run_suites
        from data_quality.suites import all_rules

        report = run_suites(
            warehouse=settings.warehouse(),
            run_id=context.run.run_id,
            reports_dir=str(settings.reports_dir()),
            rules=[r for r in all_rules() if r.name in selected],
        )
        context.log.info(
            f"data quality: {report.count('passed')} passed, {report.count('failed')} failed, "
            f"{report.count('error')} errored in {report.duration_s:.1f}s; report {report.report_path}"
        )
        errored = [r for r in report.results if r.status == "error"]
        for (suite, table), _ in groups.items():
            results = [r for r in report.results if r.suite == suite and r.asset == table]
            if any(r.status == "error" for r in results):
                continue  # no result: recorded as an execution failure by the raise below
            yield dg.AssetCheckResult(
                asset_key=_asset_key(table),
                check_name=suite,
                passed=all(r.passed for r in results),
                severity=dg.AssetCheckSeverity.ERROR
                if any(r.blocking for r in results)
                else dg.AssetCheckSeverity.WARN,
                metadata={
                    r.rule: dg.MetadataValue.text(
                        f"{r.status} ({r.severity}): {r.unexpected_count or 0} unexpected of "
                        f"{r.evaluated_count if r.evaluated_count is not None else '?'}"
                        + (
                            f"; observed {r.observed_value}"
                            if r.object_type is None and r.observed_value
                            else ""
                        )
                    )
                    for r in results
                }
                | {"report": dg.MetadataValue.path(report.report_path or "")},
            )
        if errored:
            raise DataQualityError(
                f"{len(errored)} data-quality rule(s) could not be evaluated:\n"
                + "\n".join(f"{r.suite}/{r.rule} on {r.asset}: {r.error}" for r in errored)
            )

    return _check
