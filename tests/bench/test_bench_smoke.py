"""`python -m bench` at a tiny scale: every stage it ran is timed, and no record is lost on the way.

dbt, the data-quality checks and publish are left out here (their fixed start-up cost alone is past this
test's budget; their own tests cover them): generation, the emulator, the dlt load and the incremental
load after 1 % of the records changed run for real, in their own processes, as in `make bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import SHAPES
from ingestion.salesforce import table_name
from ingestion.salesforce.settings import DEFAULT_OBJECTS
from ingestion.sandbox import generate_company
from ingestion.sandbox.hubspot_shapes import portal_from_org

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_bench_tiny_scale_times_every_stage_and_keeps_every_record(tmp_path: Path) -> None:
    results, markdown = tmp_path / "results.json", tmp_path / "results.md"
    cmd = [
        sys.executable,
        "-m",
        "bench",
        "--scale",
        "tiny",
        "--stages",
        "generate",
        "emulator",
        "ingest",
        "hubspot",
        "incremental",
        "--no-warm-up",
        "--workdir",
        str(tmp_path / "work"),
        "--results",
        str(results),
        "--markdown",
        str(markdown),
    ]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    # what the generator produces for the tiny shape, computed here and not by the benchmark
    company = generate_company(seed=42, scale=SHAPES["tiny"].scale)
    expected = {obj: len(company.salesforce.records(obj)) for obj in company.salesforce.objects()}
    assert sum(expected.values()) > 1000

    data = json.loads(results.read_text())
    run = data["scales"]["tiny"]
    assert run["complete"] is True
    assert run["records"] == expected
    assert run["persons"] == expected["Contact"] + expected["Lead"]
    stages = {row["stage"]: row for row in run["stages"]}
    for name in ("generate", "emulator", "ingest", "incremental_change", "incremental_ingest", "full_total"):
        assert stages[name]["seconds"] > 0, name
        assert stages[name]["rows"] > 0, name
        assert stages[name]["ok"] is True, name
    for name in ("generate", "emulator", "ingest"):
        assert stages[name]["peak_mb"] > 0, name
        rate = stages[name]["rows"] / stages[name]["seconds"]  # seconds are stored rounded to 1 ms
        assert abs(stages[name]["rows_per_s"] - rate) <= 0.01 * rate, name

    assert stages["generate"]["tables"] == expected
    assert stages["emulator"]["tables"] == expected  # queryAll: deleted records are served too
    assert list(stages["emulator"]["tables"]) == list(DEFAULT_OBJECTS)  # what the source reads
    assert stages["ingest"]["tables"] == {table_name(obj): n for obj, n in expected.items()}
    assert set(stages["ingest"]["dlt_steps"]) == {"extract", "normalize", "load"}

    # 1 % of the live records of every object re-saved; opportunities: 1 % (at least 3) new, moved or
    # deleted, their history and contact roles following
    live = {obj: n["live"] for obj, n in company.summary().items()}
    changed = stages["incremental_change"]["tables"]
    for obj in ("User", "Account", "Contact", "Lead", "Campaign", "CampaignMember"):
        assert changed[obj] == round(0.01 * live[obj]), obj
    assert changed["Opportunity"] == max(3, round(0.01 * live["Opportunity"]))
    assert changed["OpportunityHistory"] > 0 and changed["OpportunityContactRole"] > 0
    assert stages["incremental_change"]["rows"] == sum(changed.values())
    # the nightly run loads exactly the changed and new records, each once
    assert stages["incremental_ingest"]["tables"] == {table_name(obj): n for obj, n in changed.items() if n}

    # the HubSpot CRM source, per source: every record of the portal the company makes, read and loaded
    portal = portal_from_org(company.salesforce)
    crm = {obj: len(portal.records[obj]) for obj in ("contacts", "companies", "deals")}
    served, loaded = stages["hubspot_emulator"], stages["hubspot_ingest"]
    for row in (served, loaded):
        assert row["ok"] is True and row["seconds"] > 0 and row["peak_mb"] > 0 and row["source"] == "hubspot"
        assert {obj: row["tables"][obj] for obj in crm} == crm  # archived records too (is_deleted)
    for table in ("associations", "deal_stage_history", "lifecycle_stage_history"):
        assert loaded["tables"][table] == served["tables"][table] > 0, table  # each read row loaded once
    assert loaded["rows"] == sum(loaded["tables"].values()) and loaded["run_rows_per_s"] > 0
    assert set(loaded["dlt_steps"]) == {"extract", "normalize", "load"}
    assert stages["ingest"]["source"] == "salesforce"

    text = markdown.read_text()
    for name in stages:
        assert f"| {name} |" in text
