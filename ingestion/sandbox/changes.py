"""Changes after the initial history: what a nightly incremental load must pick up."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from ingestion.sandbox.generator_base import (
    CONTACT_ROLES,
    EXPANSION,
    NEW_BUSINESS,
    OPEN_STAGES,
    WON,
    money,
)
from ingestion.sandbox.generator_deals import history_row, stage_fields
from ingestion.sandbox.org import SalesforceOrg


def _org(target: Any) -> SalesforceOrg:
    return target if isinstance(target, SalesforceOrg) else target.salesforce


def _live(org: SalesforceOrg, obj: str) -> list[dict[str, Any]]:
    return sorted((r for r in org.records(obj) if not r.get("IsDeleted")), key=lambda r: r["Id"])


def apply_changes(
    target: Any,
    seed: int,
    new_opportunities: int = 5,
    updated_opportunities: int = 5,
    deleted_opportunities: int = 2,
) -> dict[str, list[str]]:
    """Add, advance (with new history rows and some amount changes) and delete opportunities.

    ``target`` is a ``SalesforceOrg`` or a ``SandboxCompany``. Every touched record is stamped from the
    org clock, so its ``SystemModstamp`` is later than anything before. Deterministic for ``seed`` and
    the org's state. Returns the ids per kind of change.
    """
    org = _org(target)
    rng = random.Random(seed)
    out: dict[str, list[str]] = defaultdict(list)
    with org.lock:
        opps = _live(org, "Opportunity")
        history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for h in _live(org, "OpportunityHistory"):
            history[h["OpportunityId"]].append(h)
        roles: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in _live(org, "OpportunityContactRole"):
            roles[r["OpportunityId"]].append(r)
        contacts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in _live(org, "Contact"):
            if c["AccountId"]:
                contacts[c["AccountId"]].append(c)
        accounts = [a for a in _live(org, "Account") if contacts[a["Id"]]]
        for _ in range(new_opportunities if accounts else 0):
            _new_opportunity(org, rng, rng.choice(accounts), contacts, out)
        open_opps = [o for o in opps if not o["IsClosed"]]
        moved = rng.sample(open_opps, min(updated_opportunities, len(open_opps)))
        for i, opp in enumerate(moved):
            _advance(org, rng, opp, change_amount=i % 2 == 0, out=out)
        moved_ids = {o["Id"] for o in moved}
        pool = [o for o in opps if o["Id"] not in moved_ids]
        for opp in rng.sample(pool, min(deleted_opportunities, len(pool))):
            org.delete("Opportunity", opp["Id"])
            for child, kind in (
                (history[opp["Id"]], "OpportunityHistory"),
                (roles[opp["Id"]], "OpportunityContactRole"),
            ):
                for rec in child:
                    org.delete(kind, rec["Id"])
                    out[f"deleted_{'history' if kind == 'OpportunityHistory' else 'contact_roles'}"].append(
                        rec["Id"]
                    )
            out["deleted_opportunities"].append(opp["Id"])
    for key in ("new_opportunities", "updated_opportunities", "deleted_opportunities"):
        out.setdefault(key, [])
    return dict(out)


def _new_opportunity(
    org: SalesforceOrg,
    rng: random.Random,
    account: dict[str, Any],
    contacts: dict[str, list[dict[str, Any]]],
    out: dict[str, list[str]],
) -> None:
    """A new opportunity now, at Prospecting (half of them move on to Qualification at once)."""
    now = org.tick()
    otype = EXPANSION if account["Type"] == "Customer" else NEW_BUSINESS
    employees = account["NumberOfEmployees"] or 300
    opp = org.insert(
        "Opportunity",
        {
            "AccountId": account["Id"],
            "Name": f"{account['Name']} - {otype}",
            "Type": otype,
            "Amount": money(6000 + min(employees, 8000) * rng.uniform(10, 30)),
            "CurrencyIsoCode": account["CurrencyIsoCode"] or "USD",
            "CloseDate": now.date() + dt.timedelta(days=rng.randint(30, 120)),
            "LeadSource": "Web",
            "OwnerId": account["OwnerId"],
            "Term_Months__c": 12.0,
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
            **stage_fields(OPEN_STAGES[0]),
        },
    )
    row = org.insert(
        "OpportunityHistory", history_row(opp, now, OPEN_STAGES[0], opp["Amount"], opp["CloseDate"])
    )
    out["new_opportunities"].append(opp["Id"])
    out["new_history"].append(row["Id"])
    chosen = rng.sample(contacts[account["Id"]], min(rng.randint(1, 3), len(contacts[account["Id"]])))
    for j, (contact, role) in enumerate(zip(chosen, rng.sample(CONTACT_ROLES, len(chosen)), strict=True)):
        when = org.tick()
        rec = org.insert(
            "OpportunityContactRole",
            {
                "OpportunityId": opp["Id"],
                "ContactId": contact["Id"],
                "Role": role,
                "IsPrimary": j == 0,
                "CreatedDate": when,
                "LastModifiedDate": when,
                "SystemModstamp": when,
            },
        )
        out["new_contact_roles"].append(rec["Id"])
    if rng.random() < 0.5:
        _advance(org, rng, opp, change_amount=False, out=out, kind=None)


def _advance(
    org: SalesforceOrg,
    rng: random.Random,
    opp: dict[str, Any],
    change_amount: bool,
    out: dict[str, list[str]],
    kind: str | None = "updated_opportunities",
) -> None:
    """Move an open opportunity to its next stage now (the last open stage moves to Closed Won)."""
    i = OPEN_STAGES.index(opp["StageName"])
    stage = OPEN_STAGES[i + 1] if i + 1 < len(OPEN_STAGES) else WON
    changes: dict[str, Any] = stage_fields(stage)
    if change_amount and opp["Amount"] is not None:
        changes["Amount"] = money(float(opp["Amount"]) * rng.uniform(1.05, 1.3))
    if stage == WON:
        changes["CloseDate"] = org.now().date()
    when = org.tick()
    row = org.insert(
        "OpportunityHistory",
        history_row(
            opp, when, stage, changes.get("Amount", opp["Amount"]), changes.get("CloseDate", opp["CloseDate"])
        ),
    )
    org.update("Opportunity", opp["Id"], changes)
    out["new_history"].append(row["Id"])
    if kind:
        out[kind].append(opp["Id"])
