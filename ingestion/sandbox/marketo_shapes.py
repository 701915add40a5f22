"""The sandbox company as a Marketo instance synced with its Salesforce org, deterministically.

What the Marketo-Salesforce sync would hold:

- Leads: every person, contacts and unconverted leads (a converted lead is merged into
  its contact, whose Marketo lead keeps the lead's ``sfdcLeadId``), with ``sfdcType``, ``sfdcContactId``,
  ``sfdcLeadId``, ``sfdcAccountId`` and ``sfdcLeadOwnerId`` set. Lead ids are sequential in creation
  order. A deleted Salesforce person is a deleted Marketo lead (a Delete Lead record at its deletion time,
  its activities gone). People without an email are synced too (Marketo keys them by their Salesforce ids).
- Programs: one per Salesforce campaign: channel from the campaign type (``CHANNELS``), period costs
  spreading its actual cost over the months it runs (to the cent, same currency, carried by a Currency
  tag), and ``sfdcCampaignId`` the synced campaign. One smart campaign per program runs its flows.
- Activities: a New Lead per lead at its creation; per campaign member of a live lead, at the exact
  time the Salesforce touch model uses (midnight UTC of FirstRespondedDate, else the member's creation):
  responded members of email programs -> Click Email, of event programs -> Change Status in Progression
  with ``Success`` true, of every other program -> Fill Out Form. Members that did not respond are
  activities the touch model ignores: Send Email (+ Open Email) for email programs, Change Status in
  Progression with ``Success`` false otherwise.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ingestion.sandbox.org import SalesforceOrg

# Salesforce campaign type -> (Marketo program type, channel)
CHANNELS: dict[str, tuple[str, str]] = {
    "Webinar": ("Event", "Webinar"),
    "Conference": ("Event", "Live Event"),
    "Trade Show": ("Event", "Tradeshow"),
    "Email": ("Email", "Email Send"),
    "Paid Search": ("Default", "PPC"),
    "Paid Social": ("Default", "Social Ads"),
    "Content": ("Default", "Content Syndication"),
    "Partners": ("Default", "Partner"),
    "Website": ("Default", "Web Request"),
    "Direct Mail": ("Default", "Direct Mail"),
}
EVENT_TYPES = frozenset({"Webinar", "Conference", "Trade Show"})

# (id, name, primary attribute (name, dataType), attributes [(name, dataType)])
ACTIVITY_TYPES: list[tuple[int, str, tuple[str, str], list[tuple[str, str]]]] = [
    (
        1,
        "Visit Webpage",
        ("Webpage ID", "integer"),
        [("Webpage URL", "string"), ("Client IP Address", "string")],
    ),
    (
        2,
        "Fill Out Form",
        ("Webform ID", "integer"),
        [("Webpage ID", "integer"), ("Form Fields", "text"), ("Referrer URL", "string")],
    ),
    (3, "Click Link", ("Link ID", "integer"), [("Webpage ID", "integer")]),
    (6, "Send Email", ("Mailing ID", "integer"), [("Campaign Run ID", "integer"), ("Step ID", "integer")]),
    (7, "Email Delivered", ("Mailing ID", "integer"), [("Campaign Run ID", "integer")]),
    (8, "Email Bounced", ("Mailing ID", "integer"), [("Details", "string")]),
    (9, "Unsubscribe Email", ("Mailing ID", "integer"), [("Webform ID", "integer")]),
    (10, "Open Email", ("Mailing ID", "integer"), [("Device", "string"), ("Is Mobile Device", "boolean")]),
    (11, "Click Email", ("Mailing ID", "integer"), [("Link", "string"), ("Device", "string")]),
    (12, "New Lead", ("Lead ID", "integer"), [("Source Type", "string")]),
    (
        13,
        "Change Data Value",
        ("Attribute Name", "integer"),
        [("New Value", "string"), ("Old Value", "string"), ("Reason", "string"), ("Source", "string")],
    ),
    (19, "Sync Lead to SFDC", ("Lead ID", "integer"), []),
    (
        22,
        "Change Score",
        ("Score Name", "integer"),
        [("Change Value", "string"), ("New Value", "integer"), ("Old Value", "integer")],
    ),
    (24, "Add to List", ("List ID", "integer"), []),
    (37, "Delete Lead", ("Lead ID", "integer"), [("Remove from CRM", "boolean")]),
    (46, "Interesting Moment", ("Milestone ID", "integer"), [("Type", "string"), ("Description", "string")]),
    (
        104,
        "Change Status in Progression",
        ("Program ID", "integer"),
        [
            ("Old Status", "string"),
            ("New Status", "string"),
            ("Success", "boolean"),
            ("Program Member ID", "integer"),
            ("Acquired By", "boolean"),
        ],
    ),
]
TYPE_IDS = {name: tid for tid, name, _, _ in ACTIVITY_TYPES}

# lead field (REST name) -> Marketo dataType, in describe order; custom fields end in a lower-case word
LEAD_FIELDS: dict[str, str] = {
    "id": "integer",
    "email": "email",
    "firstName": "string",
    "lastName": "string",
    "title": "string",
    "company": "string",
    "country": "string",
    "leadSource": "string",
    "leadStatus": "string",
    "numberOfEmployees": "integer",
    "annualRevenue": "currency",
    "buyingRole": "string",
    "sfdcType": "string",
    "sfdcContactId": "string",
    "sfdcLeadId": "string",
    "sfdcAccountId": "string",
    "sfdcLeadOwnerId": "string",
    "unsubscribed": "boolean",
    "createdAt": "datetime",
    "updatedAt": "datetime",
}
READ_ONLY_FIELDS = frozenset(
    {"id", "createdAt", "updatedAt", "sfdcType", "sfdcContactId", "sfdcLeadId", "sfdcAccountId"}
)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def touch_time(member: dict[str, Any]) -> dt.datetime:
    """When the Salesforce touch model dates a response (int_touchpoints_unioned.sql)."""
    if member["FirstRespondedDate"] is not None:
        return dt.datetime.combine(member["FirstRespondedDate"], dt.time(0), dt.UTC)
    return member["CreatedDate"].astimezone(dt.UTC)


@dataclass
class MarketoInstance:
    """Leads, activities, deleted leads, programs and smart campaigns of one Marketo subscription."""

    now: dt.datetime
    fields: dict[str, str] = field(default_factory=lambda: dict(LEAD_FIELDS))
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)  # sorted by (activityDate, id)
    deleted_leads: list[dict[str, Any]] = field(default_factory=list)  # Delete Lead records, by date
    programs: list[dict[str, Any]] = field(default_factory=list)
    smart_campaigns: list[dict[str, Any]] = field(default_factory=list)
    activity_types: list[dict[str, Any]] = field(default_factory=list)
    _next_activity: int = 1
    _next_lead: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)

    # reading ------------------------------------------------------------------------------------
    def activity_dates(self) -> list[str]:
        return [a["activityDate"] for a in self.activities]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "id": i + 1,
                "displayName": name[0].upper() + name[1:],
                "dataType": data_type,
                **({"length": 255} if data_type in ("string", "email") else {}),
                "rest": {"name": name, "readOnly": name in READ_ONLY_FIELDS},
                "soap": {"name": name[0].upper() + name[1:], "readOnly": name in READ_ONLY_FIELDS},
            }
            for i, (name, data_type) in enumerate(self.fields.items())
        ]

    def touch_activities(self) -> list[dict[str, Any]]:
        """Activities the touch model counts: Fill Out Form, Click Email, successful progression."""
        out = []
        for a in self.activities:
            if (
                a["activityTypeId"] in (TYPE_IDS["Fill Out Form"], TYPE_IDS["Click Email"])
                or a["activityTypeId"] == TYPE_IDS["Change Status in Progression"]
                and any(x["name"] == "Success" and x["value"] is True for x in a["attributes"])
            ):
                out.append(a)
        return out

    # changing (tests) ---------------------------------------------------------------------------
    def tick(self, seconds: float = 1.0) -> dt.datetime:
        with self.lock:
            self.now = self.now + dt.timedelta(seconds=seconds)
            return self.now

    def add_activity(
        self,
        lead_id: int,
        type_name: str,
        at: dt.datetime,
        primary_id: Any = None,
        primary_value: Any = None,
        attributes: dict[str, Any] | None = None,
        campaign_id: int | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            aid = self._next_activity
            self._next_activity += 1
            rec = {
                "id": aid,
                "marketoGUID": str(aid),
                "leadId": lead_id,
                "activityDate": iso(at),
                "activityTypeId": TYPE_IDS[type_name],
                "campaignId": campaign_id,
                "primaryAttributeValueId": primary_id,
                "primaryAttributeValue": primary_value,
                "attributes": [{"name": k, "value": v} for k, v in (attributes or {}).items()],
            }
            if type_name == "Delete Lead":
                self.deleted_leads.append(rec)
                self.deleted_leads.sort(key=lambda a: (a["activityDate"], a["id"]))
            else:
                keys = [(a["activityDate"], a["id"]) for a in self.activities]
                self.activities.insert(bisect.bisect(keys, (rec["activityDate"], aid)), rec)
            return rec

    def create_lead(self, values: dict[str, Any], at: dt.datetime | None = None) -> dict[str, Any]:
        with self.lock:
            at = at or self.tick()
            lid = self._next_lead
            self._next_lead += 1
            lead = {name: None for name in self.fields}
            lead.update({k: _json_value(v) for k, v in values.items()})
            lead.update(id=lid, createdAt=iso(at), updatedAt=iso(at))
            self.leads[lid] = lead
            self.add_activity(lid, "New Lead", at, lid, lead.get("email"), {"Source Type": "SFDC sync"})
            return lead

    def update_lead(self, lead_id: int, changes: dict[str, Any], at: dt.datetime | None = None) -> None:
        """Change fields now; each change is a Change Data Value activity, as Marketo logs it."""
        with self.lock:
            at = at or self.tick()
            lead = self.leads[lead_id]
            for name, value in changes.items():
                if name not in self.fields:
                    raise KeyError(f"lead field {name} is not defined")
                old, lead[name] = lead.get(name), _json_value(value)
                self.add_activity(
                    lead_id,
                    "Change Data Value",
                    at,
                    list(self.fields).index(name) + 1,
                    name,
                    {
                        "New Value": str(value),
                        "Old Value": None if old is None else str(old),
                        "Reason": "API",
                        "Source": "Web service API",
                    },
                )
            lead["updatedAt"] = iso(at)

    def add_field(self, name: str, data_type: str, values: dict[int, Any]) -> None:
        """A new custom field, filled for some leads (each fill a Change Data Value activity)."""
        with self.lock:
            self.fields[name] = data_type
            for lead in self.leads.values():
                lead.setdefault(name, None)
            at = self.tick()
            for lead_id, value in values.items():
                self.update_lead(lead_id, {name: value}, at)

    def change_field_type(self, name: str, data_type: str, values: dict[int, Any]) -> None:
        with self.lock:
            self.fields[name] = data_type
            at = self.tick()
            for lead_id, value in values.items():
                self.update_lead(lead_id, {name: value}, at)

    def delete_lead(self, lead_id: int, at: dt.datetime | None = None) -> None:
        """Delete a lead: it and its activities disappear; a Delete Lead record remains."""
        with self.lock:
            at = at or self.tick()
            lead = self.leads.pop(lead_id)
            self.activities = [a for a in self.activities if a["leadId"] != lead_id]
            self.add_activity(
                lead_id, "Delete Lead", at, lead_id, lead.get("email"), {"Remove from CRM": False}
            )


def _lead_id_order(people: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return sorted(people, key=lambda p: (p[1]["CreatedDate"], p[1]["Id"]))


def _cost_periods(campaign: dict[str, Any]) -> list[dict[str, Any]]:
    """The actual cost over the months the campaign runs, by days, to the cent (the last month takes the rest)."""
    cost = campaign["ActualCost"]
    if cost is None:
        return []
    start, end = campaign["StartDate"], campaign["EndDate"] or campaign["StartDate"]
    months, day = [], start
    while day <= end:
        last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        months.append((day.replace(day=1), (min(last, end) - day).days + 1))
        day = last + dt.timedelta(days=1)
    total_days = sum(d for _, d in months)
    out, spent = [], Decimal(0)
    for i, (month, days) in enumerate(months):
        part = (
            Decimal(cost) - spent
            if i == len(months) - 1
            else (Decimal(cost) * days / total_days).quantize(Decimal("0.01"), ROUND_HALF_UP)
        )
        spent += part
        out.append({"startDate": month.isoformat(), "cost": float(part), "note": f"{days} days"})
    return out


def instance_from_org(org: SalesforceOrg) -> MarketoInstance:
    """Build the Marketo instance from the org's current records (deterministic)."""
    accounts = {a["Id"]: a for a in org.records("Account")}
    converted = {}
    for lead in org.records("Lead"):
        if lead["IsConverted"] and lead["ConvertedContactId"]:
            converted[lead["ConvertedContactId"]] = lead["Id"]
    # The Marketo-Salesforce sync syncs every lead and contact, with or without an email (badge scans
    # imported without one keep their Salesforce ids, which is how the warehouse resolves them).
    people = list(("Contact", c) for c in org.records("Contact"))
    people += [("Lead", x) for x in org.records("Lead") if not x["IsConverted"]]
    members = org.records("CampaignMember", include_deleted=False)
    latest = max([org.now()] + [touch_time(m) for m in members if m["HasResponded"]])
    inst = MarketoInstance(now=latest + dt.timedelta(seconds=1))
    inst.activity_types = [
        {
            "id": tid,
            "name": name,
            "description": f"{name} activity",
            "primaryAttribute": {"name": p[0], "dataType": p[1]},
            "attributes": [{"name": n, "dataType": t} for n, t in attrs],
        }
        for tid, name, p, attrs in ACTIVITY_TYPES
    ]
    lead_of: dict[str, int] = {}  # Salesforce person id -> Marketo lead id (live leads only)
    deletions: list[tuple[dt.datetime, int, str | None]] = []
    pending: list[tuple[dt.datetime, int, str, Any, Any, dict[str, Any], int | None]] = []
    for obj, p in _lead_id_order(people):
        lid = inst._next_lead
        inst._next_lead += 1
        account = accounts.get(p.get("AccountId") or "") if obj == "Contact" else None
        lead = {name: None for name in inst.fields}
        lead.update(
            id=lid,
            email=p["Email"],
            firstName=p["FirstName"],
            lastName=p["LastName"],
            title=p["Title"],
            company=account["Name"] if account else p.get("Company"),
            country=p["MailingCountry"] if obj == "Contact" else p["Country"],
            leadSource=p["LeadSource"],
            leadStatus=None if obj == "Contact" else p["Status"],
            numberOfEmployees=account["NumberOfEmployees"] if account else None,
            annualRevenue=_json_value(account["AnnualRevenue"]) if account else None,
            buyingRole=p.get("Buying_Role__c") if obj == "Contact" else None,
            sfdcType=obj,
            sfdcContactId=p["Id"] if obj == "Contact" else None,
            sfdcLeadId=converted.get(p["Id"]) if obj == "Contact" else p["Id"],
            sfdcAccountId=p["AccountId"] if obj == "Contact" else None,
            sfdcLeadOwnerId=p["OwnerId"],
            unsubscribed=False,
            createdAt=iso(p["CreatedDate"]),
            updatedAt=iso(p["SystemModstamp"]),
        )
        if p.get("IsDeleted"):
            deletions.append((p["SystemModstamp"], lid, p["Email"]))
            continue
        inst.leads[lid] = lead
        lead_of[p["Id"]] = lid
        if obj == "Contact" and p["Id"] in converted:
            lead_of[converted[p["Id"]]] = lid
        pending.append(
            (p["CreatedDate"], lid, "New Lead", lid, p["Email"], {"Source Type": "SFDC sync"}, None)
        )
    campaigns = sorted(
        org.records("Campaign", include_deleted=False), key=lambda c: (c["CreatedDate"], c["Id"])
    )
    program_of: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(campaigns):
        ptype, channel = CHANNELS.get(c["Type"] or "", ("Default", c["Type"] or "Other"))
        pid, sc_id = 1001 + i, 5001 + i
        program = {
            "id": pid,
            "name": c["Name"],
            "description": f"{c['Type']} program",
            "createdAt": iso(c["CreatedDate"]),
            "updatedAt": iso(c["SystemModstamp"]),
            "url": f"https://app-sj01.marketo.com/#PG{pid}A1",
            "type": ptype,
            "channel": channel,
            "folder": {"type": "Folder", "value": 35, "folderName": "Marketing Programs"},
            "status": "on" if ptype == "Email" else "",
            "workspace": "Default",
            "startDate": iso(dt.datetime.combine(c["StartDate"], dt.time(0), dt.UTC))
            if c["StartDate"]
            else None,
            "endDate": iso(dt.datetime.combine(c["EndDate"], dt.time(0), dt.UTC)) if c["EndDate"] else None,
            "tags": [{"tagType": "Currency", "tagValue": c["CurrencyIsoCode"]}],
            "costs": _cost_periods(c),
            "sfdcCampaignId": c["Id"],
        }
        inst.programs.append(program)
        inst.smart_campaigns.append(
            {
                "id": sc_id,
                "name": f"{c['Name']}.Process Responses",
                "type": "trigger",
                "programName": c["Name"],
                "programId": pid,
                "workspaceName": "Default",
                "createdAt": program["createdAt"],
                "updatedAt": program["createdAt"],
                "active": True,
            }
        )
        program_of[c["Id"]] = {"program": program, "type": c["Type"], "campaign": sc_id}
    for m in sorted(members, key=lambda m: (m["CreatedDate"], m["Id"])):
        lid = lead_of.get(m["ContactId"] or m["LeadId"] or "")
        prog = program_of.get(m["CampaignId"])
        if lid is None or prog is None:
            continue
        program, ctype, sc = prog["program"], prog["type"], prog["campaign"]
        pid, name = program["id"], program["name"]
        member_no = int(hashlib.sha1(m["Id"].encode()).hexdigest()[:7], 16)
        created = m["CreatedDate"]
        if ctype == "Email":
            mailing = 9000 + pid
            pending.append(
                (
                    created,
                    lid,
                    "Send Email",
                    mailing,
                    f"{name}.Email",
                    {"Campaign Run ID": pid, "Step ID": 1},
                    sc,
                )
            )
            if m["Status"] in ("Opened", "Clicked"):
                pending.append(
                    (
                        created + dt.timedelta(minutes=37),
                        lid,
                        "Open Email",
                        mailing,
                        f"{name}.Email",
                        {"Device": "Desktop", "Is Mobile Device": False},
                        sc,
                    )
                )
            if m["HasResponded"]:
                pending.append(
                    (
                        touch_time(m),
                        lid,
                        "Click Email",
                        mailing,
                        f"{name}.Email",
                        {"Link": f"https://www.example.com/p/{pid}", "Device": "Desktop"},
                        sc,
                    )
                )
        elif ctype in EVENT_TYPES or not m["HasResponded"]:
            first = "Registered" if ctype in EVENT_TYPES else m["Status"]
            at = touch_time(m) if m["HasResponded"] else created
            pending.append(
                (
                    created if not m["HasResponded"] else at,
                    lid,
                    "Change Status in Progression",
                    pid,
                    name,
                    {
                        "Old Status": "Not in Program",
                        "New Status": m["Status"] if m["HasResponded"] else first,
                        "Success": bool(m["HasResponded"]),
                        "Program Member ID": member_no,
                        "Acquired By": False,
                    },
                    sc,
                )
            )
        else:
            pending.append(
                (
                    touch_time(m),
                    lid,
                    "Fill Out Form",
                    7000 + pid,
                    f"{name}.Form",
                    {
                        "Webpage ID": 8000 + pid,
                        "Form Fields": f"email={m['Id'][-6:]}",
                        "Referrer URL": "https://www.example.com/",
                    },
                    sc,
                )
            )
    order = {name: i for i, (_, name, _, _) in enumerate(ACTIVITY_TYPES)}
    for at, lid, type_name, pid_, pval, attrs, sc in sorted(pending, key=lambda e: (e[0], e[1], order[e[2]])):
        rec = {
            "id": inst._next_activity,
            "marketoGUID": str(inst._next_activity),
            "leadId": lid,
            "activityDate": iso(at),
            "activityTypeId": TYPE_IDS[type_name],
            "campaignId": sc,
            "primaryAttributeValueId": pid_,
            "primaryAttributeValue": pval,
            "attributes": [{"name": k, "value": v} for k, v in attrs.items()],
        }
        inst._next_activity += 1
        inst.activities.append(rec)
    for at, lid, email in sorted(deletions):
        inst.add_activity(lid, "Delete Lead", at, lid, email, {"Remove from CRM": False})
    return inst
