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
  (touched_at, touchpoint id).
- Sales-ready persons (seed ``sales_ready_definition``): fit (the person's account matches seed
  ``icp_definition`` when required) and the first intent moment: the person's first high-intent touch (seed
  ``touch_intent``: campaign type, and member status when the seed names one) or the first touch of the
  person's account at which at least ``buying_group_min_engaged_persons`` persons, the person among them,
  touched within ``engagement_window_days`` before it (touches up to ``as_of_date``; on a tie the
  high-intent touch).
- Sales-ready touch (var ``attribution_sales_ready_source``): ``funnel`` = of the contacts sales-ready
  within the eligible window, the earliest moment; the first path touch that is such a contact's
  sales-ready touch at that moment, else the last path touch at or before it. ``touch_intent`` = the first
  high-intent touch of the path. Without one, var ``attribution_sales_ready_fallback``: ``lead_conversion``
  = the touch before the last one (the only touch of a one-touch path), ``none`` = no sales-ready touch.
- Credit of each pre-creation model of seed ``attribution_weights`` (first_touch, last_touch, linear,
  u_shaped, w_shaped): a touch earns the weights of the positions it holds (first, sales_ready,
  opportunity_creation = last touch), touches holding none share ``rest`` equally, every touch earns
  ``each``; credit = weight / the opportunity's total.
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


def _vars() -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load((SEEDS.parent / "dbt_project.yml").read_text())["vars"])


def _high_intent_ids(org: SalesforceOrg) -> set[str]:
    """Touchpoint ids of responded members matching a high-intent row of seed touch_intent."""
    rules = [
        (r["campaign_type"], r["touch_detail"])
        for r in _csv("touch_intent")
        if r["source_system"] == "salesforce" and r["is_high_intent"].strip().lower() == "true"
    ]
    campaign_type = {c["Id"]: c["Type"] for c in _live(org, "Campaign")}
    return {
        "salesforce:" + m["Id"]
        for m in _live(org, "CampaignMember")
        if m.get("HasResponded")
        and any(
            campaign_type.get(m["CampaignId"]) == kind and (not detail or m.get("Status") == detail)
            for kind, detail in rules
        )
    }


def _icp_fit_accounts(org: SalesforceOrg) -> set[str]:
    """Live accounts whose industry and employee count match a row of seed icp_definition."""
    rules = [
        (r["industry"], int(r["min_employees"]), int(r["max_employees"])) for r in _csv("icp_definition")
    ]
    return {
        a["Id"]
        for a in _live(org, "Account")
        if a.get("NumberOfEmployees") is not None
        and any(
            a.get("Industry") == industry and low <= a["NumberOfEmployees"] <= high
            for industry, low, high in rules
        )
    }


def sales_ready_persons(
    org: SalesforceOrg,
    touches: dict[str, list[tuple[dt.datetime, str, str]]],
    person_account: dict[str, str | None],
    high_intent: set[str],
    as_of_date: dt.date,
) -> dict[str, tuple[dt.datetime, str]]:
    """(sales-ready moment, touchpoint id of the moment) per person key (seed sales_ready_definition)."""
    definition = _csv("sales_ready_definition")[0]
    flag = {
        k: definition[k].strip().lower() == "true" for k in definition if k.startswith(("requires", "intent"))
    }
    min_persons = int(definition["buying_group_min_engaged_persons"])
    window = dt.timedelta(days=int(definition["engagement_window_days"]))
    known = {k: [t for t in ts if t[0].date() <= as_of_date] for k, ts in touches.items()}
    candidates: dict[str, list[tuple[dt.datetime, int, str]]] = defaultdict(list)  # (moment, 0 = intent, id)
    if flag["intent_from_high_intent_touch"]:
        for key, ts in known.items():
            intent = sorted((t, tid) for t, tid, _ in ts if tid in high_intent)
            if intent:
                candidates[key].append((intent[0][0], 0, intent[0][1]))
    if flag["intent_from_buying_group"]:
        by_account: dict[str, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
        for key, ts in known.items():
            if person_account.get(key) is not None:
                by_account[person_account[key]].extend((t, tid, key) for t, tid, _ in ts)
        for account_touches in by_account.values():
            first_moment: dict[str, tuple[dt.datetime, str]] = {}
            for moment, moment_id, _ in sorted(account_touches):
                members = {key for t, _, key in account_touches if moment - window <= t <= moment}
                if len(members) >= min_persons:
                    for key in members:
                        first_moment.setdefault(key, (moment, moment_id))
            for key, (moment, moment_id) in first_moment.items():
                candidates[key].append((moment, 1, moment_id))
    fit = _icp_fit_accounts(org)
    return {
        key: (min(options)[0], min(options)[2])
        for key, options in candidates.items()
        if not flag["requires_icp_fit"] or person_account.get(key) in fit
    }


def _sales_ready_index(
    path: list[tuple[dt.datetime, str, str]],
    moment: tuple[dt.datetime, set[str]] | None,
    high_intent: set[str],
    source: str,
    fallback: str,
) -> int | None:
    """0-based path index of the sales-ready touch (see the module docstring)."""
    ids = [tid for _, tid, _ in path]
    if source == "funnel" and moment is not None:
        at, moment_ids = moment
        on_path = [i for i, tid in enumerate(ids) if tid in moment_ids]
        before = [i for i, (t, _, _) in enumerate(path) if t <= at]
        if on_path or before:
            return on_path[0] if on_path else before[-1]
    if source == "touch_intent":
        intent = [i for i, tid in enumerate(ids) if tid in high_intent]
        if intent:
            return intent[0]
    return max(len(path) - 2, 0) if fallback == "lead_conversion" else None


def path_credits(path_length: int, sales_ready: int | None, weights: dict[str, Fraction]) -> list[Fraction]:
    """Credit per path touch under one pre-creation model's position weights (sums to 1)."""
    anchors = {"first": {0}, "sales_ready": {sales_ready}, "opportunity_creation": {path_length - 1}}
    fixed = [Fraction(weights.get("each", 0))] * path_length
    rest: list[int] = []
    for i in range(path_length):
        held = [pos for pos, at in anchors.items() if i in at and pos in weights]
        fixed[i] += sum((weights[pos] for pos in held), Fraction(0))
        if not held:
            rest.append(i)
    rest_share = weights.get("rest", Fraction(0)) / len(rest) if rest else Fraction(0)
    weight = [f + (rest_share if i in rest else 0) for i, f in enumerate(fixed)]
    total = sum(weight, Fraction(0))
    return [w / total for w in weight]


def attribution_ground_truth(
    org: SalesforceOrg,
    as_of_date: dt.date,
    *,
    lookback_days: int = 365,
    reporting_currency: str = "USD",
    rates_path: Path | str | None = None,
) -> dict[str, Any]:
    """``attributed_pipeline_by_quarter``: {model: {quarter: {channel: "123.45"}}} for the pre-creation models
    (first_touch, last_touch, linear, u_shaped, w_shaped)."""
    from ingestion.sandbox.ground_truth import convert, load_rates, quarter_label

    rates = load_rates(rates_path)
    variables = _vars()
    source = variables.get("attribution_sales_ready_source", "funnel")
    fallback = variables.get("attribution_sales_ready_fallback", "lead_conversion")
    if source not in ("funnel", "touch_intent") or fallback not in ("lead_conversion", "none"):
        raise ValueError(f"unknown attribution_sales_ready_source {source!r} or fallback {fallback!r}")
    keys, person_account = person_accounts(org)
    touches = _touches(org, keys)
    high_intent = _high_intent_ids(org)
    ready = sales_ready_persons(org, touches, person_account, high_intent, as_of_date)
    models: dict[str, dict[str, Fraction]] = defaultdict(dict)
    for row in _csv("attribution_weights"):
        if row["milestone"] == "opportunity_created" and row["touch_position"] != "each_time_decayed":
            models[row["attribution_model"]][row["touch_position"]] = Fraction(row["weight"])
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
        m: defaultdict(lambda: defaultdict(Fraction)) for m in models
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
        moments = [
            ready[key] for key in people if key in ready and created - lookback <= ready[key][0] <= created
        ]
        moment = None
        if moments:
            at = min(m[0] for m in moments)
            moment = (at, {tid for m, tid in moments if m == at})
        sales_ready = _sales_ready_index(path, moment, high_intent, source, fallback)
        cents = Fraction(amount.quantize(CENT, rounding=ROUND_HALF_UP))
        quarter = quarter_label(created.date())
        for model, weights in models.items():
            for (_, _, channel), credit in zip(
                path, path_credits(len(path), sales_ready, weights), strict=True
            ):
                if credit:  # zero-credit touches add no channel (as before: first_touch, last_touch)
                    totals[model][quarter][channel] += cents * credit
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
