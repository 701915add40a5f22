"""The emulator speaks HubSpot's shapes: strings or null, ISO ms Z, paging, search cap, v4 labels, limits."""

from __future__ import annotations

import re
import time
from typing import Any

import requests

from ingestion.hubspot import HubSpotClient
from ingestion.sandbox import SandboxCompany
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal
from ingestion.sandbox.hubspot_shapes import portal_from_org

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def call(
    emu: HubSpotEmulator, method: str, path: str, token: str | None = None, **kw: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or emu.token}"}
    return requests.request(method, f"{emu.base_url}{path}", headers=headers, timeout=30, **kw)


def assert_record_shape(rec: dict[str, Any]) -> None:
    assert isinstance(rec["id"], str) and rec["id"].isdigit()
    assert all(v is None or isinstance(v, str) for v in rec["properties"].values())
    assert ISO_MS_Z.match(rec["createdAt"]) and ISO_MS_Z.match(rec["updatedAt"])
    assert isinstance(rec["archived"], bool)


def test_same_company_same_portal(company: SandboxCompany, portal: HubSpotPortal) -> None:
    again = portal_from_org(company.salesforce)
    for obj in ("contacts", "companies", "deals"):
        assert portal.expected_rows(obj) == again.expected_rows(obj)
    assert [a.__dict__ for a in portal.associations] == [a.__dict__ for a in again.associations]
    assert portal.email_events == again.email_events and portal.submissions == again.submissions
    assert {d.properties["dealstage"] for d in portal.live("deals")} <= {
        s["id"] for s in portal.pipelines[0]["stages"]
    }


def test_list_paging_and_archived(emulator: HubSpotEmulator, portal: HubSpotPortal) -> None:
    assert call(emulator, "GET", "/crm/v3/objects/contacts", token="wrong").status_code == 401
    resp = call(
        emulator,
        "GET",
        "/crm/v3/objects/contacts",
        params={"limit": 500, "properties": "email,lifecyclestage"},
    )
    assert resp.status_code == 200
    assert resp.headers["X-HubSpot-RateLimit-Secondly-Remaining"].isdigit()
    assert "X-HubSpot-RateLimit-Daily-Remaining" in resp.headers
    page = resp.json()
    assert len(page["results"]) == 100 and set(page["paging"]["next"]) == {"after", "link"}
    for rec in page["results"]:
        assert_record_shape(rec)
        assert set(rec["properties"]) == {"email", "lifecyclestage"}
    ids, after = [], None
    while True:
        body = call(
            emulator, "GET", "/crm/v3/objects/contacts", params={"limit": 100, "after": after or ""}
        ).json()
        ids += [r["id"] for r in body["results"]]
        if "paging" not in body:  # the last page has no paging key
            break
        after = body["paging"]["next"]["after"]
    assert sorted(ids) == sorted(r.id for r in portal.live("contacts"))
    archived = call(emulator, "GET", "/crm/v3/objects/contacts", params={"archived": "true"}).json()[
        "results"
    ]
    assert archived and all(r["archived"] and ISO_MS_Z.match(r["archivedAt"]) for r in archived)
    hist = call(
        emulator,
        "GET",
        "/crm/v3/objects/contacts",
        params={"limit": 100, "propertiesWithHistory": "lifecyclestage"},
    ).json()
    assert len(hist["results"]) == 50  # 50 per page with history
    entry = hist["results"][0]["propertiesWithHistory"]["lifecyclestage"][0]
    assert set(entry) >= {"value", "timestamp", "sourceType"} and ISO_MS_Z.match(entry["timestamp"])


def test_search_total_filters_and_cap(portal: HubSpotPortal) -> None:
    with HubSpotEmulator(portal, search_cap=60) as emu:
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "BETWEEN",
                            "value": "0",
                            "highValue": str(2**50),
                        }
                    ]
                }
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "limit": 50,
            "properties": ["email", "lastmodifieddate"],
        }
        page = call(emu, "POST", "/crm/v3/objects/contacts/search", json=body).json()
        assert page["total"] == len(portal.live("contacts")) and len(page["results"]) == 50
        stamps = [r["properties"]["lastmodifieddate"] for r in page["results"]]
        assert stamps == sorted(stamps)
        assert (
            call(emu, "POST", "/crm/v3/objects/contacts/search", json={**body, "limit": 201}).status_code
            == 400
        )
        past = call(emu, "POST", "/crm/v3/objects/contacts/search", json={**body, "after": "60"})
        assert past.status_code == 400 and past.json()["category"] == "VALIDATION_ERROR"


def test_v4_associations_with_labels(emulator: HubSpotEmulator, portal: HubSpotPortal) -> None:
    labelled = next(a for a in portal.associations if a.labels)
    body = {"inputs": [{"id": labelled.from_id}]}
    res = call(emulator, "POST", "/crm/v4/associations/contacts/deals/batch/read", json=body).json()
    assert res["status"] == "COMPLETE"
    (row,) = res["results"]
    assert row["from"] == {"id": labelled.from_id}
    to = next(t for t in row["to"] if t["toObjectId"] == int(labelled.to_id))
    cats = {(t["category"], t["typeId"], t["label"]) for t in to["associationTypes"]}
    assert ("HUBSPOT_DEFINED", 4, None) in cats and ("USER_DEFINED", *labelled.labels[0]) in cats


def test_marketing_shapes(emulator: HubSpotEmulator, portal: HubSpotPortal) -> None:
    camp = call(emulator, "GET", "/marketing/v3/campaigns", params={"limit": 100}).json()["results"][0]
    assert set(camp) >= {"id", "properties", "createdAt", "updatedAt"} and "hs_name" in camp["properties"]
    form = call(emulator, "GET", "/marketing/v3/forms").json()["results"][0]
    subs = call(
        emulator, "GET", f"/form-integrations/v1/submissions/forms/{form['id']}", params={"limit": 50}
    ).json()
    assert (
        isinstance(subs["results"][0]["submittedAt"], int)
        and subs["results"][0]["values"][0]["name"] == "email"
    )
    events = call(emulator, "GET", "/email/public/v1/events", params={"limit": 5}).json()
    assert events["hasMore"] is True and len(events["events"]) == 5
    assert {"id", "type", "recipient", "created", "emailCampaignId"} <= set(events["events"][0])


def test_secondly_limit_answers_429_and_the_client_throttles(portal: HubSpotPortal) -> None:
    with HubSpotEmulator(portal, secondly_limit=2) as emu:
        burst = [call(emu, "GET", "/crm/v3/owners").status_code for _ in range(10)]
        assert 429 in burst
        time.sleep(1.0)
        client = HubSpotClient(emu.base_url, emu.token)
        for _ in range(4):
            assert client.request("GET", "/crm/v3/owners", "owners")["results"]
        # throttled on X-HubSpot-RateLimit-Secondly-Remaining: at most one 429 slipped through
        assert client.requests_made <= 5


def test_response_slower_than_the_timeout_is_retried(emulator: HubSpotEmulator) -> None:
    emulator.inject_fault("/crm/v3/owners", delay=0.8)
    client = HubSpotClient(emulator.base_url, emulator.token, timeout=0.3)
    assert client.request("GET", "/crm/v3/owners", "owners")["results"]
    assert emulator.count_requests("/crm/v3/owners") == 2
