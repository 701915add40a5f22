"""`make backfill START=2024-01 END=2026-09`: load Salesforce history by month, then rebuild.

python -m orchestration.backfill --start 2024-01 --end 2026-09                 # the sandbox company
python -m orchestration.backfill --start 2024-01 --end 2026-09 --source real   # the configured org

The months ``START``..``END`` (inclusive) run as one Dagster run of ``salesforce_history_backfill``
(one SystemModstamp window ``[START, month after END)`` per object, merged on Id), then the ``build``
job rebuilds the dbt project and runs the checks. The nightly incremental cursor is not touched.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _instance() -> Any:
    import os

    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def execute_backfill(start: str, end: str, build: bool = True) -> bool:
    """Run the month range ``start``..``end`` (``YYYY-MM``) as one run, then the build job; True if all passed."""
    from orchestration.definitions import BUILD_JOB_NAME, defs

    definitions = defs()
    instance = _instance()
    job = definitions.resolve_job_def("salesforce_history_backfill")
    result = job.execute_in_process(
        instance=instance, tags={RANGE_START_TAG: start, RANGE_END_TAG: end}, raise_on_error=False
    )
    print(f"onefunnel backfill {start}..{end}: {'succeeded' if result.success else 'FAILED'}", flush=True)
    if not result.success or not build:
        return result.success
    built = definitions.resolve_job_def(BUILD_JOB_NAME).execute_in_process(
        instance=instance, raise_on_error=False
    )
    print(f"onefunnel build after backfill: {'succeeded' if built.success else 'FAILED'}", flush=True)
    return built.success


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--start", required=True, help="first month, YYYY-MM")
    parser.add_argument("--end", required=True, help="last month, YYYY-MM (inclusive)")
    parser.add_argument("--source", choices=["sandbox", "real"], default="sandbox")
    parser.add_argument("--scale", type=float, default=1.0, help="sandbox company size")
    parser.add_argument("--no-build", action="store_true", help="load only; do not rebuild dbt")
    args = parser.parse_args(argv)
    if args.source == "sandbox":
        from orchestration.sandbox import running_sandbox

        with running_sandbox(scale=args.scale):
            ok = execute_backfill(args.start, args.end, build=not args.no_build)
    else:
        ok = execute_backfill(args.start, args.end, build=not args.no_build)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
