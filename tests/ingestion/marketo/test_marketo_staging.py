"""dbt staging and conformed Marketo models on DuckDB over the loaded sandbox instance: row counts equal
the instance's, and touches, persons and campaigns reconcile with the Salesforce org it was synced from."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
from mk_support import Runner

from ingestion.sandbox import SandboxCompany
from ingestion.sandbox.marketo_shapes import MarketoInstance

REPO = Path(__file__).resolve().parents[3]
PROJECT = REPO / "dbt_project"
MODELS = [
    "stg_marketo__leads",
    "stg_marketo__activities",
    "stg_marketo__programs",
    "stg_marketo__program_costs",
    "int_marketo__person_records",
    "int_marketo__touchpoints",
    "int_marketo__campaigns",
]


def _marketo_project(work: Path) -> Path:
    """The Marketo models, their sources and the project's macros and vars as a project of their own.

    dbt parses every model of a project before it builds a selection; the Marketo models need none of
    the others, so building them alone keeps this test to seconds. The model files are the real ones."""
    import shutil

    import yaml

    project = work / "marketo_project"
    shutil.copytree(PROJECT / "macros", project / "macros")
    shutil.copytree(PROJECT / "models" / "staging" / "marketo", project / "models" / "staging" / "marketo")
    marketing = project / "models" / "intermediate" / "marketing"
    marketing.mkdir(parents=True)
    for path in (PROJECT / "models" / "intermediate" / "marketing").glob("*int_marketo__*"):
        shutil.copy(path, marketing / path.name)
    real = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))
    config = {
        key: real[key]
        for key in ("name", "version", "config-version", "profile", "model-paths", "macro-paths")
    }
    config["vars"] = {**real["vars"], "marketo_enabled": True}
    config["models"] = {
        real["name"]: {
            "staging": {"+schema": "staging", "+materialized": "view"},
            "intermediate": {"+schema": "intermediate", "+materialized": "view"},
        }
    }
    (project / "dbt_project.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return project


def _dbt_build(warehouse: str, work: Path) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    project = _marketo_project(work)
    args = ["build", "--project-dir", str(project), "--profiles-dir", str(PROJECT)]
    args += ["--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--no-use-colors"]
    env = {
        **os.environ,
        "ONEFUNNEL_WAREHOUSE": warehouse,
        "ONEFUNNEL_DBT_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run([str(dbt), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    built = {
        line.split(" model ")[1].split(" ")[0]
        for line in result.stdout.splitlines()
        if " OK created " in line
    }
    assert built == {f"{schema}.{m}" for m in MODELS for schema in [_schema(m)]}, result.stdout[-3000:]


def _schema(model: str) -> str:
    return "staging" if model.startswith("stg_") else "intermediate"


def test_staging_builds_and_reconciles_with_salesforce(
    company: SandboxCompany, instance: MarketoInstance, runner: Runner, loaded: dict[str, int], tmp_path: Path
) -> None:
    leads = sorted(instance.leads)
    deleted, changed = leads[0], leads[1]
    instance.delete_lead(deleted)  # loaded earlier, deleted now: staging must drop it and its activities
    instance.update_lead(changed, {"title": "Head of RevOps"})  # a second version of a loaded lead
    runner()
    _dbt_build(runner.warehouse, tmp_path)
    with duckdb.connect(runner.warehouse, read_only=True) as con:

        def q(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        schema, inter = "staging", "intermediate"  # macros/generate_schema_name.sql: custom schema as is
        assert q(f"select count(*) from {schema}.stg_marketo__leads")[0][0] == len(instance.leads)
        assert q(f"select count(*) from {schema}.stg_marketo__leads where lead_id = '{deleted}'") == [(0,)]
        assert q(f"select title from {schema}.stg_marketo__leads where lead_id = '{changed}'") == [
            ("Head of RevOps",)
        ]
        assert q(f"select count(*) from {schema}.stg_marketo__activities")[0][0] == len(instance.activities)
        names = dict(
            q(f"select activity_type_name, count(*) from {schema}.stg_marketo__activities group by 1")
        )
        by_type = {
            t["name"]: sum(1 for a in instance.activities if a["activityTypeId"] == t["id"])
            for t in instance.activity_types
        }
        assert names == {k: v for k, v in by_type.items() if v}
        assert q(f"select count(*) from {schema}.stg_marketo__programs")[0][0] == len(instance.programs)
        assert q(f"select count(*) from {schema}.stg_marketo__program_costs")[0][0] == sum(
            len(p["costs"]) for p in instance.programs
        )

        # touches: exactly the responded Salesforce members of synced, live people, at the Salesforce touch time
        org = company.salesforce
        live_lead_sf = {lead["sfdcContactId"] or lead["sfdcLeadId"] for lead in instance.leads.values()} | {
            lead["sfdcLeadId"] for lead in instance.leads.values() if lead["sfdcLeadId"]
        }
        converted = {x["Id"]: x["ConvertedContactId"] for x in org.records("Lead") if x["IsConverted"]}
        expected: Counter[tuple[str, str, dt.datetime]] = (
            Counter()
        )  # a converted lead and its contact may both be members
        for m in org.records("CampaignMember", include_deleted=False):
            person = m["ContactId"] or m["LeadId"]
            if m["HasResponded"] and person in live_lead_sf:
                at = (  # warehouse timestamps are UTC without a zone (dbt.type_timestamp)
                    dt.datetime.combine(m["FirstRespondedDate"], dt.time(0))
                    if m["FirstRespondedDate"]
                    else m["CreatedDate"].astimezone(dt.UTC).replace(tzinfo=None)
                )
                expected[(converted.get(person, person), m["CampaignId"], at)] += 1
        got = q(
            f"""select p.linked_salesforce_id, c.linked_salesforce_campaign_id, t.touched_at
            from {inter}.int_marketo__touchpoints t
            join {inter}.int_marketo__person_records p on t.person_record_id = p.record_id
            join {inter}.int_marketo__campaigns c on t.campaign_id = c.campaign_id"""
        )
        assert Counter(got) == expected
        assert q(f"select count(*) from {inter}.int_marketo__person_records")[0][0] == len(instance.leads)

        # campaigns: channel, currency and actual cost as the Salesforce campaign's
        campaigns = {c["Id"]: c for c in org.records("Campaign", include_deleted=False)}
        rows = q(
            f"select linked_salesforce_campaign_id, currency_code, actual_cost from {inter}.int_marketo__campaigns"
        )
        assert {r[0]: (r[1], Decimal(r[2]) if r[2] is not None else None) for r in rows} == {
            cid: (c["CurrencyIsoCode"], c["ActualCost"]) for cid, c in campaigns.items()
        }
