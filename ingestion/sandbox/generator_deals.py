"""Opportunities, their stage history and contact roles: new business, expansions, renewals, churn."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ingestion.sandbox.generator_base import (
    CONTACT_ROLES,
    DOWNGRADE,
    EXPANSION,
    LEAD_SOURCES,
    LOST,
    NEW_BUSINESS,
    OPEN_STAGES,
    RENEWAL,
    STAGE_FORECAST,
    STAGE_PROBABILITY,
    WON,
    GenContext,
    is_icp,
    money,
    stamp,
)
from ingestion.sandbox.generator_campaigns import campaign_before

# probability to advance out of each open stage (else lost there), per opportunity type
ADVANCE: dict[str, tuple[float, ...]] = {
    NEW_BUSINESS: (0.48, 0.68, 0.75, 0.8, 0.85),
    EXPANSION: (0.7, 0.75, 0.8, 0.85, 0.9),
    RENEWAL: (0.92,) * 5,
    DOWNGRADE: (0.92,) * 5,
}
START_STAGE: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    NEW_BUSINESS: ((0, 1), (0.9, 0.1)),
    EXPANSION: ((1, 2), (0.6, 0.4)),
    RENEWAL: ((3, 4), (0.5, 0.5)),
    DOWNGRADE: ((3, 4), (0.5, 0.5)),
}
CYCLE_DAYS: dict[str, tuple[int, int]] = {
    NEW_BUSINESS: (20, 180),
    EXPANSION: (20, 120),
    RENEWAL: (20, 60),
    DOWNGRADE: (20, 60),
}
SKIP_STAGE_SHARE = 0.08
LOSS_REASONS = ("Price", "Competitor", "No Decision", "Timing", "Missing Feature", "Budget")


def stage_path(ctx: GenContext, otype: str, icp: bool) -> tuple[list[str], bool]:
    """Open stages an opportunity passes through and whether it is won in the end."""
    rng = ctx.rng
    starts, weights = START_STAGE[otype]
    i = rng.choices(starts, weights=weights)[0]
    path = [i]
    bonus = (0.05 if icp else -0.03) if otype == NEW_BUSINESS else 0.0
    while True:
        if rng.random() >= ADVANCE[otype][i] + bonus:
            return [OPEN_STAGES[j] for j in path], False
        i += 2 if rng.random() < SKIP_STAGE_SHARE else 1
        if i >= len(OPEN_STAGES):
            return [OPEN_STAGES[j] for j in path], True
        path.append(i)


def history_row(
    opp: dict[str, Any], when: dt.datetime, stage: str, amount: Decimal | None, close_date: dt.date
) -> dict[str, Any]:
    """An OpportunityHistory record (not inserted)."""
    prob = STAGE_PROBABILITY[stage]
    return {
        "OpportunityId": opp["Id"],
        "StageName": stage,
        "Amount": amount,
        "ExpectedRevenue": (amount * Decimal(prob) / 100).quantize(Decimal("0.01"))
        if amount is not None
        else None,
        "CloseDate": close_date,
        "Probability": prob,
        "ForecastCategory": STAGE_FORECAST[stage],
        "CreatedById": opp["OwnerId"],
        "CreatedDate": when,
        "SystemModstamp": when,
    }


def stage_fields(stage: str) -> dict[str, Any]:
    """Opportunity fields that follow from the stage."""
    return {
        "StageName": stage,
        "IsClosed": stage in (WON, LOST),
        "IsWon": stage == WON,
        "Probability": STAGE_PROBABILITY[stage],
        "ForecastCategoryName": STAGE_FORECAST[stage],
    }


def make_opportunity(
    ctx: GenContext,
    account: dict[str, Any],
    otype: str,
    created: dt.datetime,
    amount: Decimal,
    term: int,
    campaign_id: str | None = None,
) -> dict[str, Any]:
    """Insert an opportunity with its history; stages after the end of history are cut (it stays open)."""
    rng = ctx.rng
    icp = is_icp(account["Industry"], account["NumberOfEmployees"])
    path, won = stage_path(ctx, otype, icp)
    cycle = rng.randint(*CYCLE_DAYS[otype])
    if not won:
        cycle = max(20, round(cycle * (0.4 + 0.6 * len(path) / len(OPEN_STAGES))))
    weights = [rng.uniform(0.5, 1.5) for _ in path]
    seconds, total, acc = cycle * 86400, sum(weights), 0.0
    events: list[tuple[dt.datetime, str]] = []
    for stage, w in zip(path, weights, strict=True):
        when = created + dt.timedelta(seconds=int(seconds * acc / total))
        acc += w
        if when <= ctx.end:
            events.append((when, stage))
    close_at = created + dt.timedelta(seconds=seconds)
    closed = close_at <= ctx.end
    end_day = ctx.end.date()
    if closed:
        events.append((close_at, WON if won else LOST))
        close_date = close_at.date()
    else:
        close_date = (
            close_at.date() if close_at.date() > end_day else end_day + dt.timedelta(days=rng.randint(7, 60))
        )
    first_amount = money(float(amount) * rng.uniform(0.8, 1.25)) if rng.random() < 0.3 else amount
    first_close = close_date + dt.timedelta(days=rng.randint(-30, 30)) if rng.random() < 0.25 else close_date
    change_hi = events[-1][0] if closed else ctx.end
    change_at = None
    if (first_amount, first_close) != (amount, close_date) and change_hi - created > dt.timedelta(hours=2):
        change_at = ctx.between(created + dt.timedelta(hours=1), change_hi - dt.timedelta(hours=1))
    else:
        first_amount, first_close = amount, close_date
    stage = events[-1][1]
    opp = ctx.org.insert(
        "Opportunity",
        {
            "AccountId": account["Id"],
            "Name": f"{account['Name']} - {otype}",
            "Type": otype,
            "Amount": amount,
            "CurrencyIsoCode": _currency(ctx, account),
            "CloseDate": close_date,
            "LeadSource": rng.choice(LEAD_SOURCES),
            "CampaignId": campaign_id,
            "OwnerId": account["OwnerId"],
            "Term_Months__c": float(term),
            "Loss_Reason__c": rng.choice(LOSS_REASONS) if stage == LOST else None,
            "CreatedDate": created,
            "SystemModstamp": created,
            **stage_fields(stage),
        },
    )
    rows = [(when, stage_name, False) for when, stage_name in events]
    if change_at is not None:
        rows.append((change_at, "", True))
        rows.sort(key=lambda r: r[0])
    current, after_change, inserted = "", False, []
    for when, stage_name, is_change in rows:
        after_change = after_change or is_change
        current = stage_name or current
        row_close = close_date if after_change or stage_name in (WON, LOST) else first_close
        row = history_row(opp, when, current, amount if after_change else first_amount, row_close)
        inserted.append(ctx.org.insert("OpportunityHistory", row))
    stamp(opp, rows[-1][0])
    ctx.opportunities.append(opp)
    ctx.history[opp["Id"]] = inserted
    return opp


def _currency(ctx: GenContext, account: dict[str, Any]) -> str:
    currency = str(account["CurrencyIsoCode"])
    return "USD" if currency != "USD" and ctx.rng.random() < 0.1 else currency


def _base_amount(ctx: GenContext, account: dict[str, Any]) -> Decimal:
    employees = account["NumberOfEmployees"] or 300
    acv = 6000 + min(employees, 8000) * ctx.rng.uniform(10, 30)
    if is_icp(account["Industry"], account["NumberOfEmployees"]):
        acv *= 1.4
    return money(acv)


def make_opportunities(ctx: GenContext) -> None:
    """Every account's life: new-business attempts until a win, then expansions and renewals."""
    for account in ctx.accounts:
        icp = is_icp(account["Industry"], account["NumberOfEmployees"])
        if ctx.rng.random() > (0.98 if icp else 0.85):
            continue
        when = ctx.after(account["CreatedDate"], 5, 90)
        while when < ctx.end - dt.timedelta(days=1):
            campaign = campaign_before(ctx, when) if ctx.rng.random() < 0.5 else None
            term = ctx.rng.choice((12, 12, 12, 24, 36))
            opp = make_opportunity(
                ctx, account, NEW_BUSINESS, when, _base_amount(ctx, account), term, campaign
            )
            if not opp["IsClosed"]:
                break
            if opp["IsWon"]:
                _customer(ctx, account, opp)
                break
            if ctx.rng.random() > 0.85:
                break
            when = ctx.after(opp["SystemModstamp"], 20, 120)


def _set_type(account: dict[str, Any], account_type: str, when: dt.datetime) -> None:
    account["Type"] = account_type
    if when > account["SystemModstamp"]:
        stamp(account, when)


def _customer(ctx: GenContext, account: dict[str, Any], won: dict[str, Any]) -> None:
    """A customer from ``won`` on: expansions, then renewals until churn or the end of history."""
    rng = ctx.rng
    _set_type(account, "Customer", won["SystemModstamp"])
    contract, term, closed_at = won["Amount"], int(won["Term_Months__c"]), won["SystemModstamp"]
    while True:
        if rng.random() < 0.5:
            when = closed_at + dt.timedelta(days=rng.randint(60, 250))
            if when < ctx.end:
                campaign = campaign_before(ctx, when) if rng.random() < 0.2 else None
                extra = money(float(contract) * rng.uniform(0.15, 0.4))
                opp = make_opportunity(ctx, account, EXPANSION, when, extra, term, campaign)
                if opp["IsWon"]:
                    contract += extra
        when = closed_at + dt.timedelta(days=round(term * 30.44) - rng.randint(45, 90))
        if when >= ctx.end:
            return
        otype = DOWNGRADE if rng.random() < 0.15 else RENEWAL
        amount = money(
            float(contract) * (rng.uniform(0.6, 0.9) if otype == DOWNGRADE else rng.uniform(1.0, 1.08))
        )
        term = rng.choice((12, 12, 24)) if rng.random() < 0.3 else term
        opp = make_opportunity(ctx, account, otype, when, amount, term)
        if not opp["IsClosed"]:
            return
        if not opp["IsWon"]:
            _set_type(account, "Former Customer", opp["SystemModstamp"])
            return
        contract, closed_at = amount, opp["SystemModstamp"]


def make_contact_roles(ctx: GenContext, share_without: float = 0.08) -> None:
    """One to four contacts per opportunity (the converted lead's contact first); some get none."""
    rng = ctx.rng
    opps = ctx.opportunities
    without = {o["Id"] for o in rng.sample(opps, min(len(opps), max(1, round(share_without * len(opps)))))}
    ctx.protected.update(without)
    for opp in opps:
        if opp["Id"] in without:
            continue
        contacts = ctx.account_contacts[opp["AccountId"]]
        converted = ctx.converted_contact_of_opp.get(opp["Id"])
        chosen = [c for c in contacts if c["Id"] == converted]
        pool = [c for c in contacts if c["CreatedDate"] <= opp["SystemModstamp"] and c["Id"] != converted]
        k = rng.randint(1, 4) - len(chosen)
        chosen += rng.sample(pool, min(max(k, 0), len(pool)))
        if not chosen:
            chosen = [rng.choice(contacts)]
        roles = rng.sample(CONTACT_ROLES, len(chosen))
        ctx.roles[opp["Id"]] = []
        for j, (contact, role) in enumerate(zip(chosen, roles, strict=True)):
            created = ctx.after(max(opp["CreatedDate"], contact["CreatedDate"]), 0, 3)
            ctx.roles[opp["Id"]].append(
                ctx.org.insert(
                    "OpportunityContactRole",
                    {
                        "OpportunityId": opp["Id"],
                        "ContactId": contact["Id"],
                        "Role": role,
                        "IsPrimary": j == 0,
                        "CreatedDate": created,
                        "LastModifiedDate": created,
                        "SystemModstamp": created,
                    },
                )
            )
            ctx.protected.add(contact["Id"])
    ctx.injected["opportunities_without_contact_role"] = len(without)
