"""Great Expectations suites (``data_quality/``) as Dagster asset checks.

One check per (suite, table it validates), e.g. ``marts/fct_opportunities:attribution_health``. All
suites are evaluated in one step with one warehouse connection, so results and the worklist are
written once per run and the HTML report covers every suite. Error-severity checks are blocking:
a failure stops assets downstream of the validated table; warnings are reported and do not block.
A rule that could not be evaluated (missing column, SQL error) is an error carrying the exception,
never reported as bad data.
"""

from collections import defaultdict

import dagster as dg

from orchestration import settings


def _asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def _check_groups() -> dict[tuple[str, str], list[str]]:
    """(suite, table) -> rule names, from the suites' declarations (no GX import)."""
    from data_quality import suite_names, suite_rules

    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for suite in suite_names():
        for rule in suite_rules(suite):
            groups[(suite, rule.asset)].append(rule.name)
    return dict(groups)


def quality_checks() -> list[dg.AssetChecksDefinition]:
    groups = _check_groups()
    specs = [
        dg.AssetCheckSpec(
            name=suite,
            asset=_asset_key(table),
            blocking=True,
            description=f"Great Expectations suite `{suite}` on {table}: {', '.join(rules)}",
        )
        for (suite, table), rules in groups.items()
    ]

    @dg.multi_asset_check(specs=specs, name="data_quality_suites", pool=settings.DUCKDB_WRITER_POOL)
    def data_quality_suites(context: dg.AssetCheckExecutionContext):
        """Evaluate every suite, keep results in marts.dq_results and the worklist, write the report."""
        from data_quality import run_suites

        report = run_suites(
            warehouse=settings.warehouse(),
            run_id=context.run.run_id,
            reports_dir=str(settings.reports_dir()),
        )
        context.log.info(
            f"data quality: {report.count('passed')} passed, {report.count('failed')} failed, "
            f"{report.count('error')} errored in {report.duration_s:.1f}s; report {report.report_path}"
        )
        for (suite, table), _ in groups.items():
            results = [r for r in report.results if r.suite == suite and r.asset == table]
            blocking = any(r.blocking for r in results)
            yield dg.AssetCheckResult(
                asset_key=_asset_key(table),
                check_name=suite,
                passed=all(r.passed for r in results),
                severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                metadata={
                    r.rule: dg.MetadataValue.text(
                        f"{r.status} ({r.severity}): {r.unexpected_count or 0} unexpected of "
                        f"{r.evaluated_count if r.evaluated_count is not None else '?'}"
                        + (f"; error: {r.error}" if r.error else "")
                    )
                    for r in results
                }
                | {"report": dg.MetadataValue.path(report.report_path or "")},
            )

    return [data_quality_suites]
