"""Funnel ground truth: persons per funnel stage per quarter and marketing-qualified accounts.

Plain Python from the org's current records with the rules of ``marts/funnel`` (see its YAML): persons
resolved like ``int_person_records`` (normalised email; a converted lead takes its contact's key), their
account (CRM relation, else the website domain of the earliest account with it, never a free-mail domain),
touches (responded campaign members at their first-responded date), opportunity contacts (contact roles,
then persons of the account touched from ``attribution_lookback_days`` before creation to the close date)
and the funnel opportunity types. Business choices are read from the dbt project's seeds and vars, never
restated here.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from ingestion.sandbox.org import SalesforceOrg

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
Touch = tuple[dt.datetime, str]  # (touched_at, person key)


def _seed(name: str) -> list[dict[str, str]]:
    with open(DBT_PROJECT / "seeds" / f"{name}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _vars() -> dict[str, Any]:
    return dict(yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())["vars"])


def _live(org: SalesforceOrg, obj: str) -> list[dict[str, Any]]:
    return [r for r in org.records(obj) if not r.get("IsDeleted")]


def _email(value: str | None) -> str | None:
    return (value.strip().lower() or None) if value else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    d = re.sub(r"^[a-z][a-z0-9+.-]*://", "", website.strip().lower())
    return re.sub(r"[/?#:].*$", "", re.sub(r"^www\.", "", d)) or None


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def resolve_persons(org: SalesforceOrg) -> dict[str, dict[str, Any]]:
    """Persons by key: created_at, primary record's account, email domain, buying role, record ids."""
    contacts, leads = _live(org, "Contact"), _live(org, "Lead")
    contact_key = {
        c["Id"]: f"email:{e}" if (e := _email(c["Email"])) else f"contact:{c['Id']}" for c in contacts
    }
    records: list[tuple[str, int, dict[str, Any], str | None, str | None]] = []
    for c in contacts:
        records.append((contact_key[c["Id"]], 1, c, c["AccountId"], c.get("Buying_Role__c")))
    for lead in leads:
        converted = contact_key.get(lead.get("ConvertedContactId")) if lead.get("IsConverted") else None
        email = _email(lead["Email"])
        key = converted or (f"email:{email}" if email else f"lead:{lead['Id']}")
        records.append((key, 2, lead, lead.get("ConvertedAccountId"), None))
    persons: dict[str, dict[str, Any]] = {}
    for key, _priority, rec, account, role in sorted(
        records, key=lambda r: (r[0], r[1], _utc(r[2]["CreatedDate"]), r[2]["Id"])
    ):
        created = _utc(rec["CreatedDate"])
        if key not in persons:
            email = _email(rec["Email"])
            persons[key] = {
                "created_at": created,
                "crm_account_id": account,
                "buying_role": role,
                "email_domain": email.rsplit("@", 1)[-1] if email and "@" in email else None,
                "record_ids": set(),
            }
        persons[key]["created_at"] = min(persons[key]["created_at"], created)
        persons[key]["record_ids"].add(rec["Id"])
    return persons


def assign_accounts(org: SalesforceOrg, persons: dict[str, dict[str, Any]]) -> None:
    """Set each person's ``account_id``: CRM relation to a live account, else the email domain's account."""
    accounts = _live(org, "Account")
    live = {a["Id"] for a in accounts}
    free_mail = {r["domain"] for r in _seed("free_mail_domains")}
    by_domain: dict[str, str] = {}
    for a in sorted(accounts, key=lambda a: (_utc(a["CreatedDate"]), a["Id"])):
        domain = _domain(a.get("Website"))
        if domain and domain not in by_domain and domain not in free_mail:
            by_domain[domain] = a["Id"]
    for p in persons.values():
        crm = p["crm_account_id"] if p["crm_account_id"] in live else None
        p["account_id"] = crm or by_domain.get(p["email_domain"] or "")


def marketing_touches(org: SalesforceOrg, person_of: dict[str, str], as_of: dt.date) -> list[Touch]:
    """Responded campaign members as (touched_at, person key), up to ``as_of``."""
    out: list[Touch] = []
    for m in _live(org, "CampaignMember"):
        person = person_of.get(m.get("ContactId") or m.get("LeadId") or "")
        if not m.get("HasResponded") or person is None:
            continue
        day = m.get("FirstRespondedDate")
        when = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else _utc(m["CreatedDate"])
        if when.date() <= as_of:
            out.append((when, person))
    return sorted(out)


def opportunity_contacts(
    org: SalesforceOrg,
    persons: dict[str, dict[str, Any]],
    person_of: dict[str, str],
    touches: list[Touch],
    as_of: dt.date,
    lookback_days: int,
) -> dict[str, set[str]]:
    """Person keys per live opportunity: contact roles, then engaged persons of its account (inferred)."""
    opps = {o["Id"]: o for o in _live(org, "Opportunity")}
    out: dict[str, set[str]] = defaultdict(set)
    for role in _live(org, "OpportunityContactRole"):
        if role["OpportunityId"] in opps and role["ContactId"] in person_of:
            out[role["OpportunityId"]].add(person_of[role["ContactId"]])
    touches_of: dict[str, list[dt.datetime]] = defaultdict(list)
    for when, person in touches:
        touches_of[person].append(when)
    by_account: dict[str, list[str]] = defaultdict(list)
    for key, p in persons.items():
        if p["account_id"]:
            by_account[p["account_id"]].append(key)
    for opp in opps.values():
        start = _utc(opp["CreatedDate"]) - dt.timedelta(days=lookback_days)
        end = opp["CloseDate"] if opp["IsClosed"] else as_of
        for key in by_account.get(opp["AccountId"], []):
            if any(start <= t and t.date() <= end for t in touches_of[key]):
                out[opp["Id"]].add(key)
    return out


def count_mqas(
    persons: dict[str, dict[str, Any]], touches: list[Touch], min_persons: int, window_days: int
) -> int:
    """Accounts with a touch at which >= min_persons persons touched within the window, one senior."""
    canonical = {r["source_role_name"]: r["buying_role"] for r in _seed("required_buying_roles")}
    senior_roles = {r["buying_role"] for r in _seed("senior_buying_roles")}
    by_account: dict[str, list[Touch]] = defaultdict(list)
    for when, person in touches:
        if persons[person]["account_id"]:
            by_account[persons[person]["account_id"]].append((when, person))
    mqas = 0
    for account_touches in by_account.values():
        for moment, _ in account_touches:
            start = moment - dt.timedelta(days=window_days)
            engaged = {p for t, p in account_touches if start <= t <= moment}
            if len(engaged) >= min_persons and any(
                canonical.get(persons[p]["buying_role"] or "") in senior_roles for p in engaged
            ):
                mqas += 1
                break
    return mqas


def funnel_ground_truth(org: SalesforceOrg, as_of_date: dt.date) -> dict[str, Any]:
    """``funnel_persons_by_quarter`` {stage: {quarter: n}} for known, engaged, opportunity and won, and
    ``funnel_mqa_accounts``."""
    variables = _vars()
    type_of = {
        (r["source_system"], r["source_type"]): r["opportunity_type"]
        for r in _seed("opportunity_type_mapping")
    }
    funnel_types = set(variables["funnel_opportunity_types"])
    persons = resolve_persons(org)
    assign_accounts(org, persons)
    person_of = {rid: key for key, p in persons.items() for rid in p["record_ids"]}
    touches = marketing_touches(org, person_of, as_of_date)
    contacts = opportunity_contacts(
        org, persons, person_of, touches, as_of_date, int(variables["attribution_lookback_days"])
    )
    first_opp: dict[str, dict[str, Any]] = {}
    for opp in sorted(_live(org, "Opportunity"), key=lambda o: (_utc(o["CreatedDate"]), o["Id"])):
        if (
            type_of.get(("salesforce", opp["Type"])) not in funnel_types
            or _utc(opp["CreatedDate"]).date() > as_of_date
        ):
            continue
        for key in contacts.get(opp["Id"], ()):
            first_opp.setdefault(key, opp)
    events: dict[str, list[dt.date]] = {
        "known": [p["created_at"].date() for p in persons.values()],
        "engaged": list({p: t.date() for t, p in reversed(touches)}.values()),
        "opportunity": [_utc(o["CreatedDate"]).date() for o in first_opp.values()],
        "won": [o["CloseDate"] for o in first_opp.values() if o["IsWon"]],
    }
    by_quarter: dict[str, dict[str, int]] = {}
    for stage, days in events.items():
        counts: dict[str, int] = defaultdict(int)
        for day in days:
            if day <= as_of_date:
                counts[_quarter(day)] += 1
        by_quarter[stage] = dict(sorted(counts.items()))
    mqas = count_mqas(
        persons, touches, int(variables["mqa_min_engaged_persons"]), int(variables["mqa_window_days"])
    )
    return {"funnel_persons_by_quarter": by_quarter, "funnel_mqa_accounts": mqas}
