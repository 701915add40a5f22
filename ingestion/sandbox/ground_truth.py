"""Ground truth: the numbers the warehouse must reproduce, computed in plain Python from org records.

Implements the "Business rules" of ``docs/contracts.md`` independently of dbt, from the org's *current*
records, so it stays right after ``apply_changes``.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ingestion.sandbox.ground_truth_attribution import attribution_ground_truth
from ingestion.sandbox.ground_truth_funnel import funnel_ground_truth
from ingestion.sandbox.ground_truth_revenue import revenue_ground_truth
from ingestion.sandbox.org import SalesforceOrg

RATES_PATH = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "exchange_rates.csv"
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "aol.com",
        "proton.me",
        "protonmail.com",
    }
)
SHARED_STAMP_MIN_GROUP = 50  # a group of rows sharing one SystemModstamp counts from this size
LATE_UPDATE_MIN_AGE_DAYS = 365  # created more than this many days before as_of_date ...
LATE_UPDATE_WINDOW_DAYS = 3  # ... and modified on or after as_of_date minus this many days
CENT = Decimal("0.01")
Rates = dict[str, tuple[list[dt.date], list[Decimal]]]


def load_rates(path: Path | str | None = None) -> Rates:
    """Exchange rates per currency: (sorted valid_from dates, rates to the reporting currency)."""
    rows: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    with open(path or RATES_PATH, newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row["currency_code"]].append(
                (dt.date.fromisoformat(row["valid_from"]), Decimal(row["rate_to_reporting"]))
            )
    return {cur: ([d for d, _ in sorted(v)], [r for _, r in sorted(v)]) for cur, v in rows.items()}


def rate_on(rates: Rates, currency: str | None, day: dt.date | None) -> Decimal | None:
    """The rate with the greatest ``valid_from <= day`` (None when unknown)."""
    if currency not in rates or day is None:
        return None
    dates, values = rates[currency]
    i = bisect.bisect_right(dates, day)
    return values[i - 1] if i else None


def convert(
    amount: Decimal | None,
    currency: str | None,
    day: dt.date | None,
    rates: Rates,
    reporting_currency: str = "USD",
) -> Decimal | None:
    """``amount`` in the reporting currency at the rate valid on ``day``; None if not convertible."""
    if amount is None:
        return None
    rate, reporting = rate_on(rates, currency, day), rate_on(rates, reporting_currency, day)
    if rate is None or reporting is None:
        return None
    return Decimal(amount) * rate / reporting


def quarter_label(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def month_label(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def trailing_window(as_of_date: dt.date, quarters: int) -> tuple[dt.date, dt.date]:
    """First and last day of the ``quarters`` full calendar quarters before as_of_date's quarter."""
    q = as_of_date.year * 4 + (as_of_date.month - 1) // 3
    start_q, end_q = q - quarters, q - 1
    start = dt.date(start_q // 4, (start_q % 4) * 3 + 1, 1)
    after = dt.date((end_q + 1) // 4, ((end_q + 1) % 4) * 3 + 1, 1)
    return start, after - dt.timedelta(days=1)


def _live(org: SalesforceOrg, obj: str) -> list[dict[str, Any]]:
    return [r for r in org.records(obj) if not r.get("IsDeleted")]


def stage_entries(org: SalesforceOrg) -> dict[str, list[tuple[str, dt.datetime]]]:
    """Stage entries (stage, time) per live opportunity, from its live history ordered by (CreatedDate, Id)."""
    live = {o["Id"] for o in _live(org, "Opportunity")}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in _live(org, "OpportunityHistory"):
        if h["OpportunityId"] in live:
            rows[h["OpportunityId"]].append(h)
    out: dict[str, list[tuple[str, dt.datetime]]] = {}
    for opp_id, hist in rows.items():
        hist.sort(key=lambda h: (h["CreatedDate"], h["Id"]))
        entries: list[tuple[str, dt.datetime]] = []
        previous: object = object()
        for h in hist:
            if h["StageName"] != previous:
                entries.append((h["StageName"], h["CreatedDate"]))
            previous = h["StageName"]
        out[opp_id] = entries
    return out


def win_rate_counts(
    opps: list[dict[str, Any]],
    entries: dict[str, list[tuple[str, dt.datetime]]],
    window: tuple[dt.date, dt.date],
) -> dict[str, tuple[int, int]]:
    """Per stage: (closed opportunities in the window that entered it, of which won)."""
    entered: Counter[str] = Counter()
    won: Counter[str] = Counter()
    for opp in opps:
        if not opp["IsClosed"] or opp["CloseDate"] is None or not window[0] <= opp["CloseDate"] <= window[1]:
            continue
        for stage in {s for s, _ in entries.get(opp["Id"], [])}:
            entered[stage] += 1
            won[stage] += bool(opp["IsWon"])
    return {s: (entered[s], won[s]) for s in sorted(entered)}


def _sum(values: list[Decimal | None]) -> str:
    total = sum((v for v in values if v is not None), Decimal(0))
    return str(total.quantize(CENT, rounding=ROUND_HALF_UP))


def _by_period(
    items: list[tuple[dt.date, Decimal | None]], label: Any
) -> tuple[dict[str, str], dict[str, int]]:
    amounts: dict[str, list[Decimal | None]] = defaultdict(list)
    for day, amount in items:
        amounts[label(day)].append(amount)
    keys = sorted(amounts)
    return {k: _sum(amounts[k]) for k in keys}, {k: len(amounts[k]) for k in keys}


def compute_ground_truth(
    org: SalesforceOrg,
    as_of_date: dt.date,
    *,
    qualified_stage_win_rate_threshold: float = 0.25,
    win_rate_window_quarters: int = 4,
    reporting_currency: str = "USD",
    rates_path: Path | str | None = None,
) -> dict[str, Any]:
    """Every number of the contract's ground truth (JSON-serialisable)."""
    rates = load_rates(rates_path)
    opps = _live(org, "Opportunity")
    entries = stage_entries(org)
    window = trailing_window(as_of_date, win_rate_window_quarters)
    counts = win_rate_counts(opps, entries, window)
    rates_by_stage = {s: won / n for s, (n, won) in counts.items()}
    threshold = Fraction(str(qualified_stage_win_rate_threshold))
    qualified = sorted(s for s, (n, won) in counts.items() if Fraction(won, n) >= threshold)
    qset = set(qualified)

    created: list[tuple[dt.date, Decimal | None]] = []
    first_qualified: list[tuple[dt.date, Decimal | None]] = []
    for opp in opps:
        amount = convert(opp["Amount"], opp["CurrencyIsoCode"], opp["CloseDate"], rates, reporting_currency)
        created.append((opp["CreatedDate"].astimezone(dt.UTC).date(), amount))
        entry = next((t for s, t in entries.get(opp["Id"], []) if s in qset), None)
        if entry is not None:
            first_qualified.append((entry.astimezone(dt.UTC).date(), amount))
    q_amount_q, q_count_q = _by_period(first_qualified, quarter_label)
    q_amount_m, q_count_m = _by_period(first_qualified, month_label)
    c_amount_q, c_count_q = _by_period(created, quarter_label)
    c_amount_m, c_count_m = _by_period(created, month_label)
    without_role = _without_contact_role(org, opps)
    return {
        "as_of_date": as_of_date.isoformat(),
        "reporting_currency": reporting_currency,
        "qualified_stage_win_rate_threshold": qualified_stage_win_rate_threshold,
        "win_rate_window_quarters": win_rate_window_quarters,
        "win_rate_window": {"start": window[0].isoformat(), "end": window[1].isoformat()},
        **record_counts(org),
        "persons_distinct": persons_distinct(org),
        "accounts_distinct": len(_live(org, "Account")),
        "stage_win_rates": rates_by_stage,
        "stage_win_rate_counts": {s: {"entered": n, "won": won} for s, (n, won) in counts.items()},
        "qualified_stages": qualified,
        "qualified_pipeline_by_quarter": q_amount_q,
        "qualified_opportunities_by_quarter": q_count_q,
        "qualified_pipeline_by_month": q_amount_m,
        "qualified_opportunities_by_month": q_count_m,
        "created_pipeline_by_quarter": c_amount_q,
        "created_opportunities_by_quarter": c_count_q,
        "created_pipeline_by_month": c_amount_m,
        "created_opportunities_by_month": c_count_m,
        "opportunities_without_contact_role": without_role,
        "mess": count_mess(org, as_of_date, opps, len(without_role)),
        **funnel_ground_truth(org, as_of_date),
        **attribution_ground_truth(
            org, as_of_date, reporting_currency=reporting_currency, rates_path=rates_path
        ),
        **revenue_ground_truth(org, as_of_date, rates, reporting_currency),
    }


def _without_contact_role(org: SalesforceOrg, opps: list[dict[str, Any]]) -> list[str]:
    with_role = {r["OpportunityId"] for r in _live(org, "OpportunityContactRole")}
    return sorted(o["Id"] for o in opps if o["Id"] not in with_role)


def record_counts(org: SalesforceOrg) -> dict[str, dict[str, int]]:
    """``live_counts``, ``deleted_counts`` and ``all_counts`` per object."""
    live, deleted, total = {}, {}, {}
    for obj in org.objects():
        rows = org.records(obj)
        deleted[obj] = sum(1 for r in rows if r.get("IsDeleted"))
        total[obj] = len(rows)
        live[obj] = total[obj] - deleted[obj]
    return {"live_counts": live, "deleted_counts": deleted, "all_counts": total}


def normalise_email(email: str | None) -> str | None:
    """Trimmed, lower-case email; None when empty."""
    return email.strip().lower() or None if email else None


def persons_distinct(org: SalesforceOrg) -> int:
    """Distinct live persons: same normalised email = one person; a converted lead is its contact."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    by_email: dict[str, str] = {}
    leads = _live(org, "Lead")
    for rec in [*_live(org, "Contact"), *leads]:
        parent[rec["Id"]] = rec["Id"]
        email = normalise_email(rec["Email"])
        if email is not None:
            if email in by_email:
                union(rec["Id"], by_email[email])
            else:
                by_email[email] = rec["Id"]
    for lead in leads:
        contact = lead.get("ConvertedContactId")
        if lead.get("IsConverted") and contact in parent:
            union(lead["Id"], contact)
    return sum(1 for x in parent if find(x) == x)


def _email_domain(email: str | None) -> str | None:
    norm = normalise_email(email)
    return norm.rsplit("@", 1)[-1] if norm and "@" in norm else None


def count_mess(
    org: SalesforceOrg, as_of_date: dt.date, opps: list[dict[str, Any]], without_contact_role: int
) -> dict[str, int]:
    """Known quantities of mess, recounted from the current records.

    - ``duplicate_person_records``: live contacts and unconverted leads beyond the first per normalised
      email (converted leads are their contact, not duplicates).
    - ``persons_without_account``: live contacts with no AccountId plus live unconverted leads on a
      free-mail domain (nothing to match an account by).
    - ``late_updates``: live records created more than 365 days before ``as_of_date`` whose
      SystemModstamp falls on or after ``as_of_date`` minus 3 days.
    - ``shared_systemmodstamp_groups``: (object, SystemModstamp) pairs shared by at least 50 rows,
      deleted rows included (what ``queryAll`` pages through).
    """
    contacts, leads = _live(org, "Contact"), _live(org, "Lead")
    unconverted = [r for r in leads if not r.get("IsConverted")]
    emails = Counter(e for r in [*contacts, *unconverted] if (e := normalise_email(r["Email"])))
    stamps: Counter[tuple[str, dt.datetime]] = Counter(
        (obj, r["SystemModstamp"]) for obj in org.objects() for r in org.records(obj)
    )
    groups = [n for n in stamps.values() if n >= SHARED_STAMP_MIN_GROUP]
    old = as_of_date - dt.timedelta(days=LATE_UPDATE_MIN_AGE_DAYS)
    recent = as_of_date - dt.timedelta(days=LATE_UPDATE_WINDOW_DAYS)
    late = sum(
        1
        for obj in org.objects()
        for r in org.records(obj)
        if not r.get("IsDeleted")
        and r.get("CreatedDate") is not None
        and r["CreatedDate"].date() < old
        and r["SystemModstamp"].date() >= recent
    )
    return {
        "duplicate_person_records": sum(n - 1 for n in emails.values()),
        "opportunities_without_contact_role": without_contact_role,
        "persons_without_account": sum(1 for c in contacts if not c["AccountId"])
        + sum(1 for r in unconverted if _email_domain(r["Email"]) in FREE_MAIL_DOMAINS),
        "persons_without_email": sum(1 for r in [*contacts, *leads] if normalise_email(r["Email"]) is None),
        "deleted_records": sum(1 for obj in org.objects() for r in org.records(obj) if r.get("IsDeleted")),
        "late_updates": late,
        "shared_systemmodstamp_groups": len(groups),
        "largest_systemmodstamp_group": max(groups, default=0),
        "amount_missing": sum(1 for o in opps if o["Amount"] is None),
        "non_usd_opportunities": sum(1 for o in opps if o["CurrencyIsoCode"] != "USD"),
    }
