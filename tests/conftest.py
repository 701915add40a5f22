"""Project-wide test settings: no telemetry, no network, Dagster on a throwaway instance."""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.pop("DAGSTER_HOME", None)  # tests use ephemeral Dagster instances
