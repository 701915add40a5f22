"""The review pages as Dagster assets: ``reports/<cadence>_review_page``, one per cadence.

Each reads its ``marts/rpt_*`` review (and the marts its charts need) and writes
``<ONEFUNNEL_REPORTS_DIR>/<cadence>/<period>.html`` plus the index. The period is the one a review
schedule's run is tagged with (``onefunnel/reviewed_period_start``, the period that just ended), else
the latest complete period at ``ONEFUNNEL_AS_OF_DATE`` (today in UTC when unset). The pages only read
the warehouse, but DuckDB refuses a reader while another process writes, so the step takes the writer
pool like every warehouse step.
"""

import datetime as dt

import dagster as dg

from orchestration import settings

REVIEWED_PERIOD_TAG = "onefunnel/reviewed_period_start"
# cadence of reporting.queries.CADENCES -> the dbt asset key of its review
REVIEW_TABLES = {
    "weekly": "rpt_weekly_pipeline_review",
    "monthly": "rpt_monthly_marketing_review",
    "quarterly": "rpt_quarterly_business_review",
}


def review_page_key(cadence: str) -> dg.AssetKey:
    return dg.AssetKey(["reports", f"{cadence}_review_page"])


def _period_label(cadence: str, start: dt.date) -> str:
    if cadence == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == "monthly":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def _review_page_asset(cadence: str) -> dg.AssetsDefinition:
    table = REVIEW_TABLES[cadence]

    @dg.asset(
        key=review_page_key(cadence),
        deps=[dg.AssetKey(["marts", table])],
        group_name="reports",
        kinds={"html"},
        pool=settings.DUCKDB_WRITER_POOL,
        description=f"Static HTML page of marts.{table} with inline SVG charts, and the reports index.",
    )
    def _page(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from reporting import write_reports

        tagged = context.run.tags.get(REVIEWED_PERIOD_TAG)
        period = _period_label(cadence, dt.date.fromisoformat(tagged)) if tagged else None
        paths = write_reports(
            warehouse=settings.warehouse(),
            out_dir=settings.reports_dir(),
            cadences=[cadence],
            period=period,
            log=context.log.info,
        )
        page, index = paths[0], paths[-1]
        return dg.MaterializeResult(
            metadata={
                "period": dg.MetadataValue.text(page.stem),
                "path": dg.MetadataValue.path(str(page)),
                "index": dg.MetadataValue.path(str(index)),
            }
        )

    return _page


def review_page_assets() -> list[dg.AssetsDefinition]:
    """One page asset per cadence (weekly, monthly, quarterly)."""
    return [_review_page_asset(cadence) for cadence in REVIEW_TABLES]
