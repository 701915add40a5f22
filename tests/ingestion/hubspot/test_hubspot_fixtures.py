"""The real HubSpot responses (tests/fixtures/hubspot, from dlt-hub/verified-sources) parse, type and load."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hs_support import Runner

from ingestion.hubspot.crm import history_rows, to_row
from ingestion.hubspot.properties import parse_datetime
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HsRecord, HubSpotPortal
from ingestion.sandbox.hubspot_shapes import PROPERTY_TYPES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hubspot"
PAGES = {"contacts": "mock_contacts_data", "companies": "mock_companies_data", "deals": "mock_deals_data"}


def page(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"mock_data.{name}.json").read_text())


def kinds(obj: str) -> dict[str, str]:
    return {
        n: "currency" if n == "amount" else t
        for n, (t, _) in PROPERTY_TYPES[obj].items()
        if n != "hs_object_id"
    }


@pytest.mark.parametrize(
    "name",
    [
        *PAGES.values(),
        "mock_contacts_with_history",
        "mock_products_data",
        "mock_tickets_data",
        "mock_quotes_data",
    ],
)
def test_real_pages_are_strings_or_null(name: str) -> None:
    body = page(name)
    assert "paging" not in body  # each is a last page
    for rec in body["results"]:
        assert isinstance(rec["id"], str)
        assert all(v is None or isinstance(v, str) for v in rec["properties"].values())
        row = to_row("x", rec, {}, quarantine := [])
        assert not quarantine and row["created_at"].tzinfo is not None and row["is_deleted"] is False


def test_real_pages_type_correctly() -> None:
    quarantine: list[dict[str, Any]] = []
    deals = [to_row("deals", r, kinds("deals"), quarantine) for r in page("mock_deals_data")["results"]]
    assert deals[0]["amount"] == Decimal("500") and deals[1]["amount"] == Decimal("3233")
    assert deals[0]["closedate"] is None and deals[0]["dealstage"] == "qualifiedtobuy"
    assert deals[0]["createdate"] == dt.datetime(2023, 2, 24, 3, 1, 1, 147000, tzinfo=dt.UTC)
    assert deals[0]["hs_object_id"] == "6744192456"  # ids stay text
    contacts = page("mock_contacts_with_history")["results"]
    hist = history_rows(contacts, "lastmodifieddate")
    assert len(hist) == 7 and hist[0]["changed_at"] < hist[-1]["changed_at"]  # oldest first
    assert hist[-1]["value"] == "2023-07-01T21:28:22.147Z" and hist[-1]["source_type"] == "AI_GROUP"
    props = {p["name"] for p in page("mock_contacts_properties")["results"]}
    assert len(props) == 283 and {"email", "lifecyclestage", "lastmodifieddate"} <= props
    assert not quarantine


def test_real_records_served_and_loaded(tmp_path: Path) -> None:
    """A portal holding exactly the real records: the emulator returns them unchanged and they load typed."""
    portal = HubSpotPortal(dt.datetime(2023, 3, 1, tzinfo=dt.UTC))
    for obj, name in PAGES.items():
        for prop, (hs_type, field_type) in PROPERTY_TYPES[obj].items():
            portal.define(obj, prop, hs_type, field_type, show_currency_symbol=prop == "amount")
        for rec in page(name)["results"]:
            portal.put(
                obj,
                HsRecord(
                    rec["id"],
                    dict(rec["properties"]),
                    parse_datetime(rec["createdAt"]),
                    parse_datetime(rec["updatedAt"]),
                ),
            )
    with HubSpotEmulator(portal) as emu:
        for obj, name in PAGES.items():
            for rec in page(name)["results"]:
                served = portal.records[obj][rec["id"]].to_json(list(rec["properties"]))
                assert served == rec  # byte-for-byte the real shape
        runner = Runner(emu, tmp_path)
        runner(include_marketing=False)
    deals = runner.rows("deals")
    assert deals["6744457152"]["amount"] == Decimal("3233") and deals["6744457152"]["closedate"] is None
    assert runner.rows("contacts")["51"]["email"] == "bh@hubspot.com"
    assert runner.rows("companies")["7086464459"]["domain"] == "fda.gov"
