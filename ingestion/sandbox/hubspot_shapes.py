"""The sandbox company as a "HubSpot only" portal, deterministically (same org, same portal, same ids).

Accounts -> companies; contacts and unconverted leads -> contacts with ``lifecyclestage``; opportunities
-> deals (stage ids of one pipeline); OpportunityHistory -> ``dealstage`` history; contact roles ->
labelled contact-deal associations; campaigns -> marketing campaigns, their budgeted cost -> a budget
item and their actual cost -> spend items (``campaign_spend_items``); responded members of email
campaigns -> marketing email events, of other campaigns -> form submissions. Deleted -> archived.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ingestion.sandbox.hubspot_portal import (
    Association,
    HsRecord,
    HubSpotPortal,
    epoch_ms,
    hs_time,
)
from ingestion.sandbox.org import SalesforceOrg

# Salesforce stage -> (HubSpot stage id, probability, isClosed); custom stages get numeric ids
DEAL_STAGES: dict[str, tuple[str, str, bool]] = {
    "Prospecting": ("appointmentscheduled", "0.1", False),
    "Qualification": ("qualifiedtobuy", "0.2", False),
    "Needs Analysis": ("presentationscheduled", "0.4", False),
    "Value Proposition": ("decisionmakerboughtin", "0.5", False),
    "Id. Decision Makers": ("94112837", "0.5", False),
    "Perception Analysis": ("94112838", "0.5", False),
    "Proposal/Price Quote": ("contractsent", "0.6", False),
    "Negotiation/Review": ("94112839", "0.8", False),
    "Closed Won": ("closedwon", "1.0", True),
    "Closed Lost": ("closedlost", "0.0", True),
}
PIPELINE_ID = "default"
CENT = Decimal("0.01")
# USER_DEFINED contact-deal association labels (the contact roles)
ROLE_TYPE_IDS: dict[str, int] = {
    "Decision Maker": 101,
    "Economic Buyer": 102,
    "Champion": 103,
    "Influencer": 104,
    "Technical Evaluator": 105,
    "Business User": 106,
}
LEAD_STAGES: dict[str, tuple[str, str]] = {  # lead status -> (lifecyclestage, hs_lead_status)
    "Open - Not Contacted": ("lead", "NEW"),
    "Working - Contacted": ("marketingqualifiedlead", "IN_PROGRESS"),
    "Closed - Disqualified": ("other", "UNQUALIFIED"),
}
# Salesforce opportunity type -> HubSpot ``dealtype`` option (renewal and downgrade are custom options)
DEAL_TYPES: dict[str, str] = {
    "New Business": "newbusiness",
    "Existing Business - Expansion": "existingbusiness",
    "Renewal": "renewal",
    "Existing Business - Downgrade": "downgrade",
}
# Contact properties the HubSpot-Salesforce integration adds to a synced portal
SALESFORCE_SYNC_PROPERTIES: dict[str, tuple[str, str]] = {
    "salesforcecontactid": ("string", "text"),
    "salesforceleadid": ("string", "text"),
}
PROPERTY_TYPES: dict[str, dict[str, tuple[str, str]]] = {  # obj -> property -> (type, fieldType)
    "contacts": {
        "email": ("string", "text"),
        "firstname": ("string", "text"),
        "lastname": ("string", "text"),
        "jobtitle": ("string", "text"),
        "company": ("string", "text"),
        "country": ("string", "text"),
        "lifecyclestage": ("enumeration", "radio"),
        "hs_lead_status": ("enumeration", "radio"),
        "hs_buying_role": ("enumeration", "checkbox"),
        "hs_analytics_source": ("enumeration", "select"),
        "hubspot_owner_id": ("enumeration", "select"),
        "associatedcompanyid": ("number", "number"),
        "createdate": ("datetime", "date"),
        "lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "companies": {
        "name": ("string", "text"),
        "domain": ("string", "text"),
        "industry": ("enumeration", "select"),
        "numberofemployees": ("number", "number"),
        "annualrevenue": ("number", "number"),
        "city": ("string", "text"),
        "country": ("string", "text"),
        "type": ("enumeration", "select"),
        "hubspot_owner_id": ("enumeration", "select"),
        "createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "deals": {
        "dealname": ("string", "text"),
        "amount": ("number", "number"),
        "closedate": ("datetime", "date"),
        "createdate": ("datetime", "date"),
        "dealstage": ("enumeration", "radio"),
        "pipeline": ("enumeration", "select"),
        "hubspot_owner_id": ("enumeration", "select"),
        "deal_currency_code": ("enumeration", "select"),
        "dealtype": ("enumeration", "radio"),
        "closed_lost_reason": ("string", "textarea"),
        "hs_analytics_source": ("enumeration", "select"),
        "hs_is_closed_won": ("bool", "booleancheckbox"),
        "term_months": ("number", "number"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
}


def hs_id(sf_id: str, base: int) -> str:
    """A stable numeric HubSpot-looking id for a Salesforce id."""
    return str(base + int(hashlib.sha1(sf_id.encode()).hexdigest()[:9], 16) % 10**10)


def guid(kind: str, sf_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"onefunnel:{kind}:{sf_id}"))


def _s(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return hs_time(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def contact_email(person: dict[str, Any]) -> str:
    """The email of the person's HubSpot contact. HubSpot knows a responding person by the email typed into
    a form or the address a marketing email went to, so a Salesforce record without email (a badge scan)
    has one there: a stable private address that cannot collide with another person's."""
    if person["Email"]:
        return person["Email"]
    first = (person.get("FirstName") or "contact").lower().replace(" ", "")
    last = (person.get("LastName") or "").lower().replace(" ", "")
    digest = hashlib.sha1(person["Id"].encode()).hexdigest()[:8]
    return f"{first}.{last}.{digest}@gmail.com"


def _live_conversion(lead: dict[str, Any], contacts: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The live contact a converted lead became (HubSpot keeps one contact for both), else None."""
    contact = contacts.get(lead["ConvertedContactId"] or "") if lead["IsConverted"] else None
    return contact if contact is not None and not contact.get("IsDeleted") else None


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    return website.split("//")[-1].removeprefix("www.").split("/")[0]


def portal_from_org(org: SalesforceOrg, *, marketing_only: bool = False) -> HubSpotPortal:
    """Build the HubSpot portal from the org's current records (deterministic).

    ``marketing_only``: the portal of a company whose CRM is Salesforce: contacts synced from Salesforce
    contacts and leads (with their Salesforce ids), campaigns, forms, submissions and email events; no
    companies, deals or their associations.
    """
    portal = HubSpotPortal(org.now())
    for obj, props in PROPERTY_TYPES.items():
        if marketing_only and obj != "contacts":
            continue
        for name, (hs_type, field_type) in props.items():
            portal.define(obj, name, hs_type, field_type, show_currency_symbol=name == "amount")
    if marketing_only:
        for name, (hs_type, field_type) in SALESFORCE_SYNC_PROPERTIES.items():
            portal.define("contacts", name, hs_type, field_type)
    owners = {u["Id"]: hs_id(u["Id"], 30_000_000_000) for u in org.records("User")}
    portal.owners = [
        {
            "id": owners[u["Id"]],
            "email": u["Email"],
            "firstName": u["FirstName"],
            "lastName": u["LastName"],
            "userId": int(owners[u["Id"]]) % 10**8,
            "createdAt": hs_time(u["CreatedDate"]),
            "updatedAt": hs_time(u["LastModifiedDate"]),
            "archived": not u["IsActive"],
            "teams": [],
        }
        for u in org.records("User")
    ]
    portal.pipelines = [] if marketing_only else [_pipeline()]
    accounts = {a["Id"]: a for a in org.records("Account")}
    if not marketing_only:
        _companies(portal, org, owners)
        history = defaultdict(list)
        for h in org.records("OpportunityHistory"):
            history[h["OpportunityId"]].append(h)
        _deals(portal, org, owners, history)
    _contacts(portal, org, owners, accounts, synced=marketing_only)
    _marketing(portal, org)
    return portal


def _pipeline() -> dict[str, Any]:
    stages = [
        {
            "id": sid,
            "label": label,
            "displayOrder": i,
            "archived": False,
            "metadata": {"isClosed": "true" if closed else "false", "probability": prob},
            "createdAt": "2023-01-01T00:00:00.000Z",
            "updatedAt": "2023-01-01T00:00:00.000Z",
        }
        for i, (label, (sid, prob, closed)) in enumerate(DEAL_STAGES.items())
    ]
    return {
        "id": PIPELINE_ID,
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "archived": False,
        "stages": stages,
        "createdAt": "2023-01-01T00:00:00.000Z",
        "updatedAt": "2023-01-01T00:00:00.000Z",
    }


def _record(portal: HubSpotPortal, obj: str, sf: dict[str, Any], rid: str, props: dict[str, Any]) -> HsRecord:
    rec = HsRecord(rid, {k: _s(v) for k, v in props.items()}, sf["CreatedDate"], sf["SystemModstamp"])
    for name, value in rec.properties.items():
        if value is not None:
            rec.history[name] = [
                {"value": value, "timestamp": hs_time(sf["CreatedDate"]), "sourceType": "IMPORT"}
            ]
    if sf.get("IsDeleted"):
        rec.archived_at = sf["SystemModstamp"]
    return portal.put(obj, rec)


def _companies(portal: HubSpotPortal, org: SalesforceOrg, owners: dict[str, str]) -> None:
    for a in org.records("Account"):
        _record(
            portal,
            "companies",
            a,
            hs_id(a["Id"], 10_000_000_000),
            {
                "name": a["Name"],
                "domain": _domain(a["Website"]),
                "industry": a["Industry"],
                "numberofemployees": a["NumberOfEmployees"],
                "annualrevenue": a["AnnualRevenue"],
                "city": a["BillingCity"],
                "country": a["BillingCountry"],
                "type": (a["Type"] or "").upper() or None,
                "hubspot_owner_id": owners.get(a["OwnerId"] or ""),
            },
        )


def _deals(
    portal: HubSpotPortal,
    org: SalesforceOrg,
    owners: dict[str, str],
    history: dict[str, list[dict[str, Any]]],
) -> None:
    for o in org.records("Opportunity"):
        stage = DEAL_STAGES.get(o["StageName"] or "", (None, None, False))[0]
        rec = _record(
            portal,
            "deals",
            o,
            hs_id(o["Id"], 20_000_000_000),
            {
                "dealname": o["Name"],
                "amount": o["Amount"],
                "closedate": o["CloseDate"],
                "createdate": o["CreatedDate"],
                "dealstage": stage,
                "pipeline": PIPELINE_ID,
                "hubspot_owner_id": owners.get(o["OwnerId"] or ""),
                "deal_currency_code": o["CurrencyIsoCode"],
                "dealtype": DEAL_TYPES.get(o["Type"], (o["Type"] or "").lower().replace(" ", "")) or None,
                "closed_lost_reason": o["Loss_Reason__c"],
                "hs_analytics_source": o["LeadSource"],
                "hs_is_closed_won": bool(o["IsWon"]),
                "term_months": o["Term_Months__c"],
            },
        )
        entries, last = [], None
        for h in sorted(history[o["Id"]], key=lambda h: (h["CreatedDate"], h["Id"])):
            if h["StageName"] != last:
                sid = DEAL_STAGES.get(h["StageName"] or "", (h["StageName"],))[0]
                entries.append(
                    {
                        "value": sid,
                        "timestamp": hs_time(h["CreatedDate"]),
                        "sourceType": "CRM_UI",
                        "updatedByUserId": 1000 + len(entries),
                    }
                )
                last = h["StageName"]
        if entries:
            rec.history["dealstage"] = entries[::-1]
        if o["AccountId"] and not o.get("IsDeleted"):
            portal.associations.append(
                Association("deals", rec.id, "companies", hs_id(o["AccountId"], 10_000_000_000), "primary")
            )
    for r in org.records("OpportunityContactRole"):
        if r.get("IsDeleted") or not r["ContactId"]:
            continue
        labels = ((ROLE_TYPE_IDS[r["Role"]], r["Role"]),) if r["Role"] in ROLE_TYPE_IDS else ()
        portal.associations.append(
            Association(
                "contacts",
                hs_id(r["ContactId"], 0),
                "deals",
                hs_id(r["OpportunityId"], 20_000_000_000),
                "unlabeled",
                labels,
            )
        )


def _contacts(
    portal: HubSpotPortal,
    org: SalesforceOrg,
    owners: dict[str, str],
    accounts: dict[str, dict[str, Any]],
    synced: bool = False,
) -> None:
    """Contacts from Salesforce contacts and unconverted leads; ``synced``: Salesforce ids as the
    integration sets them, and no company (the portal has none)."""
    opp_events: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    touched: dict[str, dt.datetime] = {}  # HubSpot recalculates contacts when their company's deals change
    for o in org.records("Opportunity"):
        if o["AccountId"]:
            touched[o["AccountId"]] = max(
                touched.get(o["AccountId"], o["SystemModstamp"]), o["SystemModstamp"]
            )
    for o in org.records("Opportunity", include_deleted=False):
        if o["AccountId"]:
            opp_events[o["AccountId"]].append((o["CreatedDate"], "opportunity"))
            if o["IsWon"]:
                opp_events[o["AccountId"]].append((o["SystemModstamp"], "customer"))
    first_known: dict[str, dt.datetime] = {}  # a contact is known since the earliest lead converted into it
    for lead in org.records("Lead", include_deleted=False):
        if lead["IsConverted"] and lead["ConvertedContactId"]:
            cid = lead["ConvertedContactId"]
            first_known[cid] = min(first_known.get(cid, lead["CreatedDate"]), lead["CreatedDate"])
    for c in org.records("Contact"):
        if first_known.get(c["Id"], c["CreatedDate"]) < c["CreatedDate"]:
            c = {**c, "CreatedDate": first_known[c["Id"]]}
        events = sorted(e for e in opp_events[c["AccountId"] or ""] if e[0] >= c["CreatedDate"])
        stages = [(c["CreatedDate"], "lead")]
        for at, stage in events:
            if stage != stages[-1][1] and stages[-1][1] != "customer":
                stages.append((at, stage))
        account = accounts.get(c["AccountId"] or "")
        rec = _record(
            portal,
            "contacts",
            c,
            hs_id(c["Id"], 0),
            {
                "email": contact_email(c),
                "firstname": c["FirstName"],
                "lastname": c["LastName"],
                "jobtitle": c["Title"],
                "company": account["Name"] if account else None,
                "country": c["MailingCountry"],
                "lifecyclestage": stages[-1][1],
                "hs_buying_role": c["Buying_Role__c"],
                "hs_analytics_source": c["LeadSource"],
                "hubspot_owner_id": owners.get(c["OwnerId"] or ""),
                "associatedcompanyid": hs_id(c["AccountId"], 10_000_000_000)
                if c["AccountId"] and not synced
                else None,
                **({"salesforcecontactid": c["Id"]} if synced else {}),
            },
        )
        rec.history["lifecyclestage"] = [
            {"value": s, "timestamp": hs_time(at), "sourceType": "CRM_UI"} for at, s in reversed(stages)
        ]
        latest = max(stages[-1][0], touched.get(c["AccountId"] or "", stages[-1][0]))
        if latest > rec.updated_at and not c.get("IsDeleted"):  # a stage change modifies the contact
            rec.updated_at = latest
            rec.properties["lastmodifieddate"] = hs_time(rec.updated_at)
        if c["AccountId"] and not c.get("IsDeleted") and not synced:
            portal.associations.append(
                Association("contacts", rec.id, "companies", hs_id(c["AccountId"], 10_000_000_000), "primary")
            )
    contacts = {c["Id"]: c for c in org.records("Contact")}
    for lead in org.records("Lead"):
        if _live_conversion(lead, contacts) is not None:
            continue  # merged into its contact
        stage, status = LEAD_STAGES.get(lead["Status"] or "", ("lead", "NEW"))
        rec = _record(
            portal,
            "contacts",
            lead,
            hs_id(lead["Id"], 0),
            {
                "email": contact_email(lead),
                "firstname": lead["FirstName"],
                "lastname": lead["LastName"],
                "jobtitle": lead["Title"],
                "company": lead["Company"],
                "country": lead["Country"],
                "lifecyclestage": stage,
                "hs_lead_status": status,
                "hs_analytics_source": lead["LeadSource"],
                "hubspot_owner_id": owners.get(lead["OwnerId"] or ""),
                **({"salesforceleadid": lead["Id"]} if synced else {}),
            },
        )
        rec.history["lifecyclestage"] = [
            {"value": stage, "timestamp": hs_time(lead["CreatedDate"]), "sourceType": "CRM_UI"}
        ]


def _marketing(portal: HubSpotPortal, org: SalesforceOrg) -> None:
    people = {p["Id"]: p for obj in ("Contact", "Lead") for p in org.records(obj)}
    contacts = {c["Id"]: c for c in org.records("Contact")}
    for lead in org.records("Lead"):  # a converted lead lives on in HubSpot as the contact it became
        contact = _live_conversion(lead, contacts)
        if contact is not None:
            people[lead["Id"]] = contact
    email_ids: dict[str, int] = {}
    for c in org.records("Campaign", include_deleted=False):
        cid = guid("campaign", c["Id"])
        portal.campaigns.append(
            {
                "id": cid,
                "createdAt": hs_time(c["CreatedDate"]),
                "updatedAt": hs_time(c["SystemModstamp"]),
                "businessUnits": [{"id": 0}],
                "properties": {
                    "hs_name": c["Name"],
                    "hs_start_date": _s(c["StartDate"])[:10] if c["StartDate"] else None,
                    "hs_end_date": _s(c["EndDate"])[:10] if c["EndDate"] else None,
                    "hs_campaign_status": (c["Status"] or "").lower() or None,
                    "hs_audience": c["Type"],
                    "hs_currency_code": c["CurrencyIsoCode"],
                    "hs_budget_items_sum_amount": _s(c["BudgetedCost"]),
                },
            }
        )
        portal.campaign_budgets[cid] = campaign_budget(c)
        if c["Type"] == "Email":
            email_ids[c["Id"]] = int(hs_id(c["Id"], 0)) % 10**9
        else:
            portal.forms.append(
                {
                    "id": guid("form", c["Id"]),
                    "name": f"{c['Name']} form",
                    "formType": "hubspot",
                    "createdAt": hs_time(c["CreatedDate"]),
                    "updatedAt": hs_time(c["CreatedDate"]),
                    "archived": False,
                }
            )
            portal.submissions[guid("form", c["Id"])] = []
    for m in sorted(
        org.records("CampaignMember", include_deleted=False), key=lambda m: (m["CreatedDate"], m["Id"])
    ):
        person = people.get(m["ContactId"] or m["LeadId"] or "")
        if person is None:
            continue
        if m["CampaignId"] in email_ids:
            _email_events(portal, m, contact_email(person), email_ids[m["CampaignId"]])
        elif m["HasResponded"] and m["FirstRespondedDate"]:
            at = _responded_at(m)
            portal.submissions[guid("form", m["CampaignId"])].insert(
                0,
                {
                    "conversionId": guid("conversion", m["Id"]),
                    "submittedAt": epoch_ms(at),
                    "pageUrl": f"https://www.example.com/lp/{m['CampaignId'][-6:]}",
                    "values": [
                        {"name": "email", "value": contact_email(person)},
                        {"name": "firstname", "value": person["FirstName"] or ""},
                        {"name": "lastname", "value": person["LastName"] or ""},
                    ],
                },
            )
    for form in portal.submissions.values():
        form.sort(key=lambda s: -s["submittedAt"])
    portal.email_events.sort(key=lambda e: (e["created"], e["id"]))


def campaign_spend_items(campaign: dict[str, Any]) -> list[dict[str, Any]]:
    """The campaign's actual cost as HubSpot spend items: one item per calendar month the campaign runs
    (as a marketer enters the month's invoices), each the cost of its days to the cent, the last month
    taking the rest, so the items sum to exactly the actual cost. No actual cost: no items. Items are
    entered when the campaign is created (``createdAt`` a minute apart, ``order`` 0 the oldest) and last
    updated at the campaign's last modification."""
    cost = campaign["ActualCost"]
    if cost is None:
        return []
    start = campaign["StartDate"] or campaign["CreatedDate"].astimezone(dt.UTC).date()
    end = campaign["EndDate"] if campaign["EndDate"] and campaign["EndDate"] >= start else start
    months, day = [], start
    while day <= end:
        last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        months.append((day, (min(last, end) - day).days + 1))
        day = last + dt.timedelta(days=1)
    total_days = sum(days for _, days in months)
    items, spent = [], Decimal(0)
    for i, (first, days) in enumerate(months):
        part = (
            Decimal(cost) - spent
            if i == len(months) - 1
            else (Decimal(cost) * days / total_days).quantize(CENT, ROUND_HALF_UP)
        )
        spent += part
        created = campaign["CreatedDate"] + dt.timedelta(minutes=i)
        items.append(
            {
                "id": hs_id(f"{campaign['Id']}:spend:{i}", 50_000_000_000),
                "name": f"{campaign['Name']} - {first:%b %Y}",
                "description": f"{days} days from {first.isoformat()}",
                "amount": float(part),
                "order": i,
                "createdAt": epoch_ms(created),
                "updatedAt": epoch_ms(max(created, campaign["SystemModstamp"])),
            }
        )
    return items


def campaign_budget(campaign: dict[str, Any]) -> dict[str, Any]:
    """What ``budget/totals`` holds for the campaign: its budgeted cost as one budget item, its actual cost
    as spend items (``campaign_spend_items``), in the campaign's currency."""
    budget = campaign["BudgetedCost"]
    budget_items = (
        []
        if budget is None
        else [
            {
                "id": hs_id(f"{campaign['Id']}:budget", 50_000_000_000),
                "name": f"{campaign['Name']} budget",
                "amount": float(budget),
                "order": 0,
                "createdAt": epoch_ms(campaign["CreatedDate"]),
                "updatedAt": epoch_ms(campaign["CreatedDate"]),
            }
        ]
    )
    return {
        "currencyCode": campaign["CurrencyIsoCode"],
        "budgetItems": budget_items,
        "spendItems": campaign_spend_items(campaign),
    }


def _responded_at(member: dict[str, Any]) -> dt.datetime:
    """Midnight UTC of the member's first-responded date: the touch time of the Salesforce path."""
    return dt.datetime.combine(member["FirstRespondedDate"], dt.time(0), dt.UTC)


def _email_events(portal: HubSpotPortal, member: dict[str, Any], email: str, campaign_id: int) -> None:
    """SENT, DELIVERED, then OPEN and CLICK as far as the member's status went; a responded member's
    CLICK (and its OPEN) at its first-responded moment, the send moved before it when needed."""
    kinds = ["SENT", "DELIVERED"]
    if member["Status"] in ("Opened", "Clicked", "Responded"):
        kinds.append("OPEN")
    if member["Status"] in ("Clicked", "Responded"):
        kinds.append("CLICK")
    sent = member["CreatedDate"]
    clicked = _responded_at(member) if member["HasResponded"] and member["FirstRespondedDate"] else None
    if clicked is not None:
        sent = min(sent, clicked - dt.timedelta(minutes=37 * 2))
    for i, kind in enumerate(kinds):
        at = sent + dt.timedelta(minutes=37 * i)
        if clicked is not None and kind in ("OPEN", "CLICK"):
            at = clicked
        portal.email_events.append(
            {
                "id": guid(f"event:{kind}", member["Id"]),
                "appId": 113,
                "appName": "Batch",
                "portalId": portal.portal_id,
                "emailCampaignId": campaign_id,
                "recipient": email,
                "type": kind,
                "created": epoch_ms(at),
                "sentBy": {"id": guid("event:SENT", member["Id"]), "created": epoch_ms(sent)},
            }
        )
