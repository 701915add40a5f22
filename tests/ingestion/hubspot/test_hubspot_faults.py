"""Injected faults: each run either loads exactly the portal or fails clearly with the cursor unmoved;
schema drift: new properties become columns, type changes are quarantined, never coerced."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hs_support import Runner, assert_matches_portal

from ingestion.hubspot import HubSpotClient
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal

SEARCH = "/crm/v3/objects/contacts/search"
CRM_ONLY: dict[str, Any] = {"include_marketing": False, "search_page_limit": 50}


def _duplicate_from(portal: HubSpotPortal, position: int) -> Callable[[Any], Any]:
    """A transform putting the record at ``position`` of the ascending search order on this page too."""
    recs = sorted(portal.live("contacts"), key=lambda r: (r.updated_at, int(r.id)))
    dup = recs[position].to_json(list(portal.property_defs["contacts"]))
    return lambda page: {**page, "results": [dup, *page["results"]]}


FAULTS: dict[str, Callable[[HubSpotPortal], dict[str, Any]]] = {
    "429_retry_after": lambda p: {
        "status": 429,
        "body": {
            "status": "error",
            "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT",
        },
        "headers": {"Retry-After": "0"},
        "skip": 1,
        "times": 2,
    },
    "500": lambda p: {"status": 500, "body": {"status": "error", "message": "internal error"}, "skip": 2},
    "503": lambda p: {"status": 503, "body": "<html>Service Unavailable</html>", "skip": 1, "times": 3},
    "slow_response": lambda p: {"delay": 0.5, "skip": 1},
    "truncated_json": lambda p: {"raw": b'{"total": 12, "results": [{"id": "1", "prope', "skip": 1},
    "empty_page": lambda p: {
        "transform": lambda page: {**page, "results": [], "paging": {"next": {"after": "0"}}},
        "skip": 1,
    },
    "same_record_on_two_pages": lambda p: {"transform": _duplicate_from(p, 49), "skip": 2},
}


@pytest.mark.parametrize("fault", FAULTS)
def test_transient_fault_is_absorbed_by_the_client(
    fault: str, portal: HubSpotPortal, emulator: HubSpotEmulator
) -> None:
    """Each fault alone, at the HTTP/paging layer: every live contact still comes back."""
    emulator.inject_fault(SEARCH, **FAULTS[fault](portal))
    client = HubSpotClient(emulator.base_url, emulator.token)
    names = list(portal.property_defs["contacts"])
    top = client.search_max_modified("contacts", "lastmodifieddate")
    assert top is not None
    ids = [
        r["id"]
        for page in client.search("contacts", "lastmodifieddate", 0, top + 1, names, page_limit=50)
        for r in page
    ]
    assert not emulator.faults, "the fault was never hit"
    assert set(ids) == {r.id for r in portal.live("contacts")}


def test_all_transient_faults_in_one_run_load_exactly(
    portal: HubSpotPortal, emulator: HubSpotEmulator, runner: Runner
) -> None:
    """All faults in one pipeline run (each on a later search request): the warehouse equals the portal."""
    assert len(portal.live("contacts")) > 100  # several search pages, so paging faults land mid-stream
    for make in FAULTS.values():  # skip counts down on every request: all fire in order after the first
        emulator.inject_fault(SEARCH, **{**make(portal), "skip": 1, "times": 1})
    runner(**CRM_ONLY)
    assert not emulator.faults, "a fault was never hit"
    assert_matches_portal(runner, portal)


def test_hard_failure_keeps_cursor_then_clean_run_is_exact(
    portal: HubSpotPortal, emulator: HubSpotEmulator, runner: Runner
) -> None:
    runner(**CRM_ONLY)
    before = runner.state()
    contact = portal.live("contacts")[0]
    portal.update("contacts", contact.id, {"firstname": "Changed"})
    deal = portal.live("deals")[0]
    portal.update("deals", deal.id, {"amount": "999.99"})
    # 503 on every attempt of the deals search: retries run out after contacts already extracted
    emulator.inject_fault(
        "/crm/v3/objects/deals/search", 503, {"status": "error", "message": "busy"}, times=50
    )
    with pytest.raises(Exception, match=r"HubSpot deals search .*failed after \d+ attempts: HTTP 503"):
        runner(**CRM_ONLY)
    assert runner.state() == before
    assert runner.rows("contacts")[contact.id]["firstname"] != "Changed"
    emulator.faults.clear()
    counts = runner(**CRM_ONLY)
    assert counts["contacts"] == 1 and counts["deals"] == 1
    assert_matches_portal(runner, portal)


def test_search_400_is_clear(emulator: HubSpotEmulator, runner: Runner) -> None:
    emulator.inject_fault(
        SEARCH,
        400,
        {
            "status": "error",
            "message": "There was a problem with the request.",
            "category": "VALIDATION_ERROR",
        },
        skip=1,
    )
    with pytest.raises(
        Exception, match="HubSpot contacts search failed: HTTP 400 VALIDATION_ERROR: There was"
    ):
        runner(**CRM_ONLY)
    assert runner.state() == {}


def test_new_custom_property_becomes_a_column(portal: HubSpotPortal, runner: Runner) -> None:
    runner(**CRM_ONLY, objects=["deals"])
    deals = portal.live("deals")[:3]
    portal.add_property(
        "deals", "renewal_risk_score", "number", {d.id: str(10 + i) for i, d in enumerate(deals)}
    )
    counts = runner(**CRM_ONLY, objects=["deals"])
    assert counts["deals"] == 3
    assert runner.columns("deals")["renewal_risk_score"] == "DOUBLE"
    assert runner.rows("deals")[deals[2].id]["renewal_risk_score"] == 12.0
    assert_matches_portal(runner, portal, ("deals",))


def test_property_type_change_is_quarantined_not_coerced(
    portal: HubSpotPortal, runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    runner(**CRM_ONLY, objects=["companies"])
    companies = portal.live("companies")
    bad, fine = companies[0], companies[1]
    portal.change_property_type(
        "companies", "numberofemployees", "string", {bad.id: "about fifty", fine.id: "75"}
    )
    runner(**CRM_ONLY, objects=["companies"])
    cols = runner.columns("companies")
    assert cols["numberofemployees"] == "DOUBLE"
    assert not [c for c in cols if c.startswith("numberofemployees_")]  # no dlt variant column
    rows = runner.rows("companies")
    assert rows[bad.id]["numberofemployees"] is None and rows[fine.id]["numberofemployees"] == 75.0
    assert runner.sql(
        "select object_type, object_id, property_name, value, loaded_type "
        "from raw_hubspot.property_quarantine"
    ) == [("companies", bad.id, "numberofemployees", "about fifty", "number")]
    assert "numberofemployees changed type from number to string" in caplog.text


def test_canary_token_never_logged_or_stored(
    portal: HubSpotPortal,
    runner: Runner,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    canary = "pat-na1-CANARY-5f0c1d2e-0000-4abc-9def-123456789abc"
    runner.emulator.token = canary
    monkeypatch.setenv("SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN", canary)
    runner.emulator.inject_fault(SEARCH, 429, {"status": "error"}, headers={"Retry-After": "0"}, skip=1)
    runner.emulator.inject_fault("/crm/v3/objects/deals/search", 500, {"message": "x"}, skip=1)
    counts = runner(from_env=True)
    assert counts["contacts"] == len(portal.records["contacts"])  # live plus archived
    runner.emulator.token = "rotated"  # the old token is refused: a clear auth error, still no token in it
    with pytest.raises(Exception, match="HTTP 401 INVALID_AUTHENTICATION") as err:
        runner(from_env=True)
    out, errs = capfd.readouterr()
    for text in (caplog.text, out, errs, str(err.value), repr(err.value)):
        assert canary not in text
    tables = runner.sql("select table_name from information_schema.tables where table_schema = 'raw_hubspot'")
    for (table,) in tables:
        assert not runner.sql(
            f"select 1 from raw_hubspot.{table} t where lower(cast(t as varchar)) "
            f"like '%{canary.lower()}%' limit 1"
        ), table
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".duckdb":
            assert canary.encode() not in path.read_bytes(), path
    assert json.dumps(runner.state()).find(canary) == -1
