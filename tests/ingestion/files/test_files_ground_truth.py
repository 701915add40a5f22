"""The sandbox company's spend files and product events, loaded by the file sources and built with dbt,
reconcile with the sandbox's ground truth (computed in plain Python by ingestion/sandbox): marketing spend
per channel and month with ad-platform spend folded in, and signups / activated signups per month."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from files_support import load_raw_salesforce, query

from ingestion.files.pipeline import run_ad_spend, run_product_events
from ingestion.sandbox import generate_company
from ingestion.sandbox.generator_product import write_product_files
from ingestion.sandbox.generator_spend import write_spend_files

REPO_ROOT = Path(__file__).resolve().parents[3]
PROJECT_DIR = REPO_ROOT / "dbt_project"
SELECT = [
    "+int_spend_daily",
    "+fct_plg_activation",
    "path:models/staging/ad_spend",
    "path:models/staging/product",
    "path:models/intermediate/product",
    "path:models/marts/product",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("files_truth")
    company = generate_company(seed=5, scale=0.05)
    # only the file-source keys of company.ground_truth() (the Salesforce ones are tested in tests/dbt)
    truth = json.loads(json.dumps(company.files_ground_truth(company.end_date), default=str))
    truth["as_of_date"] = company.end_date.isoformat()
    warehouse = work / "warehouse.duckdb"
    load_raw_salesforce(company.salesforce, warehouse)
    write_spend_files(company.ad_spend(), work / "ad_spend", company.end_date)
    write_product_files(company.product_events(), work / "product_events")
    kwargs = {"warehouse": str(warehouse), "pipelines_dir": str(work / "dlt")}
    spend_rows = run_ad_spend(bucket_url=str(work / "ad_spend"), **kwargs)
    assert spend_rows["spend_quarantine"] == 1  # the malformed row; the CHF row loads flagged
    run_product_events(bucket_url=str(work / "product_events"), **kwargs)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--select",
            *SELECT,
            "--indirect-selection",
            "empty",
            "--vars",
            "{ad_spend_enabled: true, product_events_enabled: true}",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--no-use-colors",
        ],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_AS_OF_DATE": str(truth["as_of_date"]),
            "ONEFUNNEL_DBT_TARGET": "duckdb",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return warehouse, truth


def test_spend_per_channel_and_month_equals_ground_truth(built: tuple[Path, dict]) -> None:
    warehouse, truth = built
    rows = query(
        warehouse,
        "select channel, strftime(spend_date, '%Y-%m'), sum(spend_amount) from intermediate.int_spend_daily"
        f" where spend_date <= date '{truth['as_of_date']}' group by 1, 2",
    )
    actual: dict[str, dict[str, str]] = {}
    for channel, month, amount in rows:
        actual.setdefault(channel, {})[month] = str(Decimal(str(amount)).quantize(Decimal("0.01")))
    assert actual == truth["spend_by_channel_month"]
    assert {"paid_search", "paid_social"} <= set(actual)  # platform spend is in, by the CRM's channels
    flagged = query(
        warehouse,
        "select count(*) from staging.stg_ad_spend__daily_spend where quarantine_reason is not null",
    )
    quarantined = query(warehouse, "select count(*) from staging.stg_ad_spend__quarantine")
    assert flagged[0][0] + quarantined[0][0] == truth["ad_spend_quarantined_rows"]


def test_activated_signups_per_month_equal_ground_truth(built: tuple[Path, dict]) -> None:
    warehouse, truth = built
    rows = query(
        warehouse,
        "select signup_month, count(*), count(*) filter (where is_activated), count(*) filter (where is_known_person)"
        " from marts.fct_plg_activation group by 1",
    )
    assert {m: n for m, n, _, _ in rows} == truth["plg_signups_by_month"]
    assert {m: a for m, _, a, _ in rows} == truth["plg_activated_signups_by_month"]
    assert sum(k for *_, k in rows) == truth["plg_signups_matched_to_persons"]
    assert 0 < sum(a for _, _, a, _ in rows) < sum(n for _, n, _, _ in rows)  # some activate, not all
