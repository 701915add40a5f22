"""`make backfill START=2024-01 END=2026-09`: load each enabled source's history by month, then rebuild.

python -m orchestration.backfill --start 2024-01 --end 2026-09                     # the sandbox company
python -m orchestration.backfill --start 2024-01 --end 2026-09 --source real       # the configured systems
python -m orchestration.backfill --start 2024-01 --end 2026-09 --sources hubspot   # one source only

For every source in ``--sources`` (default: ``ONEFUNNEL_SOURCES``, itself defaulting to salesforce) that
has history partitions, the months ``START``..``END`` (inclusive) run as one Dagster run of its backfill
job: ``salesforce_history_backfill`` (one SystemModstamp window ``[START, month after END)`` per object,
merged on Id), ``hubspot_history_backfill`` (one last-modified window per CRM object, merged on id),
``marketo_history_backfill`` (activities by activity date, the leads they name), ``ad_spend_history_backfill``
(the platform-days of the window replaced) and ``product_events_history_backfill`` (events by event time).
Then the ``build`` job rebuilds the dbt project and runs the checks. The nightly incremental cursors are
not touched: each backfill runs under its own dlt pipeline name. On the sandbox, the emulators and files
of the backfilled sources are served even when the default stack does not hold them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# source -> its history backfill job (sources without one load whole on every nightly run)
BACKFILL_JOBS: dict[str, str] = {
    "salesforce": "salesforce_history_backfill",
    "hubspot": "hubspot_history_backfill",
    "marketo": "marketo_history_backfill",
    "ad_spend": "ad_spend_history_backfill",
    "product_events": "product_events_history_backfill",
}


def _instance() -> Any:
    import dagster as dg

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def backfill_sources(requested: Sequence[str] | None = None) -> list[str]:
    """The sources to backfill, in load order: ``requested`` or the enabled ones; unknown names are refused."""
    from orchestration.defs.hubspot import enabled_sources

    names = [s.strip().lower() for s in requested if s.strip()] if requested else sorted(enabled_sources())
    unknown = [s for s in names if s not in BACKFILL_JOBS]
    if requested and unknown:
        raise ValueError(f"no history backfill for {', '.join(unknown)}; known: {', '.join(BACKFILL_JOBS)}")
    for name in unknown:  # enabled, but loaded whole each night: nothing to backfill
        print(f"onefunnel backfill: {name} has no history partitions, skipped", flush=True)
    return [s for s in BACKFILL_JOBS if s in names]


def history_job(source: str) -> Any:
    """The source's backfill job over its history asset alone: a run needs none of the rest of the code
    location (the dbt project is loaded only for the build), and it runs whether or not the source is
    enabled in the code location."""
    import dagster as dg

    if source == "hubspot":
        from orchestration.defs.hubspot_history import hubspot_history_job, hubspot_history_windows

        assets, job = hubspot_history_windows, hubspot_history_job()
    elif source == "marketo":
        from orchestration.defs.marketo_history import marketo_history_job, marketo_history_windows

        assets, job = marketo_history_windows, marketo_history_job()
    elif source == "ad_spend":
        from orchestration.defs.files_history import ad_spend_history_job, ad_spend_history_windows

        assets, job = ad_spend_history_windows, ad_spend_history_job()
    elif source == "product_events":
        from orchestration.defs.files_history import (
            product_events_history_job,
            product_events_history_windows,
        )

        assets, job = product_events_history_windows, product_events_history_job()
    else:
        from orchestration.definitions import history_backfill_job
        from orchestration.defs.salesforce_history import salesforce_history_windows

        assets, job = salesforce_history_windows, history_backfill_job()
    return dg.Definitions(assets=[assets], jobs=[job]).resolve_job_def(BACKFILL_JOBS[source])


def execute_backfill(start: str, end: str, build: bool = True, sources: Sequence[str] | None = None) -> bool:
    """Run the month range ``start``..``end`` (``YYYY-MM``) of each source as one run, then the build job;
    True if all passed. A failed source stops the backfill before the build."""
    instance = _instance()
    for source in backfill_sources(sources):
        result = history_job(source).execute_in_process(
            instance=instance, tags={RANGE_START_TAG: start, RANGE_END_TAG: end}, raise_on_error=False
        )
        status = "succeeded" if result.success else "FAILED"
        print(f"onefunnel backfill {source} {start}..{end}: {status} (run {result.run_id})", flush=True)
        if not result.success:
            return False
    if not build:
        return True
    from orchestration.definitions import BUILD_JOB_NAME, defs

    built = defs().resolve_job_def(BUILD_JOB_NAME).execute_in_process(instance=instance, raise_on_error=False)
    print(f"onefunnel build after backfill: {'succeeded' if built.success else 'FAILED'}", flush=True)
    return built.success


@contextlib.contextmanager
def _sandbox(scale: float, sources: Sequence[str]) -> Iterator[None]:
    """The sandbox company's emulators; HubSpot's and Marketo's too, and the spend and product-event files,
    when those sources are backfilled and neither the sandbox stack nor the environment serves them."""
    from orchestration.sandbox import hubspot_env, marketo_env, running_sandbox

    with running_sandbox(scale=scale) as session, contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        if "hubspot" in sources and not os.environ.get("SOURCES__HUBSPOT__BASE_URL"):
            from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
            from ingestion.sandbox.hubspot_shapes import portal_from_org

            hs = stack.enter_context(HubSpotEmulator(portal_from_org(session.company.salesforce)))
            env.update(hubspot_env(hs.base_url, hs.token))
        if "marketo" in sources and not os.environ.get("SOURCES__MARKETO__BASE_URL"):
            from ingestion.sandbox.marketo_emulator import MarketoEmulator
            from ingestion.sandbox.marketo_shapes import instance_from_org

            mk = stack.enter_context(MarketoEmulator(instance_from_org(session.company.salesforce)))
            env.update(marketo_env(mk.base_url, mk.client_id, mk.client_secret))
        files = [
            s
            for s in ("ad_spend", "product_events")
            if s in sources and not os.environ.get(f"SOURCES__{s.upper()}__BUCKET_URL")
        ]
        if files:  # written beside the warehouse, as `make run` does
            from orchestration.defs.files import sandbox_files_env

            written = sandbox_files_env(session.company, session.ground_truth_path.parent / "files")
            env.update({k: v for k, v in written.items() if any(f"__{s.upper()}__" in k for s in files)})
        os.environ.update(env)
        stack.callback(lambda: [os.environ.pop(k, None) for k in env])
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--start", required=True, help="first month, YYYY-MM")
    parser.add_argument("--end", required=True, help="last month, YYYY-MM (inclusive)")
    parser.add_argument("--source", choices=["sandbox", "real"], default="sandbox")
    parser.add_argument(
        "--sources",
        default="",
        help=f"comma list of sources to backfill ({', '.join(BACKFILL_JOBS)}); default ONEFUNNEL_SOURCES",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="sandbox company size")
    parser.add_argument("--no-build", action="store_true", help="load only; do not rebuild dbt")
    args = parser.parse_args(argv)
    try:
        sources = backfill_sources(args.sources.split(",") if args.sources else None)
    except ValueError as e:
        parser.error(str(e))
    if args.source == "sandbox":
        with _sandbox(args.scale, sources):
            ok = execute_backfill(args.start, args.end, build=not args.no_build, sources=sources)
    else:
        ok = execute_backfill(args.start, args.end, build=not args.no_build, sources=sources)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
