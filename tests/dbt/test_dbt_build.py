"""Build the dbt project on a hand-made raw warehouse and check mart values computed by hand.

Hand computation (fixture in dbt_raw_fixture.py, as_of_date 2025-10-15):
- Win-rate window: the 4 full quarters before 2025-Q4 = close dates 2024-10-01 .. 2025-09-30.
  Closed in it: O1 won; O2, O3, O4 (EUR), O5 lost. O9 (won 2024-09-20) is outside; O8 is deleted.
  Prospecting 1/5 = 0.2 (no); Needs Analysis 1/4 = 0.25 (qualified, inclusive); Proposal/Price Quote
  1/2 = 0.5; Closed Won 1/1; Closed Lost 0/4.
- Amounts: O4 40000 EUR closing 2025-08-01 -> rate of 2025-08-01 (1.0828) = 43312.00; O6 1000 EUR
  closing 2025-12-15 -> rate of 2025-12-01 (1.0975) = 1097.50; O7 500 CHF -> null.
- First qualified entries: O9 Closed Won 2024-09-20 (Q3 2024); O1 Needs Analysis 2025-02-01 and O2
  2025-03-20 (Q1); O3 2025-03-31 22:00-04 = 2025-04-01 02:00 UTC (Q2) and O4 2025-05-05 (Q2); O6
  2025-10-05 (Q4). O5 and O7 never qualify.
- Quarters 2024-Q3 .. 2025-Q4 (6 rows, 2024-Q4 zero-filled):
  created   2024-Q3 1/7000.00, 2025-Q1 3/60000.00, Q2 1/43312.00, Q3 1/5000.00, Q4 2/1097.50
  qualified 2024-Q3 1/7000.00, 2025-Q1 2/30000.00, Q2 2/73312.00 (30000 + 43312), Q3 0, Q4 1/1097.50
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from conftest import PROJECT_DIR, REPO_ROOT


def test_build_passes(dbt_build):
    failed = [
        (r["unique_id"], r["status"], r["message"])
        for r in dbt_build.results
        if r["status"] not in ("success", "pass")
    ]
    assert dbt_build.success, dbt_build.output[-5000:]
    assert not failed
    assert len(dbt_build.results) > 100
    print(f"dbt build took {dbt_build.seconds:.1f}s")


def test_staging_dedupes_drops_deleted_and_tolerates_drift(warehouse):
    accounts = warehouse.sql(
        "select account_id, account_name, annual_revenue from staging.stg_salesforce__accounts order by 1"
    ).fetchall()
    # 001A3 deleted; 001A2 keeps its latest version; annual_revenue is missing from raw -> null
    assert accounts == [("001A1", "Acme", None), ("001A2", "Beta", None), ("001A4", "Acme Dup", None)]
    stage = warehouse.sql(
        "select stage_name from staging.stg_salesforce__opportunities where opportunity_id = '006O2'"
    ).fetchall()
    assert stage == [("Closed Lost",)]
    ids = {r[0] for r in warehouse.sql("select opportunity_id from marts.fct_opportunities").fetchall()}
    assert "006O8" not in ids and len(ids) == 8


def test_stage_win_rates(warehouse):
    rows = warehouse.sql(
        "select stage_name, closed_count, won_count, win_rate, is_qualified_stage, window_start, window_end "
        "from marts.fct_stage_win_rates order by stage_order"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("Prospecting", 5, 1, 0.2, False),
        ("Needs Analysis", 4, 1, 0.25, True),
        ("Proposal/Price Quote", 2, 1, 0.5, True),
        ("Closed Won", 1, 1, 1.0, True),
        ("Closed Lost", 4, 0, 0.0, False),
    ]
    assert {(str(r[5]), str(r[6])) for r in rows} == {("2024-10-01", "2025-09-30")}


def test_opportunities(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.sql(
            "select opportunity_id, amount_reporting, first_qualified_stage, stage_entry_count, "
            "contact_role_count, opportunity_type from marts.fct_opportunities"
        ).fetchall()
    }
    assert rows["006O4"] == (Decimal("43312.00"), "Needs Analysis", 4, 0, "expansion")
    assert rows["006O6"] == (Decimal("1097.50"), "Needs Analysis", 2, 0, "contraction")
    assert rows["006O7"] == (None, None, 1, 0, None)
    assert rows["006O9"][1] == "Closed Won"
    assert rows["006O1"][3:] == (1, "new_business")


def test_stage_entries_skip_repeated_stage(warehouse):
    rows = warehouse.sql(
        "select stage_name, entry_sequence, entered_at, exited_at, days_in_stage, is_current "
        "from marts.fct_opportunity_stages where opportunity_id = '006O6' order by entry_sequence"
    ).fetchall()
    assert [(r[0], r[1], str(r[2]), str(r[3]), r[4], r[5]) for r in rows] == [
        ("Prospecting", 1, "2025-10-02 08:00:00", "2025-10-05 08:00:00", 3, False),
        ("Needs Analysis", 2, "2025-10-05 08:00:00", "None", None, True),
    ]


def test_pipeline_by_quarter(warehouse):
    rows = warehouse.sql(
        "select period_label, created_opportunity_count, created_pipeline_amount, "
        "qualified_opportunity_count, qualified_pipeline_amount "
        "from marts.fct_pipeline where period_grain = 'quarter' order by period_start"
    ).fetchall()
    assert rows == [
        ("2024-Q3", 1, Decimal("7000.00"), 1, Decimal("7000.00")),
        ("2024-Q4", 0, Decimal("0.00"), 0, Decimal("0.00")),
        ("2025-Q1", 3, Decimal("60000.00"), 2, Decimal("30000.00")),
        ("2025-Q2", 1, Decimal("43312.00"), 2, Decimal("73312.00")),
        ("2025-Q3", 1, Decimal("5000.00"), 0, Decimal("0.00")),
        ("2025-Q4", 2, Decimal("1097.50"), 1, Decimal("1097.50")),
    ]
    months = warehouse.sql(
        "select min(period_label), max(period_label), count(*) from marts.fct_pipeline where period_grain = 'month'"
    ).fetchall()
    assert months == [("2024-08", "2025-10", 15)]


def test_persons_and_accounts(warehouse):
    persons = warehouse.sql(
        "select source_record_ids, account_id, account_match_method from marts.dim_persons order by 1"
    ).fetchall()
    assert persons == [
        ("contact:003C1,lead:00QL1", "001A1", "crm"),
        ("contact:003C2,lead:00QL2", "001A2", "email_domain"),
        ("contact:003C3", None, None),  # gmail.com is free mail: never matched by domain
        ("lead:00QL3", None, None),
        ("lead:00QL4", None, None),
    ]
    accounts = warehouse.sql(
        "select account_id, resolved_account_id, domain, is_icp_fit, is_customer, cast(first_won_date as varchar) "
        "from marts.dim_accounts order by 1"
    ).fetchall()
    assert accounts == [
        ("001A1", "001A1", "acme.com", True, True, "2024-09-20"),
        ("001A2", "001A2", "beta.io", False, False, None),
        ("001A4", "001A1", "acme.com", False, False, None),  # 6000 employees: above the ICP range
    ]


def test_dbt_parse_from_repo_root(tmp_path: Path):
    """The documented command works from the repo root."""
    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run(
        [
            str(dbt),
            "parse",
            "--project-dir",
            "dbt_project",
            "--profiles-dir",
            "dbt_project",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PROJECT_DIR.is_dir()

    # PostgreSQL truncates nothing and refuses relation names over 63 bytes: a unit test or model named
    # longer builds on DuckDB and fails on PostgreSQL. Disabled nodes (sources switched off) count too.
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    nodes = [*manifest["nodes"].values(), *manifest["unit_tests"].values()]
    nodes += [n for versions in manifest.get("disabled", {}).values() for n in versions]
    too_long = sorted(
        n["name"]
        for n in nodes
        if n["resource_type"] in ("model", "seed", "unit_test") and len(n["name"]) > 63
    )
    assert not too_long, f"names longer than PostgreSQL's 63-character identifiers: {too_long}"
