"""Product track events of the sandbox company's product-led slice (signups, activation, usage).

Deterministic from the seed. About half of the signups are persons the CRM knows (their email, with the
case and spaces a sign-up form lets through), the rest are new: free-mail users and people of companies
the CRM has never seen. Each user signs up (``signed_up``), logs in now and then, and some reach the
activation events (``data_source_connected``, ``dashboard_shared``): most within days, some only after
the activation window, so they do not count. The tracker delivers at least once (a few events twice, same
event id), and one file holds an invalid line and an event without user.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from ingestion.sandbox.generator_base import FREE_MAIL_DOMAINS

ACTIVATION_EVENTS = ("data_source_connected", "dashboard_shared")
SIGNUP_EVENT = "signed_up"
USAGE_EVENTS = ("logged_in", "dashboard_created", "report_viewed")
SIGNUPS_AT_SCALE_1 = 600


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_product_events(
    org: Any, start: dt.datetime, end: dt.datetime, seed: int, scale: float
) -> list[dict[str, Any]]:
    """Track events (the common shape), sorted by timestamp; duplicates of a delivery share an event id."""
    rng = random.Random(seed * 104_729 + 7)
    persons = sorted(
        (
            r
            for obj in ("Contact", "Lead")
            for r in org.records(obj)
            if r.get("Email") and not r.get("IsDeleted")
        ),
        key=lambda r: r["Id"],
    )
    count = max(20, round(SIGNUPS_AT_SCALE_1 * scale))
    chosen = rng.sample(persons, min(len(persons), count // 2))
    events: list[dict[str, Any]] = []
    horizon = (end - start).total_seconds() - 86_400
    for n in range(count):
        if n < len(chosen):
            raw = chosen[n]["Email"]
            email = rng.choice((raw, raw.upper(), f" {raw} ", raw.title()))
        else:
            domain = rng.choice(("gmail.com", "outlook.com", f"startup{n % 37}.io", f"labs{n % 23}.dev"))
            email = f"user{n}@{domain}"
        user_id = f"usr_{seed}_{n:05d}"
        domain = email.strip().lower().split("@")[-1]
        workspace = f"ws_{user_id}" if domain in FREE_MAIL_DOMAINS else f"ws_{domain.replace('.', '_')}"
        signed_up = start + dt.timedelta(seconds=rng.uniform(0, horizon))
        common = {"user_id": user_id, "account_id": workspace}
        events.append(
            {
                **common,
                "event_name": SIGNUP_EVENT,
                "timestamp": signed_up,
                "email": email,
                "account_domain": domain,
                "properties": {
                    "plan": rng.choice(("free", "trial")),
                    "utm_source": rng.choice(("google", "linkedin", None)),
                },
            }
        )
        for _ in range(rng.randint(0, 6)):
            events.append(
                {
                    **common,
                    "event_name": rng.choice(USAGE_EVENTS),
                    "timestamp": signed_up + dt.timedelta(hours=rng.uniform(0.1, 24 * 60)),
                }
            )
        roll = rng.random()
        if roll < 0.55:  # activates: mostly within days, some after the window
            delay = dt.timedelta(days=rng.uniform(0.01, 10) if rng.random() < 0.8 else rng.uniform(15, 40))
            events.append(
                {
                    **common,
                    "event_name": rng.choice(ACTIVATION_EVENTS),
                    "timestamp": signed_up + delay,
                    "properties": {"source": "onboarding"},
                }
            )
            if rng.random() < 0.4:
                events.append(
                    {
                        **common,
                        "event_name": rng.choice(ACTIVATION_EVENTS),
                        "timestamp": signed_up + delay + dt.timedelta(days=rng.uniform(0, 30)),
                    }
                )
    events = [e for e in events if e["timestamp"] <= end]
    events.sort(key=lambda e: (e["timestamp"], e["user_id"], e["event_name"]))
    out: list[dict[str, Any]] = []
    for i, event in enumerate(events):
        event = {"event_id": f"evt_{seed}_{i:07d}", **event}
        event["timestamp"] = _iso(event["timestamp"])
        event.setdefault("properties", {})
        out.append(event)
        if rng.random() < 0.02:
            out.append(dict(event))  # at-least-once delivery
    return out


def write_product_files(events: list[dict[str, Any]], directory: Path | str) -> list[Path]:
    """One JSON-lines file per month of event time under ``directory``; the first also holds an invalid
    line and an event without user (both quarantined by the source)."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    by_month: dict[str, list[str]] = {}
    for event in events:
        by_month.setdefault(event["timestamp"][:7], []).append(json.dumps(event, sort_keys=True))
    first = min(by_month)
    by_month[first] += [
        '{"event_id": "evt_broken", "timestamp": ',
        json.dumps({"event_id": "evt_anon", "event_name": "logged_in", "timestamp": f"{first}-15T10:00:00Z"}),
    ]
    written = []
    for month, lines in sorted(by_month.items()):
        path = root / f"events_{month}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        written.append(path)
    return written
