"""The nightly raw loads of every enabled source, in one place for the jobs and the data-quality checks."""

from __future__ import annotations

import dagster as dg


def source_assets() -> list[dg.AssetsDefinition]:
    """Raw-load assets of the sources ``ONEFUNNEL_SOURCES`` enables (read when the definitions load)."""
    from orchestration.defs.files import files_assets
    from orchestration.defs.hubspot import hubspot_assets
    from orchestration.defs.marketo import marketo_assets
    from orchestration.defs.salesforce import salesforce_assets

    return [*salesforce_assets(), *hubspot_assets(), *marketo_assets(), *files_assets()]


def source_asset_keys() -> set[dg.AssetKey]:
    return {key for assets in source_assets() for key in assets.keys}
