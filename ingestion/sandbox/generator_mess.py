"""Mess in known quantities: missing amounts, deletions, bulk updates and late updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ingestion.sandbox.generator_base import NEW_BUSINESS, GenContext, stamp, utc

# object, size at scale 1.0, days before end_date, hour (UTC) of the bulk job
BULK_UPDATES: tuple[tuple[str, int, int, int], ...] = (
    ("CampaignMember", 2500, 45, 2),
    ("Contact", 400, 120, 3),
    ("Lead", 300, 200, 1),
)
BULK_MIN_SIZE = 50
LATE_UPDATE_MIN_AGE_DAYS = 365  # a late update touches a record at least this old ...
LATE_UPDATE_WINDOW_DAYS = 3  # ... in the last days before the end of history


def blank_amounts(ctx: GenContext, share: float = 0.008) -> None:
    """A few new-business opportunities whose amount was never entered."""
    cands = [o for o in ctx.opportunities if o["Type"] == NEW_BUSINESS and o["Id"] not in ctx.protected]
    n = min(len(cands), max(1, round(share * len(ctx.opportunities))))
    for opp in ctx.rng.sample(cands, n):
        opp["Amount"] = None
        for row in ctx.history[opp["Id"]]:
            row["Amount"] = row["ExpectedRevenue"] = None
        ctx.protected.add(opp["Id"])
    ctx.injected["amount_missing"] = n


def _delete(ctx: GenContext, records: list[dict[str, Any]]) -> int:
    """Delete ``records`` together (one cascade, one timestamp) after their last change."""
    last = max(r["SystemModstamp"] for r in records)
    if last + dt.timedelta(hours=1) <= ctx.end - dt.timedelta(hours=1):
        when = ctx.between(last + dt.timedelta(hours=1), ctx.end - dt.timedelta(hours=1))
    else:  # a campaign member changed in the last two hours: never stamp past the end of history
        when = ctx.between(min(last + dt.timedelta(seconds=1), ctx.end), ctx.end)
    for rec in records:
        rec["IsDeleted"] = True
        stamp(rec, when)
    return len(records)


def _deletable(ctx: GenContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limit = ctx.end - dt.timedelta(days=2)
    return [
        r for r in rows if r["Id"] not in ctx.protected and not r["IsDeleted"] and r["SystemModstamp"] < limit
    ]


def delete_records(ctx: GenContext) -> None:
    """Deleted opportunities (with history and roles), leads, contacts (with their campaign
    memberships) and single campaign members, each deleted after its last change."""
    rng, org = ctx.rng, ctx.org
    deleted: dict[str, int] = {}
    opps = _deletable(ctx, ctx.opportunities)
    for opp in rng.sample(opps, min(len(opps), ctx.count(30))):
        _delete(ctx, [opp, *ctx.history[opp["Id"]], *ctx.roles.get(opp["Id"], [])])
        deleted["Opportunity"] = deleted.get("Opportunity", 0) + 1
    for obj, base in (("Lead", 50), ("Contact", 25)):
        rows = [r for r in _deletable(ctx, org.records(obj)) if not r.get("IsConverted")]
        for person in rng.sample(rows, min(len(rows), ctx.count(base))):
            members = [m for m in ctx.members_of.get(person["Id"], []) if not m["IsDeleted"]]
            _delete(ctx, [person, *members])
            deleted[obj] = deleted.get(obj, 0) + 1
    members = _deletable(ctx, org.records("CampaignMember"))
    for member in rng.sample(members, min(len(members), ctx.count(120))):
        _delete(ctx, [member])
    ctx.injected["deleted_opportunities"] = deleted.get("Opportunity", 0)
    ctx.injected["deleted_leads"] = deleted.get("Lead", 0)
    ctx.injected["deleted_contacts"] = deleted.get("Contact", 0)


def bulk_updates(ctx: GenContext) -> set[str]:
    """Bulk jobs: many records of one object sharing one identical ``SystemModstamp``."""
    touched: set[str] = set()
    sizes: list[int] = []
    for obj, base, days_before, hour in BULK_UPDATES:
        when = utc(ctx.end.date() - dt.timedelta(days=days_before), hour)
        cands = [r for r in ctx.org.records(obj) if not r["IsDeleted"] and r["SystemModstamp"] < when]
        size = min(len(cands), max(BULK_MIN_SIZE, round(base * ctx.scale)))
        for rec in ctx.rng.sample(cands, size):
            stamp(rec, when)
            touched.add(rec["Id"])
        sizes.append(size)
    ctx.injected["shared_systemmodstamp_groups"] = sum(1 for s in sizes if s >= BULK_MIN_SIZE)
    ctx.injected["largest_systemmodstamp_group"] = max(sizes)
    return touched


def late_updates(ctx: GenContext, skip: set[str]) -> None:
    """Old records touched in the last days of history (an incremental load must pick them up)."""
    old = ctx.end - dt.timedelta(days=LATE_UPDATE_MIN_AGE_DAYS + 1)
    pool = [
        r
        for obj in ("Account", "Contact", "Lead", "Opportunity")
        for r in ctx.org.records(obj)
        if not r["IsDeleted"] and r["CreatedDate"] < old and r["Id"] not in skip
    ]
    n = min(len(pool), ctx.count(40, 3))
    lo = ctx.end - dt.timedelta(days=LATE_UPDATE_WINDOW_DAYS)
    for rec in ctx.rng.sample(pool, n):
        earliest = max(lo, rec["SystemModstamp"] + dt.timedelta(seconds=1))
        stamp(rec, ctx.between(earliest, ctx.end - dt.timedelta(minutes=1)))
    ctx.injected["late_updates"] = n
