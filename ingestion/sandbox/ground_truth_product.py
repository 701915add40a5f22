"""Ground truth of the product-led funnel: signups and activated signups per month, in plain Python.

Definition (contract "Activated signups", dbt vars ``plg_signup_event`` and ``plg_activation_window_days``,
seed ``product_activation_events``): a user's signup is their first signup event (events de-duplicated on
event id); the signup is activated when one of the activation events of the seed happens at or after the
signup and at most N days (N x 24 hours) after it. Months are months of the signup (UTC). A signup
resolves to a CRM person when its normalised email (trim, lower case) equals a live contact's or lead's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from ingestion.sandbox.ground_truth_funnel import _seed, _vars


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def product_ground_truth(org: Any, events: list[dict[str, Any]], as_of_date: dt.date) -> dict[str, Any]:
    """Product keys of ``SandboxCompany.ground_truth()``: counts per signup month up to ``as_of_date``."""
    variables = _vars()
    signup_event = variables["plg_signup_event"]
    window = dt.timedelta(days=int(variables["plg_activation_window_days"]))
    activation = {r["event_name"] for r in _seed("product_activation_events")}
    unique = {e["event_id"]: e for e in events if e.get("user_id") and e.get("event_name")}
    signups: dict[str, dict[str, Any]] = {}
    for event in unique.values():
        if event["event_name"] == signup_event:
            seen = signups.get(event["user_id"])
            if seen is None or _when(event["timestamp"]) < _when(seen["timestamp"]):
                signups[event["user_id"]] = event
    activated: set[str] = set()
    for event in unique.values():
        signup = signups.get(event["user_id"])
        if signup and event["event_name"] in activation:
            delay = _when(event["timestamp"]) - _when(signup["timestamp"])
            if dt.timedelta(0) <= delay <= window:
                activated.add(event["user_id"])
    crm_emails = {
        r["Email"].strip().lower()
        for obj in ("Contact", "Lead")
        for r in org.records(obj)
        if r.get("Email") and not r.get("IsDeleted")
    }
    per_month: Counter[str] = Counter()
    activated_per_month: Counter[str] = Counter()
    matched = 0
    for user, signup in signups.items():
        when = _when(signup["timestamp"])
        if when.date() > as_of_date:
            continue
        month = f"{when:%Y-%m}"
        per_month[month] += 1
        activated_per_month[month] += user in activated
        matched += (signup.get("email") or "").strip().lower() in crm_emails
    return {
        "plg_signups_by_month": dict(sorted(per_month.items())),
        "plg_activated_signups_by_month": {m: activated_per_month[m] for m in sorted(per_month)},
        "plg_signups_matched_to_persons": matched,
    }
