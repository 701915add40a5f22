"""Full and incremental Marketo loads from the emulated instance: exact rows, types, reruns, changes, drift."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from mk_support import Runner, assert_matches_instance

from ingestion.sandbox import SandboxCompany
from ingestion.sandbox.marketo_emulator import MarketoEmulator
from ingestion.sandbox.marketo_shapes import MarketoInstance

INCREMENTAL_TABLES = {"leads", "activities", "activity_attributes", "deleted_leads", "field_quarantine"}


def test_full_load_equals_instance_and_rerun_adds_nothing(
    company: SandboxCompany,
    instance: MarketoInstance,
    emulator: MarketoEmulator,
    runner: Runner,
    loaded: dict[str, int],
) -> None:
    counts = loaded  # the full load of this same instance (session fixture, one load for every test)
    assert_matches_instance(runner, instance)
    # every lead and activity exactly once, against the Salesforce org it was synced from
    people = [p for o in ("Contact", "Lead") for p in company.salesforce.records(o)]
    synced = [p for p in people if not p.get("IsConverted")]  # the sync takes everyone, email or not
    assert counts["leads"] == sum(1 for p in synced if not p["IsDeleted"])
    assert counts["deleted_leads"] == sum(1 for p in synced if p["IsDeleted"])
    assert counts["activities"] == len(instance.activities)
    assert counts["activity_attributes"] == sum(len(a["attributes"]) for a in instance.activities)
    cols = runner.columns("leads")
    assert cols["id"] == "BIGINT" and cols["number_of_employees"] == "BIGINT"
    assert cols["annual_revenue"].startswith("DECIMAL") and cols["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert cols["sfdc_contact_id"] == "VARCHAR" and cols["unsubscribed"] == "BOOLEAN"
    assert runner.columns("activities")["activity_date"] == "TIMESTAMP WITH TIME ZONE"
    assert runner.count("activity_types") == len(instance.activity_types)
    assert runner.count("smart_campaigns") == len(instance.smart_campaigns)
    # the cursor: the newest activity or deletion read, and the activities at that very second
    newest = max(a["activityDate"] for a in instance.activities + instance.deleted_leads)
    cursor = runner.state()["activity_cursor"]
    assert cursor["since"] == newest
    assert cursor["seen"] == sorted(
        a["marketoGUID"] for a in instance.activities + instance.deleted_leads if a["activityDate"] == newest
    )

    before = {t: runner.count(t) for t in INCREMENTAL_TABLES - {"field_quarantine"}}
    again = runner()
    assert not set(again) & INCREMENTAL_TABLES  # nothing new since the cursor: nothing re-read
    assert {t: runner.count(t) for t in before} == before
    assert runner.count("programs") == len(instance.programs)
    # two type chunks (16 readable types, 10 per call) and the deleted leads: three paging tokens
    assert emulator.count_requests("/rest/v1/activities/pagingtoken.json") == 3


def test_changes_new_field_and_type_change_flow_through(
    instance: MarketoInstance, runner: Runner, loaded: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    leads = sorted(instance.leads)
    changed, gone, typed_bad, typed_ok = leads[0], leads[1], leads[2], leads[3]
    instance.update_lead(changed, {"title": "VP Revenue", "numberOfEmployees": 1234})
    instance.delete_lead(gone)
    new = instance.create_lead({"email": "new.person@example.com", "firstName": "New", "sfdcType": "Lead"})
    instance.add_field("renewalRiskScore", "float", {leads[4]: 0.25, leads[5]: 0.75})
    instance.change_field_type("numberOfEmployees", "string", {typed_bad: "about fifty", typed_ok: "75"})
    counts = runner()
    # leads re-read: exactly those with an activity since the cursor (changed, new, drift-filled)
    assert counts["leads"] == len({changed, new["id"], leads[4], leads[5], typed_bad, typed_ok})
    assert counts["deleted_leads"] == 1
    assert_matches_instance(runner, _without_type_change(instance, typed_bad))
    rows = runner.rows("leads")
    assert rows[changed]["title"] == "VP Revenue" and rows[changed]["number_of_employees"] == 1234
    assert runner.columns("leads")["renewal_risk_score"] == "DOUBLE"
    assert rows[leads[5]]["renewal_risk_score"] == 0.75 and rows[leads[6]]["renewal_risk_score"] is None
    # the type change: the column keeps BIGINT, "75" loads as 75, "about fifty" is quarantined, not coerced
    assert runner.columns("leads")["number_of_employees"] == "BIGINT"
    assert not [c for c in runner.columns("leads") if c.startswith("number_of_employees_")]
    assert rows[typed_ok]["number_of_employees"] == 75 and rows[typed_bad]["number_of_employees"] is None
    assert runner.sql(
        "select object_id, field_name, value, loaded_type from raw_marketo.field_quarantine"
    ) == [(str(typed_bad), "numberOfEmployees", "about fifty", "integer")]
    assert "numberOfEmployees changed type from integer to string" in caplog.text
    # the deleted lead's earlier activities stay raw; the Delete Lead row excludes them in staging
    assert runner.sql(f"select count(*) from raw_marketo.activities where lead_id = {gone}")[0][0] > 0


def _without_type_change(instance: MarketoInstance, bad_lead: int) -> MarketoInstance:
    """The instance as the warehouse should hold it: the refused value null, the field still an integer."""
    import copy

    expected = copy.copy(instance)
    expected.fields = {**instance.fields, "numberOfEmployees": "integer"}
    expected.leads = {k: dict(v) for k, v in instance.leads.items()}
    expected.leads[bad_lead]["numberOfEmployees"] = None
    for lead in expected.leads.values():
        if isinstance(lead["numberOfEmployees"], str):
            lead["numberOfEmployees"] = int(lead["numberOfEmployees"])
    return expected


def test_program_costs_and_leads_reconcile_with_salesforce(
    company: SandboxCompany, instance: MarketoInstance
) -> None:
    """The shapes (no warehouse): program costs sum to the campaign's actual cost, sync ids as Salesforce."""
    campaigns = {c["Id"]: c for c in company.salesforce.records("Campaign", include_deleted=False)}
    assert {p["sfdcCampaignId"] for p in instance.programs} == set(campaigns)
    for p in instance.programs:
        c = campaigns[p["sfdcCampaignId"]]
        total = sum(Decimal(str(x["cost"])) for x in p["costs"])
        assert total == (c["ActualCost"] or 0), p["name"]
        assert p["tags"] == [{"tagType": "Currency", "tagValue": c["CurrencyIsoCode"]}]
        months = {dt.date.fromisoformat(x["startDate"]) for x in p["costs"]}
        assert all(m.day == 1 and c["StartDate"].replace(day=1) <= m <= c["EndDate"] for m in months)
    contacts = {c["Id"]: c for c in company.salesforce.records("Contact", include_deleted=False)}
    for lead in instance.leads.values():
        if lead["sfdcType"] == "Contact":
            assert lead["sfdcAccountId"] == contacts[lead["sfdcContactId"]]["AccountId"]
            assert lead["email"] == contacts[lead["sfdcContactId"]]["Email"]
