"""Run one HubSpot load in this process, for the tests that kill it (SIGKILL) part-way.

python tests/ingestion/hubspot/hs_load_process.py WAREHOUSE PIPELINES_DIR BASE_URL [--pause-in-load]

The token comes from ``SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN`` (never the command line).
``--pause-in-load`` stops for a minute right after dlt finished its first load job of the package (some
tables written, others and the merges not yet) and prints ``LOAD_PAUSED``, so a test can kill it there.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _pause_after_first_load_job() -> None:
    from dlt.load.load import Load

    original = Load.complete_jobs
    paused = False

    def complete_jobs(self: Any, load_id: str, jobs: Any, schema: Any) -> Any:
        nonlocal paused
        remaining, finalized, error = original(self, load_id, jobs, schema)
        if finalized and not paused:
            paused = True
            print(f"LOAD_PAUSED {len(finalized)} jobs done, {len(remaining)} running", flush=True)
            time.sleep(60)
        return remaining, finalized, error

    Load.complete_jobs = complete_jobs  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    from ingestion.pipelines import run_hubspot

    warehouse, pipelines_dir, base_url = argv[:3]
    if "--pause-in-load" in argv:
        _pause_after_first_load_job()
    counts = run_hubspot(warehouse, pipelines_dir, base_url=base_url)
    print(f"LOAD_DONE {sum(counts.values())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
