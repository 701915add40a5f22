"""The Dagster code location: raw dlt tables, the dbt project, data-quality checks, cadences."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.dbt_models import build_dbt_assets, dbt_resource
from orchestration.defs.quality import quality_checks
from orchestration.defs.salesforce import salesforce_raw
from orchestration.defs.schedules import nightly_job, nightly_schedule


@dg.definitions
def defs() -> dg.Definitions:
    job = nightly_job()
    return dg.Definitions(
        assets=[salesforce_raw, build_dbt_assets()],
        asset_checks=quality_checks(),
        jobs=[job],
        schedules=[nightly_schedule(job)],
        resources={"dbt": dbt_resource()},
    )
