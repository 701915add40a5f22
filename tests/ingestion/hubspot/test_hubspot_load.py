"""Full and incremental HubSpot loads from the emulated portal: exact rows, types, reruns, changes, windows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hs_support import Runner, assert_matches_portal, expected_associations, tiny_portal

from ingestion.sandbox import SandboxCompany
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal
from ingestion.sandbox.hubspot_shapes import portal_from_org

MERGE_TABLES = {
    "contacts",
    "companies",
    "deals",
    "associations",
    "deal_stage_history",
    "lifecycle_stage_history",
    "form_submissions",
    "email_events",
    "property_quarantine",
}


def test_full_load_equals_portal_and_rerun_adds_nothing(portal: HubSpotPortal, runner: Runner) -> None:
    counts = runner()
    assert_matches_portal(runner, portal)
    cols = runner.columns("deals")
    assert cols["amount"].startswith("DECIMAL") and cols["closedate"] == "TIMESTAMP WITH TIME ZONE"
    assert cols["hs_is_closed_won"] == "BOOLEAN" and cols["term_months"] == "DOUBLE"
    assert cols["dealstage"] == cols["pipeline"] == cols["hs_object_id"] == "VARCHAR"
    assert runner.columns("companies")["numberofemployees"] == "DOUBLE"
    deal = next(r for r in portal.live("deals") if r.properties["amount"])
    assert runner.rows("deals")[deal.id]["amount"] == Decimal(deal.properties["amount"])

    assocs = set(
        runner.sql(
            "select from_object_type, from_id, to_object_type, to_id, association_type_id "
            "from raw_hubspot.associations"
        )
    )
    assert assocs == expected_associations(portal)
    labels = {r[0] for r in runner.sql("select distinct association_label from raw_hubspot.associations")}
    assert {"Primary", "Decision Maker", "Champion", None} <= labels
    history = runner.sql("select count(*) from raw_hubspot.deal_stage_history")[0][0]
    assert history == sum(len(r.history.get("dealstage", [])) for r in portal.live("deals"))
    assert counts["lifecycle_stage_history"] == sum(
        len(r.history["lifecyclestage"]) for r in portal.live("contacts")
    )
    assert runner.count("owners") == len(portal.owners)
    assert runner.count("deal_pipeline_stages") == len(portal.pipelines[0]["stages"])
    assert runner.sql(
        "select is_closed, probability from raw_hubspot.deal_pipeline_stages where stage_id = 'closedwon'"
    ) == [(True, 1.0)]
    assert runner.count("campaigns") == len(portal.campaigns) and runner.count("forms") == len(portal.forms)
    assert runner.count("form_submissions") == sum(len(s) for s in portal.submissions.values())
    assert runner.count("email_events") == len(portal.email_events)
    assert runner.columns("email_events")["created_at"] == "TIMESTAMP WITH TIME ZONE"

    # a second run adds nothing
    before = {t: runner.count(t) for t in MERGE_TABLES - {"property_quarantine"}}
    again = runner()
    assert not set(again) & MERGE_TABLES  # only the small replace tables (owners, pipelines...) re-extract
    assert {t: runner.count(t) for t in before} == before


def test_changes_flow_through(company: SandboxCompany, emulator: HubSpotEmulator, runner: Runner) -> None:
    runner()
    stamps = {
        o: {r.id: (r.updated_at, r.archived_at) for r in emulator.portal.records[o].values()}
        for o in ("contacts", "companies", "deals")
    }
    changed = company.apply_changes(seed=3)
    emulator.portal = portal = portal_from_org(
        company.salesforce
    )  # the portal after the Salesforce-side changes
    contact = portal.live("contacts")[0]
    portal.update("contacts", contact.id, {"lifecyclestage": "customer"})
    company_rec = portal.live("companies")[0]
    portal.archive("companies", company_rec.id)
    new = portal.create("deals", {"dealname": "Brand new", "amount": "42.10", "dealstage": "qualifiedtobuy"})
    counts = runner()
    for obj, before in stamps.items():
        touched = {
            r.id for r in portal.records[obj].values() if before.get(r.id) != (r.updated_at, r.archived_at)
        }
        assert counts.get(obj, 0) == len(touched), obj
    assert len(changed["new_opportunities"]) + 1 <= counts["deals"]
    assert_matches_portal(runner, portal)
    deals = runner.rows("deals")
    assert deals[new.id]["amount"] == Decimal("42.10")
    assert sum(1 for r in deals.values() if r["is_deleted"]) == len(portal.archived("deals"))
    assert runner.rows("companies")[company_rec.id]["is_deleted"] is True
    stages = runner.sql(
        "select value from raw_hubspot.lifecycle_stage_history "
        f"where object_id = '{contact.id}' order by changed_at"
    )
    assert stages[-1] == ("customer",)
    assert not set(runner()) & MERGE_TABLES


def test_search_window_over_cap_is_split(tmp_path: Path) -> None:
    portal = tiny_portal(n_contacts=0, n_companies=0, n_deals=0)
    for i in range(230):  # 230 contacts, 10 sharing one millisecond, over a cap of 60
        portal.create("contacts", {"email": f"c{i}@example.com"}, at=portal.tick(0 if 100 <= i < 110 else 1))
    with HubSpotEmulator(portal, search_cap=60) as emu:
        runner = Runner(emu, tmp_path)
        counts = runner(objects=["contacts"], include_marketing=False, search_cap=60)
        searches = emu.count_requests("/crm/v3/objects/contacts/search")
    assert counts["contacts"] == 230 and runner.count("contacts") == 230
    assert_matches_portal(runner, portal, ("contacts",))
    assert searches > 8  # windows were split (one unsplit window would need 2 pages)


def test_real_cap_window_of_10050_records_is_split() -> None:
    """At HubSpot's real 10,000 cap (client level, no warehouse): every record comes back exactly once."""
    from ingestion.hubspot import HubSpotClient

    portal = tiny_portal(n_contacts=0, n_companies=0, n_deals=0)
    portal.property_defs["contacts"] = {
        "email": portal.property_defs["contacts"]["email"],
        "lastmodifieddate": portal.property_defs["contacts"]["lastmodifieddate"],
    }
    for i in range(10_050):
        portal.create("contacts", {"email": f"c{i}@example.com"}, at=portal.tick(0.5))
    with HubSpotEmulator(portal) as emu:
        client = HubSpotClient(emu.base_url, emu.token)
        top = client.search_max_modified("contacts", "lastmodifieddate")
        assert top is not None
        ids = [
            r["id"]
            for page in client.search("contacts", "lastmodifieddate", 0, top + 1, ["email"])
            for r in page
        ]
    assert len(ids) == len(set(ids)) == 10_050
