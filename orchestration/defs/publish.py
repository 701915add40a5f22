"""``published_marts``: the checked marts copied to the read-only target BI tools query.

The asset depends on every mart, so it runs after dbt and after the data-quality checks of those
marts: the checks are blocking, and a failed error-severity check (or one that could not be
evaluated) stops it, leaving the previously published version in place. The copy itself reads the live
warehouse, so it is in the ``duckdb_writer`` pool: it never opens the file while a writer has it.
See ``orchestration/publish.py`` for the DuckDB file swap and the PostgreSQL transaction.
"""

from collections.abc import Collection

import dagster as dg

from orchestration import settings

PUBLISHED_MARTS_KEY = dg.AssetKey(["published", "marts"])


def mart_keys() -> list[dg.AssetKey]:
    """The ``marts`` models of the dbt manifest (read without loading the dbt assets)."""
    from orchestration.defs.quality import defined_assets

    return sorted(k for k in defined_assets() if k.path[0] == "marts")


def published_marts_asset(marts: Collection[dg.AssetKey] | None = None) -> dg.AssetsDefinition:
    """The publish step, downstream of ``marts`` (default: every mart of the dbt project)."""
    deps = sorted(marts) if marts is not None else mart_keys()

    @dg.asset(
        key=PUBLISHED_MARTS_KEY,
        deps=deps,
        group_name="published",
        kinds={"duckdb", "postgres"},
        pool=settings.DUCKDB_WRITER_POOL,
        description="The marts of a run whose error-severity checks passed, published atomically: "
        "data/published/marts.duckdb (DuckDB) or the marts_published schema (PostgreSQL).",
    )
    def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from orchestration.publish import publish

        result = publish(run_id=context.run.run_id, log=context.log.info)
        return dg.MaterializeResult(
            metadata={
                "target": dg.MetadataValue.text(result.target),
                "version": dg.MetadataValue.text(result.version),
                "published_at": dg.MetadataValue.text(result.published_at.isoformat() + "Z"),
                "tables": dg.MetadataValue.int(len(result.row_counts)),
                "rows": dg.MetadataValue.int(sum(result.row_counts.values())),
                "row_counts": dg.MetadataValue.json(result.row_counts),
                "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
                "pruned": dg.MetadataValue.json(result.pruned),
            }
        )

    return published_marts
