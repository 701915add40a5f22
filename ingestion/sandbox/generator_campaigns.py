"""Campaigns and campaign members of the sandbox company."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from typing import Any

from ingestion.sandbox.generator_base import GenContext, money, stamp, utc

# type -> (duration days range, budget range USD, member weight, statuses, responded statuses)
CAMPAIGN_TYPES: dict[str, tuple[tuple[int, int], tuple[int, int], float, tuple[str, ...], frozenset[str]]] = {
    "Webinar": ((1, 1), (2_000, 8_000), 1.0, ("Registered", "Attended"), frozenset({"Attended"})),
    "Conference": (
        (2, 4),
        (20_000, 90_000),
        0.8,
        ("Registered", "Attended", "Responded"),
        frozenset({"Attended", "Responded"}),
    ),
    "Trade Show": (
        (2, 3),
        (15_000, 60_000),
        0.8,
        ("Registered", "Attended", "Responded"),
        frozenset({"Attended", "Responded"}),
    ),
    "Email": ((1, 7), (500, 3_000), 2.5, ("Sent", "Opened", "Clicked"), frozenset({"Clicked"})),
    "Paid Search": (
        (30, 120),
        (10_000, 50_000),
        1.2,
        ("Clicked", "Responded"),
        frozenset({"Clicked", "Responded"}),
    ),
    "Paid Social": (
        (30, 90),
        (8_000, 40_000),
        1.2,
        ("Clicked", "Responded"),
        frozenset({"Clicked", "Responded"}),
    ),
    "Content": ((60, 180), (3_000, 15_000), 1.0, ("Responded",), frozenset({"Responded"})),
    "Partners": ((30, 180), (5_000, 20_000), 0.5, ("Sent", "Responded"), frozenset({"Responded"})),
    "Website": ((90, 365), (1_000, 5_000), 1.0, ("Responded",), frozenset({"Responded"})),
    "Direct Mail": ((7, 21), (5_000, 25_000), 0.4, ("Sent", "Responded"), frozenset({"Responded"})),
}
TOPICS = ("Pipeline Summit", "RevOps Playbook", "Q-Launch", "Data Trust", "Forecast Clinic", "Buyer Journey")


def make_campaigns(ctx: GenContext) -> None:
    """Campaigns of every type over the whole period (every type at least once)."""
    rng = ctx.rng
    types = list(CAMPAIGN_TYPES)
    end_day = ctx.end.date()
    for i in range(ctx.count(60, len(types))):
        ctype = types[i] if i < len(types) else rng.choice(types)
        (dmin, dmax), (bmin, bmax), *_ = CAMPAIGN_TYPES[ctype]
        start_day = ctx.between(ctx.start, ctx.end - dt.timedelta(days=10)).date()
        end = start_day + dt.timedelta(days=rng.randint(dmin, dmax) - 1)
        started = start_day <= end_day
        done = end < end_day
        currency = "EUR" if rng.random() < 0.2 else "USD"
        budget = money(rng.uniform(bmin, bmax))
        created = utc(start_day) - dt.timedelta(days=rng.randint(7, 45), hours=-rng.randint(8, 17))
        modified = (
            min(utc(end, 20) + dt.timedelta(days=rng.randint(0, 5)), ctx.end)
            if done
            else ctx.after(created, 0, 7)
        )
        rec = ctx.org.insert(
            "Campaign",
            {
                "Name": f"{start_day:%Y-%m} {ctype} - {rng.choice(TOPICS)}",
                "Type": ctype,
                "Status": "Completed" if done else ("In Progress" if started else "Planned"),
                "StartDate": start_day,
                "EndDate": end,
                "BudgetedCost": budget,
                "ActualCost": money(float(budget) * rng.uniform(0.7, 1.15)) if started else None,
                "CurrencyIsoCode": currency,
                "IsActive": not done,
                "OwnerId": ctx.user("Marketing"),
                "CreatedDate": created,
                "LastModifiedDate": max(modified, created),
                "SystemModstamp": max(modified, created),
            },
        )
        ctx.campaigns.append(rec)
    ctx.campaigns.sort(key=lambda c: (c["StartDate"], c["Id"]))
    ctx.campaign_starts = [c["StartDate"] for c in ctx.campaigns]


def campaign_before(ctx: GenContext, when: dt.datetime) -> str | None:
    """A random campaign that started on or before ``when`` (None if there is none)."""
    k = bisect.bisect_right(ctx.campaign_starts, when.date())
    return ctx.campaigns[ctx.rng.randrange(k)]["Id"] if k else None


def make_members(ctx: GenContext) -> None:
    """Campaign members: each a person in a campaign once, after both exist; some responded."""
    rng = ctx.rng
    campaigns = ctx.campaigns
    cum_weights = list(itertools.accumulate(CAMPAIGN_TYPES[c["Type"]][2] for c in campaigns))
    # per campaign: the first and last moment someone can join (from the start to two weeks after the end)
    windows = [
        (utc(c["StartDate"], 8), min(utc(c["EndDate"], 18) + dt.timedelta(days=14), ctx.end))
        for c in campaigns
    ]
    # rng.choices(range(n), cum_weights=cum_weights)[0], inlined: the same single random() draw
    total, last = cum_weights[-1] + 0.0, len(campaigns) - 1
    seen: set[int] = set()  # campaign index * persons + person index: one member per pair
    persons = ctx.persons
    n_persons = len(persons)
    for _ in range(ctx.count(25_000, 50, kind="campaign_members")):
        for _attempt in range(4):
            i = bisect.bisect(cum_weights, rng.random() * total, 0, last)
            j = rng.randrange(n_persons)
            obj, person = persons[j]
            key = i * n_persons + j
            lo, hi = max(windows[i][0], person["CreatedDate"]), windows[i][1]
            if lo >= hi or key in seen:
                continue
            _add_member(ctx, campaigns[i], obj, person, ctx.between(lo, hi))
            seen.add(key)
            break


def _add_member(
    ctx: GenContext, campaign: dict[str, Any], obj: str, person: dict[str, Any], created: dt.datetime
) -> None:
    statuses, responded_statuses = CAMPAIGN_TYPES[campaign["Type"]][3:]
    status = ctx.rng.choice(statuses)
    responded = status in responded_statuses
    responded_at = ctx.after(created, 0, 3) if responded else None
    rec = ctx.org.insert(
        "CampaignMember",
        {
            "CampaignId": campaign["Id"],
            "LeadId": person["Id"] if obj == "Lead" else None,
            "ContactId": person["Id"] if obj == "Contact" else None,
            "Status": status,
            "HasResponded": responded,
            "FirstRespondedDate": responded_at.date() if responded_at else None,
            "CreatedDate": created,
            "SystemModstamp": created,
        },
    )
    stamp(rec, responded_at or created)
    ctx.members_of.setdefault(person["Id"], []).append(rec)
