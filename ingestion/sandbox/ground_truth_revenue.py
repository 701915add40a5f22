"""Revenue ground truth: ARR, its movements, NRR/GRR, new customers and CAC, in plain Python.

The same rules as ``dbt_project/models/intermediate/revenue`` and ``marts/revenue`` (see their YAML),
computed from the org's current records, never from SQL:

- Closed opportunities of live accounts change ARR on their close date (on or before ``as_of_date``):
  won new business, renewal or contraction *replace* the account's ARR with their annualised amount,
  won expansion *adds* to it until the next replacement, a lost renewal or contraction (or a won churn)
  *ends* it. Same-day order: replace, add, end, then opportunity id. Annualised amount = converted amount
  x 12 / term months (missing or zero term = 12); replacing or adding opportunities without a converted
  amount are skipped.
- ARR per account and month = the state after the last event on or before the month's last day,
  rounded to the cent; quarter figures are sums of those.
- NRR / GRR at a month M: accounts with ARR at M minus 12 months; their ARR at M (GRR: each capped at its
  ARR then) over their ARR then.
- New customers: accounts by the close date of their first won new-business opportunity.
- CAC: (campaign actual cost spread evenly over the campaign's days, converted at the rate of its start
  date, plus the seed ``sales_and_marketing_costs``) / new customers, per quarter.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ingestion.sandbox.org import SalesforceOrg

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
REPLACING = frozenset({"new_business", "renewal", "contraction"})
ADDING = frozenset({"expansion"})
LOST_ENDING = frozenset({"renewal", "contraction"})
WON_ENDING = frozenset({"churn"})
KIND_ORDER = {"replace": 1, "add": 2, "end": 3}
DEFAULT_TERM_MONTHS = 12
RETENTION_LOOKBACK_MONTHS = 12
CENT = Decimal("0.01")
Month = tuple[int, int]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _type_mapping(seeds: Path) -> dict[str, str]:
    with open(seeds / "opportunity_type_mapping.csv", newline="") as fh:
        return {
            r["source_type"]: r["opportunity_type"]
            for r in csv.DictReader(fh)
            if r["source_system"] == "salesforce"
        }


def _month_add(month: Month, n: int) -> Month:
    i = month[0] * 12 + month[1] - 1 + n
    return i // 12, i % 12 + 1


def _month_end(month: Month) -> dt.date:
    nxt = _month_add(month, 1)
    return dt.date(nxt[0], nxt[1], 1) - dt.timedelta(days=1)


def _quarter(month: Month) -> str:
    return f"{month[0]}-Q{(month[1] - 1) // 3 + 1}"


def _live(org: SalesforceOrg, obj: str) -> list[dict[str, Any]]:
    return [r for r in org.records(obj) if not r.get("IsDeleted")]


def arr_events(
    opps: list[dict[str, Any]],
    as_of_date: dt.date,
    rates: Any,
    type_map: dict[str, str],
    reporting_currency: str = "USD",
) -> dict[str, list[tuple[dt.date, int, str, str, Decimal | None]]]:
    """Per account: (close date, kind order, opportunity id, kind, annualised amount), in applying order."""
    from ingestion.sandbox.ground_truth import convert

    events: dict[str, list[tuple[dt.date, int, str, str, Decimal | None]]] = defaultdict(list)
    for opp in opps:
        otype = type_map.get(opp["Type"])
        if (
            not opp["IsClosed"]
            or not opp["AccountId"]
            or opp["CloseDate"] is None
            or opp["CloseDate"] > as_of_date
        ):
            continue
        won = bool(opp["IsWon"])
        kind = (
            "replace"
            if won and otype in REPLACING
            else "add"
            if won and otype in ADDING
            else "end"
            if (won and otype in WON_ENDING) or (not won and otype in LOST_ENDING)
            else None
        )
        if kind is None:
            continue
        amount = convert(opp["Amount"], opp["CurrencyIsoCode"], opp["CloseDate"], rates, reporting_currency)
        term = opp.get("Term_Months__c") or DEFAULT_TERM_MONTHS
        annualised = None if amount is None else amount.quantize(Decimal("1e-8")) * 12 / Decimal(str(term))
        if kind != "end" and annualised is None:
            continue
        events[opp["AccountId"]].append((opp["CloseDate"], KIND_ORDER[kind], opp["Id"], kind, annualised))
    for rows in events.values():
        rows.sort(key=lambda e: e[:3])
    return events


def monthly_arr(
    events: dict[str, list[tuple[dt.date, int, str, str, Decimal | None]]], as_of_date: dt.date
) -> dict[str, dict[Month, Decimal]]:
    """ARR per account per month (cent-rounded), from the account's first event month to as_of's month."""
    last = (as_of_date.year, as_of_date.month)
    out: dict[str, dict[Month, Decimal]] = {}
    for account, rows in events.items():
        month, i, state, series = (rows[0][0].year, rows[0][0].month), 0, Decimal(0), {}
        while month <= last:
            end = _month_end(month)
            while i < len(rows) and rows[i][0] <= end:
                _, _, _, kind, amount = rows[i]
                state = amount if kind == "replace" else state + amount if kind == "add" else Decimal(0)
                i += 1
            series[month] = _cents(state)
            month = _month_add(month, 1)
        out[account] = series
    return out


def _spend_by_quarter(
    org: SalesforceOrg, as_of_date: dt.date, rates: Any, seeds: Path, reporting_currency: str
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    from ingestion.sandbox.ground_truth import convert, quarter_label

    marketing: dict[str, Decimal] = defaultdict(Decimal)
    for campaign in _live(org, "Campaign"):
        start = campaign["StartDate"] or campaign["CreatedDate"].astimezone(dt.UTC).date()
        cost = convert(campaign["ActualCost"], campaign["CurrencyIsoCode"], start, rates, reporting_currency)
        if cost is None:
            continue
        end = campaign["EndDate"]
        days = (end - start).days + 1 if end is not None and end >= start else 1
        for n in range(days):
            day = start + dt.timedelta(days=n)
            if day <= as_of_date:
                marketing[quarter_label(day)] += cost / days
    other: dict[str, Decimal] = defaultdict(Decimal)
    with open(seeds / "sales_and_marketing_costs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            month = dt.date.fromisoformat(row["cost_month"])
            if month <= as_of_date:
                other[quarter_label(month)] += Decimal(row["amount"])
    return marketing, other


def revenue_ground_truth(
    org: SalesforceOrg,
    as_of_date: dt.date,
    rates: Any,
    reporting_currency: str = "USD",
    seeds: Path | str | None = None,
) -> dict[str, Any]:
    """Revenue keys of ``SandboxCompany.ground_truth()`` (JSON-serialisable; amounts as 2-dp strings)."""
    seeds = Path(seeds or SEEDS)
    type_map = _type_mapping(seeds)
    opps = _live(org, "Opportunity")
    arr = monthly_arr(arr_events(opps, as_of_date, rates, type_map, reporting_currency), as_of_date)
    last = (as_of_date.year, as_of_date.month)
    months = sorted({m for series in arr.values() for m in series})
    ending: dict[str, Decimal] = {}
    starting: dict[str, Decimal] = {}
    for month in months:
        total = sum((series.get(month, Decimal(0)) for series in arr.values()), Decimal(0))
        ending[_quarter(month)] = total
        before = _month_add(month, -1)
        if _quarter(month) not in starting:
            starting[_quarter(month)] = sum((s.get(before, Decimal(0)) for s in arr.values()), Decimal(0))
    then = _month_add(last, -RETENTION_LOOKBACK_MONTHS)
    cohort = {a: s[then] for a, s in arr.items() if s.get(then, Decimal(0)) > 0}
    base = sum(cohort.values(), Decimal(0))
    now = sum((arr[a][last] for a in cohort), Decimal(0))
    capped = sum((min(arr[a][last], v) for a, v in cohort.items()), Decimal(0))

    customers: dict[str, dt.date] = {}
    for opp in opps:
        if (
            opp["IsWon"]
            and opp["AccountId"]
            and type_map.get(opp["Type"]) == "new_business"
            and opp["CloseDate"] is not None
            and opp["CloseDate"] <= as_of_date
        ):
            customers[opp["AccountId"]] = min(
                opp["CloseDate"], customers.get(opp["AccountId"], opp["CloseDate"])
            )
    new_customers: dict[str, int] = defaultdict(int)
    for day in customers.values():
        new_customers[_quarter((day.year, day.month))] += 1
    marketing, other = _spend_by_quarter(org, as_of_date, rates, seeds, reporting_currency)
    cac: dict[str, str | None] = {}
    for label in sorted(set(marketing) | set(other) | set(new_customers)):
        spend = marketing.get(label, Decimal(0)) + other.get(label, Decimal(0))
        n = new_customers.get(label, 0)
        cac[label] = str(_cents(spend / n)) if n else None
    return {
        "arr_ending_by_quarter": {q: str(v) for q, v in sorted(ending.items())},
        "net_new_arr_by_quarter": {q: str(ending[q] - starting[q]) for q in sorted(ending)},
        "nrr_as_of": float(now / base) if base else None,
        "grr_as_of": float(capped / base) if base else None,
        "retention_cohort_as_of": {"customers": len(cohort), "starting_arr": str(base)},
        "new_customers_by_quarter": dict(sorted(new_customers.items())),
        "marketing_spend_by_quarter": {q: str(_cents(v)) for q, v in sorted(marketing.items())},
        "sales_marketing_spend_by_quarter": {
            q: str(_cents(marketing.get(q, Decimal(0)) + other.get(q, Decimal(0))))
            for q in sorted(set(marketing) | set(other))
        },
        "cac_by_quarter": cac,
    }
