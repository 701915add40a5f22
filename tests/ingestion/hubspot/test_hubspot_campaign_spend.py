"""Campaign spend items (``/marketing/v3/campaigns/{campaignGuid}/budget/totals``): the emulator serves the
sandbox campaigns' actual cost as spend items; the connector loads them typed, paged, through faults,
merged on (campaign_id, id), with changes, deletions and bad amounts handled, and a rerun adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from hs_support import T0, Runner, tiny_portal

from ingestion.hubspot import settings
from ingestion.sandbox import SandboxCompany
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal
from ingestion.sandbox.hubspot_shapes import guid

TOTALS = "/marketing/v3/campaigns/{}/budget/totals"
SPEND_TABLE = "campaign_spend_items"


def _get(emu: HubSpotEmulator, path: str) -> requests.Response:
    return requests.get(f"{emu.base_url}{path}", headers={"Authorization": f"Bearer {emu.token}"}, timeout=30)


def test_spend_items_are_the_campaigns_actual_cost(
    company: SandboxCompany, portal: HubSpotPortal, emulator: HubSpotEmulator
) -> None:
    campaigns = company.salesforce.records("Campaign", include_deleted=False)
    multi_month = 0
    for c in campaigns:
        body = _get(emulator, TOTALS.format(guid("campaign", c["Id"]))).json()
        assert set(body) == {
            "budgetItems",
            "spendItems",
            "currencyCode",
            "budgetTotal",
            "spendTotal",
            "remainingBudget",
        }
        items = body["spendItems"]
        assert body["currencyCode"] == c["CurrencyIsoCode"]
        spent = sum((Decimal(str(i["amount"])) for i in items), Decimal(0))
        assert spent == (c["ActualCost"] or 0), c["Id"]
        assert Decimal(str(body["spendTotal"])) == spent
        assert Decimal(str(body["budgetTotal"])) == (c["BudgetedCost"] or 0)
        assert sorted(i["order"] for i in items) == list(range(len(items)))
        assert all(isinstance(i["createdAt"], int) and isinstance(i["id"], str) for i in items)
        multi_month += len(items) > 1
        if items:
            one = _get(
                emulator, f"/marketing/v3/campaigns/{guid('campaign', c['Id'])}/spend/{items[-1]['id']}"
            )
            assert one.status_code == 200 and one.json() == items[-1]
    assert multi_month, "some campaign should run over several months (several spend items)"
    unknown = _get(emulator, TOTALS.format("00000000-0000-0000-0000-000000000000"))
    assert unknown.status_code == 404 and unknown.json()["category"] == "OBJECT_NOT_FOUND"
    first = guid("campaign", campaigns[0]["Id"])
    assert _get(emulator, f"/marketing/v3/campaigns/{first}/spend/1").status_code == 404


def _campaign(portal: HubSpotPortal, n: int, currency: str = "USD") -> str:
    cid = f"0000000{n}-aaaa-4bbb-8ccc-00000000000{n}"
    portal.campaigns.append(
        {
            "id": cid,
            "createdAt": "2025-01-01T00:00:00.000Z",
            "updatedAt": "2025-01-01T00:00:00.000Z",
            "properties": {"hs_name": f"Campaign {n}", "hs_currency_code": currency},
        }
    )
    portal.campaign_budgets[cid] = {"currencyCode": currency, "budgetItems": [], "spendItems": []}
    return cid


@pytest.fixture
def spend_portal() -> HubSpotPortal:
    """A tiny portal with five campaigns: three with spend items (one in EUR), two without."""
    portal = tiny_portal()
    ids = [_campaign(portal, n, "EUR" if n == 2 else "USD") for n in range(5)]
    portal.add_spend_item(ids[0], "1200.50", "January invoice")
    portal.add_spend_item(ids[0], "99.99", "February invoice")
    portal.add_spend_item(ids[1], "0.01", "Rounding")
    portal.add_spend_item(ids[2], "15000.00", "Booth")
    return portal


@pytest.fixture
def spend_runner(spend_portal: HubSpotPortal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(settings, "LIST_PAGE_LIMIT", 2)  # five campaigns: three pages
    with HubSpotEmulator(spend_portal) as emu:
        yield emu, Runner(emu, tmp_path)


def _expected(portal: HubSpotPortal) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        (cid, i["id"]): (
            Decimal(str(i["amount"])),
            budget["currencyCode"],
            i["name"],
            i["order"],
            dt.datetime.fromtimestamp(i["createdAt"] / 1000, dt.UTC),
            False,
        )
        for cid, budget in portal.campaign_budgets.items()
        for i in budget["spendItems"]
    }


def _loaded(runner: Runner) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        (r[0], r[1]): r[2:]
        for r in runner.sql(
            "select campaign_id, id, amount, currency_code, name, item_order, created_at, is_deleted "
            f"from raw_hubspot.{SPEND_TABLE}"
        )
    }


def test_load_is_typed_paged_and_a_rerun_adds_nothing(spend_runner, spend_portal: HubSpotPortal) -> None:
    emu, runner = spend_runner
    counts = runner()
    assert counts[SPEND_TABLE] == 4
    assert _loaded(runner) == _expected(spend_portal)
    cols = runner.columns(SPEND_TABLE)
    assert cols["amount"].startswith("DECIMAL") and cols["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert cols["item_order"] == "BIGINT" and cols["is_deleted"] == "BOOLEAN"
    pages = [p for m, p in emu.request_log if m == "GET" and p == "/marketing/v3/campaigns"]
    assert len(pages) == 1 + 3  # the campaigns resource reads 100 a page; the spend resource pages 5 by 2
    assert emu.count_requests("/marketing/v3/campaigns/") == 5  # one budget/totals per campaign
    assert SPEND_TABLE not in runner()  # nothing changed: nothing written
    assert runner.count(SPEND_TABLE) == 4


def test_faults_on_the_spend_endpoint(spend_runner, spend_portal: HubSpotPortal) -> None:
    """429 with Retry-After, a 500 and a truncated body are retried; a campaign deleted between the list and
    its budget/totals (404) has its known items marked deleted, and they come back when it answers again."""
    emu, runner = spend_runner
    first = next(iter(spend_portal.campaign_budgets))
    for fault in (
        {
            "status": 429,
            "body": {"status": "error", "category": "RATE_LIMITS"},
            "headers": {"Retry-After": "0"},
        },
        {"status": 500, "body": {"status": "error", "message": "internal error"}, "skip": 1},
        {"raw": b'{"spendItems": [{"id": "9', "skip": 2},
    ):
        emu.inject_fault("/marketing/v3/campaigns/", **fault)
    runner()
    assert not emu.faults, "a fault was never hit"
    assert _loaded(runner) == _expected(spend_portal)

    emu.inject_fault(TOTALS.format(first), 404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
    counts = runner()
    assert counts[SPEND_TABLE] == 2
    gone = runner.sql(f"select id, amount, deleted_at from raw_hubspot.{SPEND_TABLE} where is_deleted")
    assert {r[0] for r in gone} == {i["id"] for i in spend_portal.campaign_budgets[first]["spendItems"]}
    assert all(r[1] is None and r[2] is not None for r in gone)
    assert runner()[SPEND_TABLE] == 2  # back, unchanged
    assert _loaded(runner) == _expected(spend_portal)


def test_changes_deletions_and_bad_amounts(spend_runner, spend_portal: HubSpotPortal) -> None:
    emu, runner = spend_runner
    runner()
    ids = list(spend_portal.campaign_budgets)
    changed = spend_portal.update_spend_item(
        ids[0], spend_portal.campaign_budgets[ids[0]]["spendItems"][1]["id"], "120.00", at=T0
    )
    deleted = spend_portal.campaign_budgets[ids[2]]["spendItems"][0]["id"]
    spend_portal.delete_spend_item(ids[2], deleted)
    added = spend_portal.add_spend_item(ids[3], "42.42", "New line", at=T0 + dt.timedelta(days=1))
    counts = runner()
    assert counts[SPEND_TABLE] == 3  # the change, the deletion, the new item
    rows = {
        (r[0], r[1]): r[2:]
        for r in runner.sql(f"select campaign_id, id, amount, is_deleted from raw_hubspot.{SPEND_TABLE}")
    }
    assert rows[(ids[0], changed["id"])] == (Decimal("120.00"), False)
    assert rows[(ids[2], deleted)] == (None, True)
    assert rows[(ids[3], added["id"])] == (Decimal("42.42"), False)
    assert runner.count(SPEND_TABLE) == 5

    bad = spend_portal.add_spend_item(ids[4], "1", "Typo", at=T0 + dt.timedelta(days=2))
    emu.inject_fault(
        TOTALS.format(ids[4]),
        transform=lambda body: {
            **body,
            "spendItems": [{**i, "amount": "n/a"} if i["id"] == bad["id"] else i for i in body["spendItems"]],
        },
    )
    runner()
    amount, reason, deleted_flag = runner.sql(
        f"select amount, quarantine_reason, is_deleted from raw_hubspot.{SPEND_TABLE} where id = '{bad['id']}'"
    )[0]
    assert amount is None and reason == "amount is not a number: 'n/a'" and deleted_flag is False
