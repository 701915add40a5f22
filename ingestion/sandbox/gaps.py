"""Attribution-health gaps on demand: a clean profile of the sandbox org, and gaps injected in known rows.

``clean_company(company)`` removes the generator's natural mess, so every data-quality rule passes;
``inject_gaps(company, seed, counts)`` then breaks ``counts[rule]`` records per rule and returns, per
data-quality rule, exactly the records it must flag (CRM ids; ``salesforce:<CampaignMember Id>`` for
touchpoints). Persons are named by a CRM record of theirs (the contact). Both edit the org in place
through the org API, before or between runs; ``make run`` never calls them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from ingestion.sandbox.generator import SandboxCompany
from ingestion.sandbox.generator_base import FREE_MAIL_DOMAINS, NEW_BUSINESS, WON
from ingestion.sandbox.generator_deals import history_row, stage_fields
from ingestion.sandbox.org import SalesforceOrg

GAP_RULES = (
    "opportunities_without_contact",
    "opportunities_without_touch_before_creation",
    "won_deals_without_marketing_touch",
    "amount_missing_or_unknown_currency",
    "persons_without_account",
    "persons_without_source",
    "invalid_emails",
    "duplicate_persons",
    "touches_without_campaign_or_channel",
    "campaigns_without_cost",
)
UNKNOWN_CURRENCY = "XYZ"  # not in seeds/exchange_rates.csv
UNMAPPED_CAMPAIGN_TYPE = "Podcast"  # not in seeds/channel_mapping.csv
FILLED_AMOUNT = Decimal("10000.00")


def _now(org: SalesforceOrg, record: dict[str, Any]) -> dict[str, Any]:
    """Stamp a record inserted after history with the org clock, so an incremental load picks it up."""
    now = org.tick()
    if "LastModifiedDate" in record:
        record["LastModifiedDate"] = now
    record["SystemModstamp"] = now
    return record


def _live(org: SalesforceOrg, obj: str) -> list[dict[str, Any]]:
    return sorted(org.records(obj, include_deleted=False), key=lambda r: r["Id"])


def _email(value: str | None) -> str | None:
    return value.strip().lower() or None if value else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    return str(website).lower().removeprefix("https://").removeprefix("http://").removeprefix("www.") or None


def clean_company(company: SandboxCompany) -> dict[str, int]:
    """Remove the generator's mess so every data-quality rule passes; returns what changed per kind."""
    org, changed = company.salesforce, defaultdict(int)
    accounts = _live(org, "Account")
    domains = {_domain(a["Website"]) for a in accounts}
    contacts = _live(org, "Contact")
    seen: set[str] = {e for c in contacts if (e := _email(c["Email"]))}
    lead_members: dict[str, list[str]] = defaultdict(list)
    for member in _live(org, "CampaignMember"):
        if member["LeadId"]:
            lead_members[member["LeadId"]].append(member["Id"])
    for lead in _live(org, "Lead"):  # duplicates, and leads no account can be found for
        if lead["IsConverted"]:
            continue
        email = _email(lead["Email"])
        domain = email.rsplit("@", 1)[-1] if email and "@" in email else None
        if email is None or email in seen or domain not in domains:
            for member_id in lead_members[lead["Id"]]:
                org.delete("CampaignMember", member_id)
            org.delete("Lead", lead["Id"])
            changed["leads_deleted"] += 1
        else:
            seen.add(email)
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for contact in contacts:
        if not contact["AccountId"]:
            account = accounts[changed["contacts_given_account"] % len(accounts)]
            org.update("Contact", contact["Id"], {"AccountId": account["Id"]})
            changed["contacts_given_account"] += 1
        by_account[contact["AccountId"]].append(contact)
    for campaign in _live(org, "Campaign"):
        if campaign["ActualCost"] is None:
            org.update("Campaign", campaign["Id"], {"ActualCost": campaign["BudgetedCost"] or FILLED_AMOUNT})
            changed["campaign_costs_filled"] += 1
    roles = defaultdict(list)
    for role in _live(org, "OpportunityContactRole"):
        roles[role["OpportunityId"]].append(role)
    members = {(m["CampaignId"], m["ContactId"]) for m in _live(org, "CampaignMember")}
    campaigns = _live(org, "Campaign")
    for opp in _live(org, "Opportunity"):
        if opp["Amount"] is None:
            org.update("Opportunity", opp["Id"], {"Amount": FILLED_AMOUNT})
            changed["amounts_filled"] += 1
        if not roles[opp["Id"]]:
            contact = (by_account[opp["AccountId"]] or contacts)[0]
            roles[opp["Id"]].append(_add_role(org, opp, contact["Id"]))
            changed["contact_roles_added"] += 1
        contact_id = roles[opp["Id"]][0]["ContactId"]
        campaign = next(c for c in campaigns if (c["Id"], contact_id) not in members)
        members.add((campaign["Id"], contact_id))
        _add_member(org, campaign["Id"], contact_id, opp["CreatedDate"] - dt.timedelta(days=2))
        changed["touches_before_creation_added"] += 1
    return dict(changed)


def _add_role(org: SalesforceOrg, opp: dict[str, Any], contact_id: str) -> dict[str, Any]:
    when = opp["CreatedDate"] + dt.timedelta(hours=1)
    return _now(
        org,
        org.insert(
            "OpportunityContactRole",
            {
                "OpportunityId": opp["Id"],
                "ContactId": contact_id,
                "Role": "Decision Maker",
                "IsPrimary": True,
                "CreatedDate": when,
                "LastModifiedDate": when,
                "SystemModstamp": when,
            },
        ),
    )


def _add_member(org: SalesforceOrg, campaign_id: str, contact_id: str, when: dt.datetime) -> dict[str, Any]:
    """A campaign member that responded on ``when``'s date (a touch at midnight UTC of that date)."""
    at = dt.datetime(when.year, when.month, when.day, tzinfo=dt.UTC)
    return _now(
        org,
        org.insert(
            "CampaignMember",
            {
                "CampaignId": campaign_id,
                "ContactId": contact_id,
                "LeadId": None,
                "Status": "Responded",
                "HasResponded": True,
                "FirstRespondedDate": at.date(),
                "CreatedDate": at,
                "SystemModstamp": at,
            },
        ),
    )


class _Injector:
    """Picks distinct records per gap so no injection trips another rule unexpectedly."""

    def __init__(self, company: SandboxCompany, seed: int) -> None:
        self.org, self.rng, self.end = company.salesforce, random.Random(seed), company.salesforce.now()
        self.used: set[str] = set()
        in_roles = {r["ContactId"] for r in _live(self.org, "OpportunityContactRole")}
        converted = {lead["ConvertedContactId"] for lead in _live(self.org, "Lead") if lead["IsConverted"]}
        # contacts no opportunity depends on: changing them cannot change another opportunity's gaps
        self.free_contacts = [c for c in _live(self.org, "Contact") if c["Id"] not in in_roles | converted]
        self.rng.shuffle(self.free_contacts)
        self.opportunities = [o for o in _live(self.org, "Opportunity") if o["Amount"] is not None]
        self.rng.shuffle(self.opportunities)
        self.users = [u["Id"] for u in _live(self.org, "User")]

    def contacts(self, n: int) -> list[dict[str, Any]]:
        picked = [c for c in self.free_contacts if c["Id"] not in self.used][:n]
        if len(picked) < n:
            raise ValueError(f"the sandbox has only {len(picked)} contacts free for gaps; asked for {n}")
        self.used.update(c["Id"] for c in picked)
        return picked

    def opps(self, n: int) -> list[dict[str, Any]]:
        picked = [o for o in self.opportunities if o["Id"] not in self.used][:n]
        self.used.update(o["Id"] for o in picked)
        return picked

    def new_deal(self, i: int, won: bool) -> str:
        """A new account, contact and opportunity whose contact never touched marketing."""
        org, created = self.org, self.end - dt.timedelta(days=40)
        stamp = {"CreatedDate": created, "LastModifiedDate": created, "SystemModstamp": created}
        domain = f"gapco{i}{'won' if won else 'open'}.example"
        owner = self.users[i % len(self.users)]
        account = org.insert(
            "Account",
            {
                "Name": f"Gap Co {i}",
                "Type": "Prospect",
                "Industry": "Software",
                "NumberOfEmployees": 500,
                "Website": f"https://www.{domain}",
                "CurrencyIsoCode": "USD",
                "OwnerId": owner,
                **stamp,
            },
        )
        contact = org.insert(
            "Contact",
            {
                "AccountId": account["Id"],
                "FirstName": "Gap",
                "LastName": f"Buyer{i}",
                "Name": f"Gap Buyer{i}",
                "Email": f"buyer@{domain}",
                "LeadSource": "Web",
                "OwnerId": owner,
                **stamp,
            },
        )
        close = (self.end - dt.timedelta(days=5)).date() if won else (self.end + dt.timedelta(days=30)).date()
        stage = WON if won else "Prospecting"
        opp = org.insert(
            "Opportunity",
            {
                "AccountId": account["Id"],
                "Name": f"Gap Co {i} - New",
                "Type": NEW_BUSINESS,
                "Amount": Decimal("20000.00"),
                "CurrencyIsoCode": "USD",
                "CloseDate": close,
                "LeadSource": "Web",
                "OwnerId": owner,
                "Term_Months__c": 12.0,
                "CreatedDate": created,
                "SystemModstamp": created,
                **stage_fields(stage),
            },
        )
        org.insert("OpportunityHistory", history_row(opp, created, "Prospecting", opp["Amount"], close))
        if won:
            org.insert(
                "OpportunityHistory",
                history_row(opp, created + dt.timedelta(days=30), WON, opp["Amount"], close),
            )
        _add_role(org, opp, contact["Id"])
        for rec in (account, contact, opp):
            _now(org, rec)
        for row in org.records("OpportunityHistory"):
            if row["OpportunityId"] == opp["Id"]:
                _now(org, row)
        return str(opp["Id"])


def inject_gaps(company: SandboxCompany, seed: int, counts: dict[str, int]) -> dict[str, list[str]]:
    """Break ``counts[rule]`` records per rule (keys from :data:`GAP_RULES`); returns rule -> ids to flag.

    Side effects named in the result: a won deal without touch also has no touch before creation, and an
    unknown currency also fails ``currency_code_known``. Run on a :func:`clean_company` org to get exactly
    these ids and no others.
    """
    unknown = set(counts) - set(GAP_RULES)
    if unknown:
        raise KeyError(f"no gap injector for {sorted(unknown)}; known: {', '.join(GAP_RULES)}")
    inj, org = _Injector(company, seed), company.salesforce
    out: dict[str, list[str]] = defaultdict(list)
    for opp in inj.opps(counts.get("opportunities_without_contact", 0)):
        for role in _live(org, "OpportunityContactRole"):
            if role["OpportunityId"] == opp["Id"]:
                org.delete("OpportunityContactRole", role["Id"])
        out["opportunities_without_contact"].append(opp["Id"])
    for i in range(counts.get("opportunities_without_touch_before_creation", 0)):
        out["opportunities_without_touch_before_creation"].append(inj.new_deal(i, won=False))
    for i in range(counts.get("won_deals_without_marketing_touch", 0)):
        opp_id = inj.new_deal(i, won=True)
        out["won_deals_without_marketing_touch"].append(opp_id)
        out["opportunities_without_touch_before_creation"].append(opp_id)
    for i, opp in enumerate(inj.opps(counts.get("amount_missing_or_unknown_currency", 0))):
        if i % 2:
            org.update("Opportunity", opp["Id"], {"CurrencyIsoCode": UNKNOWN_CURRENCY})
            out["currency_code_known"].append(opp["Id"])
        else:
            org.update("Opportunity", opp["Id"], {"Amount": None})
        out["amount_missing_or_unknown_currency"].append(opp["Id"])
    for i, contact in enumerate(inj.contacts(counts.get("persons_without_account", 0))):
        email = f"gap.person{i}@{FREE_MAIL_DOMAINS[i % len(FREE_MAIL_DOMAINS)]}"
        org.update("Contact", contact["Id"], {"AccountId": None, "Email": email})
        out["persons_without_account"].append(contact["Id"])
    for contact in inj.contacts(counts.get("persons_without_source", 0)):
        org.update("Contact", contact["Id"], {"LeadSource": None})
        out["persons_without_source"].append(contact["Id"])
    for contact in inj.contacts(counts.get("invalid_emails", 0)):
        org.update("Contact", contact["Id"], {"Email": str(contact["Email"]).replace("@", ".")})
        out["invalid_emails"].append(contact["Id"])
    for contact in inj.contacts(counts.get("duplicate_persons", 0)):
        lead = org.insert(
            "Lead",
            {
                "FirstName": contact["FirstName"],
                "LastName": contact["LastName"],
                "Name": contact["Name"],
                "Email": f" {str(contact['Email']).upper()} ",
                "Company": "Gap duplicate",
                "LeadSource": "Web",
                "IsConverted": False,
                "Status": "Open - Not Contacted",
                "OwnerId": contact["OwnerId"],
                "CreatedDate": inj.end,
                "LastModifiedDate": inj.end,
                "SystemModstamp": inj.end,
            },
        )
        _now(org, lead)
        out["duplicate_persons"].append(contact["Id"])
    campaigns = _live(org, "Campaign")
    inj.rng.shuffle(campaigns)
    for campaign in campaigns[: counts.get("campaigns_without_cost", 0)]:
        org.update("Campaign", campaign["Id"], {"ActualCost": None})
        out["campaigns_without_cost"].append(campaign["Id"])
    touches = counts.get("touches_without_campaign_or_channel", 0)
    if touches:
        start = (inj.end - dt.timedelta(days=20)).date()
        owner = inj.users[0]
        podcast = org.insert(
            "Campaign",
            {
                "Name": "Gap podcast",
                "Type": UNMAPPED_CAMPAIGN_TYPE,
                "Status": "Completed",
                "StartDate": start,
                "EndDate": start,
                "BudgetedCost": Decimal("1000.00"),
                "ActualCost": Decimal("900.00"),
                "CurrencyIsoCode": "USD",
                "IsActive": False,
                "OwnerId": owner,
                "CreatedDate": inj.end - dt.timedelta(days=30),
                "LastModifiedDate": inj.end - dt.timedelta(days=30),
                "SystemModstamp": inj.end - dt.timedelta(days=30),
            },
        )
        _now(org, podcast)
        for contact in inj.contacts(touches):
            member = _add_member(org, podcast["Id"], contact["Id"], inj.end - dt.timedelta(days=10))
            out["touches_without_campaign_or_channel"].append(f"salesforce:{member['Id']}")
    return {rule: sorted(ids) for rule, ids in out.items()}
