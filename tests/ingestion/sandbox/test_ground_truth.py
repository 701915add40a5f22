"""Ground truth on a hand-built org (numbers worked out by hand below) and after ``apply_changes``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from ingestion.sandbox import SalesforceOrg, generate_company
from ingestion.sandbox.ground_truth import compute_ground_truth, convert, load_rates, trailing_window

AS_OF = dt.date(2026, 9, 30)  # window: 2025-Q3 .. 2026-Q2 = 2025-07-01 .. 2026-06-30
P, Q, NA, WON, LOST = "Prospecting", "Qualification", "Needs Analysis", "Closed Won", "Closed Lost"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)


def add_opp(
    org: SalesforceOrg,
    name: str,
    currency: str,
    amount: str | None,
    close: str,
    history: list[tuple[str, str, str | None]],
    deleted: bool = False,
) -> str:
    """An opportunity whose current state is the last of ``history`` [(day, stage, amount)]."""
    stage = history[-1][1]
    opp = org.insert(
        "Opportunity",
        {
            "Name": name,
            "StageName": stage,
            "CurrencyIsoCode": currency,
            "IsDeleted": deleted,
            "Amount": Decimal(amount) if amount else None,
            "CloseDate": dt.date.fromisoformat(close),
            "IsClosed": stage in (WON, LOST),
            "IsWon": stage == WON,
            "CreatedDate": at(history[0][0]),
            "LastModifiedDate": at(history[-1][0]),
            "SystemModstamp": at(history[-1][0]),
        },
    )
    for day, row_stage, row_amount in history:
        org.insert(
            "OpportunityHistory",
            {
                "OpportunityId": opp["Id"],
                "StageName": row_stage,
                "IsDeleted": deleted,
                "Amount": Decimal(row_amount) if row_amount else None,
                "CreatedDate": at(day),
                "SystemModstamp": at(day),
            },
        )
    return str(opp["Id"])


@pytest.fixture()
def org() -> tuple[SalesforceOrg, dict[str, str]]:
    org = SalesforceOrg(clock_start=dt.datetime(2026, 9, 30, 18, tzinfo=dt.UTC))
    ids = {
        # closed in the window
        "A": add_opp(
            org,
            "A",
            "EUR",
            "1234.56",
            "2025-10-15",
            [
                ("2025-07-10", P, "1234.56"),
                ("2025-08-01", Q, "1234.56"),
                ("2025-09-01", NA, "1234.56"),
                ("2025-10-15", WON, "1234.56"),
            ],
        ),
        "B": add_opp(
            org,
            "B",
            "EUR",
            "2000",
            "2025-11-10",
            [  # back to P and Q again: entered Q once
                ("2025-07-05", P, "2000"),
                ("2025-07-20", Q, "2000"),
                ("2025-08-01", P, "2000"),
                ("2025-08-15", Q, "2000"),
                ("2025-11-10", LOST, "2000"),
            ],
        ),
        "C": add_opp(
            org, "C", "USD", "300", "2025-12-01", [("2025-10-01", P, "300"), ("2025-12-01", LOST, "300")]
        ),
        "G": add_opp(
            org, "G", "USD", None, "2026-03-01", [("2025-07-02", NA, None), ("2026-03-01", WON, None)]
        ),
        "I": add_opp(
            org,
            "I",
            "USD",
            "400",
            "2025-09-20",
            [("2025-09-01", P, "400"), ("2025-09-10", Q, "400"), ("2025-09-20", LOST, "400")],
        ),
        "K": add_opp(
            org,
            "K",
            "USD",
            "600",
            "2026-01-20",
            [("2025-12-01", P, "600"), ("2025-12-15", Q, "600"), ("2026-01-20", LOST, "600")],
        ),
        # open, with an amount-only change (same stage) before it entered Needs Analysis
        "D": add_opp(
            org,
            "D",
            "GBP",
            "3000",
            "2026-10-31",
            [("2026-04-01", P, "2500"), ("2026-04-10", P, "3000"), ("2026-07-02", NA, "3000")],
        ),
        # won before the window: no effect on win rates, but qualified in 2025-Q1
        "E": add_opp(
            org,
            "E",
            "USD",
            "700",
            "2025-05-01",
            [("2025-03-01", P, "700"), ("2025-03-20", Q, "700"), ("2025-05-01", WON, "700")],
        ),
        # deleted: counts nowhere
        "F": add_opp(
            org,
            "F",
            "USD",
            "10000",
            "2025-09-01",
            [("2025-08-05", Q, "10000"), ("2025-09-01", WON, "10000")],
            deleted=True,
        ),
        # unknown currency: counted, amount null
        "H": add_opp(org, "H", "CHF", "100", "2026-12-01", [("2026-08-01", Q, "100")]),
    }
    return org, ids


def test_trailing_window_is_the_four_full_quarters_before_as_of() -> None:
    assert trailing_window(AS_OF, 4) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert trailing_window(dt.date(2026, 1, 1), 4) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert trailing_window(dt.date(2026, 2, 15), 1) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))


def test_win_rates_and_qualified_stages_by_hand(org: tuple[SalesforceOrg, dict[str, str]]) -> None:
    truth = compute_ground_truth(org[0], AS_OF)
    # Closed in the window: A (won), B, C, G (won), I, K. E closed before it, F is deleted.
    # Prospecting: A B C I K entered, A won -> 1/5 = 0.2   (below 0.25: not qualified)
    # Qualification: A B I K entered, A won -> 1/4 = 0.25  (threshold is inclusive: qualified)
    # Needs Analysis: A G -> 2/2; Closed Won: A G -> 1.0; Closed Lost: B C I K -> 0.0
    assert truth["stage_win_rates"] == {P: 0.2, Q: 0.25, NA: 1.0, WON: 1.0, LOST: 0.0}
    assert truth["qualified_stages"] == [WON, NA, Q]
    assert compute_ground_truth(org[0], AS_OF, qualified_stage_win_rate_threshold=0.3)[
        "qualified_stages"
    ] == [WON, NA]


def test_qualified_and_created_pipeline_by_hand(org: tuple[SalesforceOrg, dict[str, str]]) -> None:
    truth = compute_ground_truth(org[0], AS_OF)
    # Current amounts at the rate with the greatest valid_from <= CloseDate:
    # A EUR 1234.56 x 1.0904 (2025-10-01) = 1346.164224; B EUR 2000 x 1.0937 (2025-11-01) = 2187.40;
    # D GBP 3000 x 1.2858 (2026-10-01) = 3857.40; G null amount and H unknown currency: null.
    # First entry into a qualified stage (Q, NA, Won): A Q 2025-08-01, B Q 2025-07-20, G NA 2025-07-02,
    # I Q 2025-09-10, K Q 2025-12-15, D NA 2026-07-02, E Q 2025-03-20, H Q 2026-08-01; C never.
    # 2025-Q3: 1346.164224 + 2187.40 + 400 (+ G null) = 3933.564224 -> 3933.56 (rounded once, at the end)
    assert truth["qualified_pipeline_by_quarter"] == {
        "2025-Q1": "700.00",
        "2025-Q3": "3933.56",
        "2025-Q4": "600.00",
        "2026-Q3": "3857.40",
    }
    assert truth["qualified_opportunities_by_quarter"] == {
        "2025-Q1": 1,
        "2025-Q3": 4,
        "2025-Q4": 1,
        "2026-Q3": 2,
    }
    # Created: A B G I in 2025-Q3, C K in 2025-Q4 (300 + 600), D in 2026-Q2, E in 2025-Q1, H (null) in 2026-Q3
    assert truth["created_pipeline_by_quarter"] == {
        "2025-Q1": "700.00",
        "2025-Q3": "3933.56",
        "2025-Q4": "900.00",
        "2026-Q2": "3857.40",
        "2026-Q3": "0.00",
    }
    assert truth["created_opportunities_by_quarter"] == {
        "2025-Q1": 1,
        "2025-Q3": 4,
        "2025-Q4": 2,
        "2026-Q2": 1,
        "2026-Q3": 1,
    }
    assert truth["qualified_pipeline_by_month"]["2025-07"] == "2187.40"  # B (and G, null)
    assert truth["live_counts"]["Opportunity"] == 9 and truth["deleted_counts"]["Opportunity"] == 1
    assert truth["mess"]["amount_missing"] == 1 and truth["mess"]["non_usd_opportunities"] == 4
    assert len(truth["opportunities_without_contact_role"]) == 9
    json.dumps(truth)


def _person(org: SalesforceOrg, obj: str, email: str | None, **fields: Any) -> str:
    t = at("2025-01-01")
    return str(org.insert(obj, {"Email": email, "CreatedDate": t, "SystemModstamp": t, **fields})["Id"])


def test_persons_resolve_by_email_and_conversion() -> None:
    org = SalesforceOrg(clock_start=dt.datetime(2026, 9, 30, 18, tzinfo=dt.UTC))
    account = str(
        org.insert(
            "Account", {"Name": "X", "CreatedDate": at("2025-01-01"), "SystemModstamp": at("2025-01-01")}
        )["Id"]
    )
    _person(org, "Contact", "a@x.com", AccountId=account)
    _person(org, "Lead", " A@X.com ", IsConverted=False)  # duplicate of the contact: same person
    c2 = _person(org, "Contact", "b@x.com", AccountId=account)
    _person(org, "Lead", "b@x.com", IsConverted=True, ConvertedContactId=c2)  # became c2
    c5 = _person(org, "Contact", "new@x.com", AccountId=account)
    _person(org, "Lead", "old@x.com", IsConverted=True, ConvertedContactId=c5)  # became c5, other email
    _person(org, "Lead", None, IsConverted=False)  # no email: a person of its own
    _person(org, "Contact", None, AccountId=account)  # no email: another one
    _person(org, "Contact", "c@gmail.com")  # no account
    _person(org, "Lead", "d@gmail.com", IsConverted=False)  # free mail: no account
    _person(org, "Lead", "z@x.com", IsConverted=False, IsDeleted=True)  # deleted: not a person
    truth = compute_ground_truth(org, AS_OF)
    # {a, A}, {b lead, c2}, {old, c5}, {None lead}, {None contact}, {c@gmail}, {d@gmail} = 7
    assert truth["persons_distinct"] == 7 and truth["accounts_distinct"] == 1
    assert truth["mess"]["duplicate_person_records"] == 1
    assert truth["mess"]["persons_without_account"] == 2
    assert truth["mess"]["persons_without_email"] == 2


@pytest.fixture()
def company():  # type: ignore[no-untyped-def]
    return generate_company(seed=3, scale=0.1)


def _max_stamp(org: SalesforceOrg) -> dt.datetime:
    return max(r["SystemModstamp"] for obj in org.objects() for r in org.records(obj))


def test_apply_changes_stamps_later_and_moves_the_truth(company) -> None:  # type: ignore[no-untyped-def]
    org = company.salesforce
    before, stamp_before = company.ground_truth(), _max_stamp(org)
    opps = {o["Id"]: dict(o) for o in org.records("Opportunity")}
    changed = company.apply_changes(
        seed=5, new_opportunities=3, updated_opportunities=4, deleted_opportunities=2
    )
    assert len(changed["new_opportunities"]) == 3 and len(changed["deleted_opportunities"]) == 2
    assert len(changed["updated_opportunities"]) == 4
    touched = [
        (obj, r) for obj in org.objects() for r in org.records(obj) if r["SystemModstamp"] > stamp_before
    ]
    stamps = [(obj, r["SystemModstamp"]) for obj, r in touched]
    assert len(set(stamps)) == len(stamps), "one tick per changed record of an object"
    assert all(s.date() == company.end_date for _, s in stamps)
    touched = [r for _, r in touched]
    ids = {r["Id"] for r in touched}
    assert set(changed["new_opportunities"]) | set(changed["updated_opportunities"]) <= ids
    assert set(changed["deleted_opportunities"]) | set(changed["deleted_history"]) <= ids
    for opp_id in changed["deleted_opportunities"]:
        assert org.get("Opportunity", opp_id)["IsDeleted"]
    for opp_id in changed["updated_opportunities"]:
        assert org.get("Opportunity", opp_id)["StageName"] != opps[opp_id]["StageName"]
    after = company.ground_truth()
    assert after["live_counts"]["Opportunity"] == before["live_counts"]["Opportunity"] + 3 - 2
    assert after["deleted_counts"]["Opportunity"] == before["deleted_counts"]["Opportunity"] + 2


def test_deleted_opportunities_leave_the_sums(company) -> None:  # type: ignore[no-untyped-def]
    before = company.ground_truth()
    changed = company.apply_changes(
        seed=11, new_opportunities=0, updated_opportunities=0, deleted_opportunities=3
    )
    after = company.ground_truth()
    rates = load_rates()
    removed: dict[str, Decimal] = {}
    for opp_id in changed["deleted_opportunities"]:
        opp = company.salesforce.get("Opportunity", opp_id)
        quarter = f"{opp['CreatedDate'].year}-Q{(opp['CreatedDate'].month - 1) // 3 + 1}"
        amount = convert(opp["Amount"], opp["CurrencyIsoCode"], opp["CloseDate"], rates) or Decimal(0)
        removed[quarter] = removed.get(quarter, Decimal(0)) + amount
    for quarter, amount in removed.items():
        drop = Decimal(before["created_pipeline_by_quarter"][quarter]) - Decimal(
            after["created_pipeline_by_quarter"].get(quarter, "0")
        )
        assert abs(drop - amount) <= Decimal("0.01"), quarter  # each side rounded once
    for quarter in set(before["created_pipeline_by_quarter"]) - set(removed):
        assert after["created_pipeline_by_quarter"][quarter] == before["created_pipeline_by_quarter"][quarter]
    assert after["live_counts"]["Opportunity"] == before["live_counts"]["Opportunity"] - 3
    assert (
        sum(after["created_opportunities_by_quarter"].values())
        == sum(before["created_opportunities_by_quarter"].values()) - 3
    )


def test_apply_changes_is_deterministic() -> None:
    a, b = generate_company(seed=3, scale=0.1), generate_company(seed=3, scale=0.1)
    assert a.apply_changes(seed=1) == b.salesforce.apply_changes(seed=1)
