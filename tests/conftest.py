"""Project-wide test settings: no telemetry, no network, Dagster on a throwaway instance."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.pop("DAGSTER_HOME", None)  # tests use ephemeral Dagster instances


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    """Parallel runs (pytest-xdist, ``--dist loadgroup``) keep each test module on one worker, so its
    module fixtures (a pipeline run, a dbt build) run once; modules that share a session fixture carry
    one ``xdist_group`` mark and land on the same worker."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
