"""Ad-platform spend files of the sandbox company (Google Ads, LinkedIn Ads, Meta Ads daily exports).

Every paid CRM campaign (types in ``PLATFORMS``) with an actual cost runs on its platforms: its actual
cost (campaign currency) is spread over the campaign's days with weekday/weekend variation, split between
platforms, to the cent; days after the company's end date are not spent yet. Each row carries the CRM
campaign id (as a tracking template would) and name. Beside them, platform-only campaigns the CRM does
not know (an always-on brand search campaign) and the mess real exports have: one malformed row, one row
in a currency without exchange rate, an extra column in Meta exports (schema drift).

Platforms restate recent days: the monthly files show preliminary figures for the last ``RESTATED_DAYS``
days (a little higher, plus a test-campaign row that later disappears); a later restatement file per
platform states the final figures of those days. ``final_rows`` are the figures a correct load ends with.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

# CRM campaign type -> platforms it runs on: (platform, platform channel, share of the cost)
PLATFORMS: dict[str, tuple[tuple[str, str, Decimal], ...]] = {
    "Paid Search": (("google_ads", "search", Decimal(1)),),
    "Paid Social": (("linkedin_ads", "social", Decimal("0.6")), ("meta_ads", "social", Decimal("0.4"))),
    "Advertisement": (("google_ads", "display", Decimal(1)),),
    "Banner Ads": (("google_ads", "display", Decimal(1)),),
}
BRAND_CAMPAIGN = ("google_ads", "search", "gads-brand-0001", "Brand - always on")
RESTATED_DAYS = 7
COLUMNS = (
    "date",
    "platform",
    "channel",
    "campaign_id",
    "campaign_name",
    "cost",
    "currency",
    "clicks",
    "impressions",
)
CENT = Decimal("0.01")


@dataclass
class AdSpend:
    """What the sandbox writes: the final rows (after restatement) and every file's rows."""

    final_rows: list[dict[str, Any]]  # well-formed rows as a correct load ends with them
    files: dict[str, list[dict[str, Any]]]  # relative path -> rows (strings), in writing order
    quarantined: int  # rows a correct load keeps out of spend (malformed or unknown currency)


def _spread(total: Decimal, weights: list[float]) -> list[Decimal]:
    """``total`` split by ``weights`` into cents that sum to exactly ``total`` (largest remainder)."""
    cents = int((total / CENT).to_integral_value(ROUND_HALF_UP))
    raw = [cents * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))[: cents - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * CENT for p in parts]


def _row(
    day: dt.date,
    platform: str,
    channel: str,
    cid: str,
    name: str,
    cost: Decimal,
    currency: str,
    rng: random.Random,
) -> dict[str, Any]:
    clicks = max(0, int(float(cost) / rng.uniform(2.0, 8.0)))
    return {
        "date": day.isoformat(),
        "platform": platform,
        "channel": channel,
        "campaign_id": cid,
        "campaign_name": name,
        "cost": str(cost),
        "currency": currency,
        "clicks": str(clicks),
        "impressions": str(clicks * rng.randint(30, 80)),
    }


def make_ad_spend(campaigns: list[dict[str, Any]], start: dt.date, end: dt.date, seed: int) -> AdSpend:
    """The sandbox's ad-platform spend for ``campaigns`` (Salesforce Campaign records) up to ``end``."""
    rng = random.Random(seed * 7_919 + 101)
    final: list[dict[str, Any]] = []
    for campaign in sorted(campaigns, key=lambda c: c["Id"]):
        platforms = PLATFORMS.get(campaign.get("Type") or "")
        if not platforms or campaign.get("IsDeleted") or campaign.get("ActualCost") is None:
            continue
        first = campaign["StartDate"]
        last = max(campaign["EndDate"] or first, first)
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        weights = [(0.6 if d.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2) for d in days]
        for platform, channel, share in platforms:
            amounts = _spread(Decimal(campaign["ActualCost"]) * share, weights)
            for day, cost in zip(days, amounts, strict=True):
                if day <= end and cost > 0:
                    final.append(
                        _row(
                            day,
                            platform,
                            channel,
                            campaign["Id"],
                            campaign["Name"],
                            cost,
                            campaign["CurrencyIsoCode"],
                            rng,
                        )
                    )
    platform, channel, cid, name = BRAND_CAMPAIGN
    for n in range((end - start).days + 1):
        day = start + dt.timedelta(days=n)
        cost = Decimal(str(round(rng.uniform(40, 160), 2))).quantize(CENT)
        final.append(_row(day, platform, channel, cid, name, cost, "USD", rng))
    final.sort(key=lambda r: (r["platform"], r["date"], r["campaign_id"]))
    return AdSpend(final_rows=final, files=_files(final, end, rng), quarantined=2)


def _files(final: list[dict[str, Any]], end: dt.date, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    window_start = end - dt.timedelta(days=RESTATED_DAYS - 1)
    files: dict[str, list[dict[str, Any]]] = {}
    for row in final:
        day = dt.date.fromisoformat(row["date"])
        path = f"{row['platform']}/{row['platform']}_{day:%Y-%m}.csv"
        shown = dict(row)
        if day >= window_start:  # preliminary figure, restated later
            shown["cost"] = str(
                (Decimal(row["cost"]) * Decimal(str(round(rng.uniform(1.0, 1.08), 3)))).quantize(CENT)
            )
        files.setdefault(path, []).append(shown)
    for rows in files.values():
        for row in rows:
            if row["platform"] == "meta_ads":
                row["conversions"] = str(
                    int(row["clicks"]) // 20
                )  # schema drift: Meta exports one more column
    platform, channel, _, _ = BRAND_CAMPAIGN
    test_row = _row(
        window_start, platform, channel, "gads-test-0002", "Brand - test", Decimal("25.00"), "USD", rng
    )
    files[f"{platform}/{platform}_{window_start:%Y-%m}.csv"].append(test_row)  # gone after restatement
    first_linkedin = min(p for p in files if p.startswith("linkedin_ads/"))
    files[first_linkedin].append(
        {**files[first_linkedin][0], "campaign_id": "li-0099", "campaign_name": "Retargeting", "cost": "n/a"}
    )  # malformed
    first_meta = min(p for p in files if p.startswith("meta_ads/"))
    files[first_meta].append(
        {
            **files[first_meta][0],
            "campaign_id": "fb-0042",
            "campaign_name": "Retargeting CH",
            "currency": "CHF",
        }
    )  # no exchange rate for CHF
    for row in final:
        if dt.date.fromisoformat(row["date"]) >= window_start:
            path = f"{row['platform']}/{row['platform']}_restatement_{end:%Y-%m-%d}.csv"
            extra = {"conversions": str(int(row["clicks"]) // 20)} if row["platform"] == "meta_ads" else {}
            files.setdefault(path, []).append({**row, **extra})
    return files


def write_spend_files(spend: AdSpend, directory: Path | str, end: dt.date) -> list[Path]:
    """Write the files under ``directory`` (one folder per platform); monthly files carry the end of
    their month as modification time, restatements ``end`` + 1 day, so listing order is deterministic."""
    root = Path(directory)
    written: list[Path] = []
    for relative, rows in spend.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = list(COLUMNS) + [c for c in rows[0] if c not in COLUMNS]
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        if "_restatement_" in relative:
            when = end + dt.timedelta(days=1)
        else:
            month = dt.date.fromisoformat(relative.rsplit("_", 1)[1][:7] + "-01")
            when = min(end, (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
        stamp = dt.datetime(when.year, when.month, when.day, 23, tzinfo=dt.UTC).timestamp()
        os.utime(path, (stamp, stamp))
        written.append(path)
    return written


def spend_ground_truth(org: Any, spend: AdSpend, as_of_date: dt.date) -> dict[str, Any]:
    """Marketing spend per channel and month (reporting currency, 2 dp strings) once ad spend is loaded.

    The rule of ``int_spend_daily``: a live CRM campaign with platform rows is costed by them (each day at
    that day's rate); other CRM campaigns by their actual cost spread over their days (start-date rate);
    platform rows of campaigns the CRM does not know take their channel from seed ad_platform_channels.
    Quarantined rows (malformed, unknown currency) count nowhere. Days after ``as_of_date`` are left out.
    """
    from ingestion.sandbox.ground_truth import convert, load_rates
    from ingestion.sandbox.ground_truth_funnel import _seed

    rates = load_rates()
    crm_channel = {
        r["campaign_type"]: r["channel"]
        for r in _seed("channel_mapping")
        if r["source_system"] == "salesforce"
    }
    platform_channel = {
        (r["platform"], r["platform_channel"]): r["channel"] for r in _seed("ad_platform_channels")
    }
    live = {c["Id"]: c for c in org.records("Campaign") if not c.get("IsDeleted")}
    totals: dict[tuple[str, str], Decimal] = {}

    def add(channel: str, day: dt.date, amount: Decimal) -> None:
        if day <= as_of_date:
            key = (channel, f"{day:%Y-%m}")
            totals[key] = totals.get(key, Decimal(0)) + amount

    costed: set[str] = set()
    for row in spend.final_rows:
        day = dt.date.fromisoformat(row["date"])
        campaign = live.get(row["campaign_id"])
        costed.add(row["campaign_id"])
        channel = (crm_channel.get(campaign["Type"]) if campaign else None) or platform_channel.get(
            (row["platform"], row["channel"]), "unmapped"
        )
        amount = convert(Decimal(row["cost"]), row["currency"], day, rates)
        if amount is not None:
            add(channel, day, amount)
    for campaign in live.values():
        if campaign["Id"] in costed:
            continue
        start = campaign["StartDate"] or campaign["CreatedDate"].astimezone(dt.UTC).date()
        cost = convert(campaign["ActualCost"], campaign["CurrencyIsoCode"], start, rates)
        if cost is None:
            continue
        end = campaign["EndDate"]
        days = (end - start).days + 1 if end is not None and end >= start else 1
        for n in range(days):
            add(crm_channel.get(campaign["Type"]) or "unmapped", start + dt.timedelta(days=n), cost / days)
    by_channel: dict[str, dict[str, str]] = {}
    for (channel, month), amount in sorted(totals.items()):
        by_channel.setdefault(channel, {})[month] = str(amount.quantize(CENT, ROUND_HALF_UP))
    return {"spend_by_channel_month": by_channel, "ad_spend_quarantined_rows": spend.quarantined}
