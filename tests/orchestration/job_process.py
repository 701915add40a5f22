"""Run one onefunnel job in this process (for tests that need a second process or one to kill).

python tests/orchestration/job_process.py history|nightly-subset [--instance]
Uses the environment as given (warehouse, sandbox URL); ``--instance`` runs on $DAGSTER_HOME.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_helpers import review_selection, run_job  # noqa: E402

from orchestration.backfill import RANGE_END_TAG, RANGE_START_TAG  # noqa: E402
from orchestration.definitions import defs  # noqa: E402


def main(argv: list[str]) -> int:
    definitions = defs()
    instance = dg.DagsterInstance.get() if "--instance" in argv else dg.DagsterInstance.ephemeral()
    if argv[0] == "history":
        tags = {RANGE_START_TAG: "2020-01", RANGE_END_TAG: dt.date.today().strftime("%Y-%m")}
        result = run_job(definitions, "salesforce_history_backfill", instance=instance, tags=tags)
    else:
        result = run_job(
            definitions, "nightly", instance=instance, selection=review_selection(definitions, True)
        )
    print(f"JOB_RESULT {'success' if result.success else 'failure'} {result.run_id}", flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
