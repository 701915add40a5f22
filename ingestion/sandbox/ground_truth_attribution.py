"""Attribution ground truth: attributed pipeline $ per quarter and channel, in plain Python from org records.

Same rules as ``dbt_project/models/{intermediate,marts}/attribution`` (see their YAML), written
independently of SQL:

- Persons: records share a person when their normalised emails match; a converted lead is the contact it
  became; a record without email is its own person. The primary record (contact first, then earliest)
  gives the account: its CRM account when that account is live, else the earliest-created account whose
  website domain equals the email domain (never a free-mail domain).
- Touches: responded campaign members of live person records, at FirstRespondedDate (midnight UTC) else
  CreatedDate, channel from seed ``channel_mapping`` by the campaign's type.
- Opportunity contacts: persons with a live contact role, plus persons of the opportunity's account with a
  touch from ``lookback_days`` before creation up to the close date (``as_of_date`` while open).
- Eligible touches: the contacts' touches from ``lookback_days`` before creation up to creation, ordered by
  (touched_at, touchpoint id). first_touch gives the amount to the first, linear splits it equally.
- Amount: converted at the close-date rate and rounded to cents (fct_opportunities.amount_reporting);
  sums are rounded to cents at the end. Quarter of the opportunity's creation date (UTC).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ingestion.sandbox.org import SalesforceOrg

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
UNMAPPED = "(unmapped)"  # key of touches whose campaign type has no channel
CENT = Decimal("0.01")


def _live(org: SalesforceOrg, obj: str) -> list[dict[str, Any]]:
    return [r for r in org.records(obj) if not r.get("IsDeleted")]


def _email(value: str | None) -> str | None:
    """lower(trim()) of an email; None when empty (SQL trim strips spaces only)."""
    return (value.strip(" ").lower() or None) if value else None


def _email_domain(email: str | None) -> str | None:
    if not email or not re.search(r".@.", email):
        return None
    return email.split("@")[1] or None


def _website_domain(website: str | None) -> str | None:
    """The macro normalize_domain: lower case, no scheme, no leading www., no path, query or port."""
    if not website:
        return None
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", website.strip(" ").lower())
    value = re.sub(r"[/?#:].*$", "", re.sub(r"^www\.", "", value))
    return value or None


def _csv(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def person_accounts(org: SalesforceOrg) -> tuple[dict[str, str], dict[str, str | None]]:
    """(person key per live contact/lead id, account id per person key)."""
    contacts, leads = _live(org, "Contact"), _live(org, "Lead")
    contact_key = {
        c["Id"]: ("email:" + e if (e := _email(c["Email"])) else "contact:" + c["Id"]) for c in contacts
    }
    keys = dict(contact_key)
    records: list[tuple[str, int, dt.datetime, str, str | None, str | None]] = [
        (contact_key[c["Id"]], 1, c["CreatedDate"], c["Id"], c["AccountId"], _email(c["Email"]))
        for c in contacts
    ]
    for lead in leads:
        converted = contact_key.get(lead["ConvertedContactId"]) if lead.get("IsConverted") else None
        email = _email(lead["Email"])
        keys[lead["Id"]] = converted or ("email:" + email if email else "lead:" + lead["Id"])
        records.append(
            (keys[lead["Id"]], 2, lead["CreatedDate"], lead["Id"], lead.get("ConvertedAccountId"), email)
        )
    primary: dict[str, tuple] = {}
    for rec in sorted(records, key=lambda r: (r[1], r[2], r[3])):
        primary.setdefault(rec[0], rec)

    accounts = _live(org, "Account")
    live_accounts = {a["Id"] for a in accounts}
    free_mail = {r["domain"] for r in _csv("free_mail_domains")}
    by_domain: dict[str, str] = {}
    for account in sorted(accounts, key=lambda a: (a["CreatedDate"], a["Id"])):
        domain = _website_domain(account.get("Website"))
        if domain and domain not in free_mail:
            by_domain.setdefault(domain, account["Id"])
    person_account = {
        key: crm if crm in live_accounts else by_domain.get(_email_domain(email) or "")
        for key, (_, _, _, _, crm, email) in primary.items()
    }
    return keys, person_account


def _touches(org: SalesforceOrg, keys: dict[str, str]) -> dict[str, list[tuple[dt.datetime, str, str]]]:
    """(touched_at, touchpoint id, channel) per person key, responded members only."""
    channels = {
        r["campaign_type"]: r["channel"]
        for r in _csv("channel_mapping")
        if r["source_system"] == "salesforce"
    }
    campaign_type = {c["Id"]: c["Type"] for c in _live(org, "Campaign")}
    out: dict[str, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for member in _live(org, "CampaignMember"):
        key = keys.get(member["ContactId"] or member["LeadId"])
        if not member.get("HasResponded") or key is None:
            continue
        day = member.get("FirstRespondedDate")
        touched = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else member["CreatedDate"]
        channel = channels.get(campaign_type.get(member["CampaignId"]) or "", UNMAPPED)
        out[key].append((touched.astimezone(dt.UTC), "salesforce:" + member["Id"], channel))
    return out


def attribution_ground_truth(
    org: SalesforceOrg,
    as_of_date: dt.date,
    *,
    lookback_days: int = 365,
    reporting_currency: str = "USD",
    rates_path: Path | str | None = None,
) -> dict[str, Any]:
    """``attributed_pipeline_by_quarter``: {model: {quarter: {channel: "123.45"}}} for first_touch and linear."""
    from ingestion.sandbox.ground_truth import convert, load_rates, quarter_label

    rates = load_rates(rates_path)
    keys, person_account = person_accounts(org)
    touches = _touches(org, keys)
    opps = {o["Id"]: o for o in _live(org, "Opportunity")}
    contacts: dict[str, set[str]] = defaultdict(set)
    for role in _live(org, "OpportunityContactRole"):
        if role["OpportunityId"] in opps and role["ContactId"] in keys:
            contacts[role["OpportunityId"]].add(keys[role["ContactId"]])
    persons_by_account: dict[str, list[str]] = defaultdict(list)
    for key, account in person_account.items():
        if account is not None:
            persons_by_account[account].append(key)
    lookback = dt.timedelta(days=lookback_days)

    totals: dict[str, dict[str, dict[str, Fraction]]] = {
        m: defaultdict(lambda: defaultdict(Fraction)) for m in ("first_touch", "linear")
    }
    for opp_id, opp in opps.items():
        created = opp["CreatedDate"].astimezone(dt.UTC)
        until = opp["CloseDate"] if opp["IsClosed"] else as_of_date
        people = set(contacts[opp_id])
        for key in persons_by_account.get(opp["AccountId"], []):
            if any(t >= created - lookback and t.date() <= until for t, _, _ in touches[key]):
                people.add(key)
        path = sorted(t for key in people for t in touches[key] if created - lookback <= t[0] <= created)
        amount = convert(opp["Amount"], opp["CurrencyIsoCode"], opp["CloseDate"], rates, reporting_currency)
        if not path or amount is None:
            continue
        cents = Fraction(amount.quantize(CENT, rounding=ROUND_HALF_UP))
        quarter = quarter_label(created.date())
        totals["first_touch"][quarter][path[0][2]] += cents
        for _, _, channel in path:
            totals["linear"][quarter][channel] += cents / len(path)
    return {
        "attribution_lookback_days": lookback_days,
        "attributed_pipeline_by_quarter": {
            model: {
                q: {c: _cents(v) for c, v in sorted(by_channel.items())}
                for q, by_channel in sorted(qs.items())
            }
            for model, qs in totals.items()
        },
    }


def _cents(value: Fraction) -> str:
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP))
