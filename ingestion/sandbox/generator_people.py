"""Users, accounts, contacts and leads of the sandbox company."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ingestion.sandbox.generator_base import (
    BUYING_ROLES,
    FREE_MAIL_DOMAINS,
    ICP_INDUSTRIES,
    ICP_MAX_EMPLOYEES,
    ICP_MIN_EMPLOYEES,
    ICP_SHARE,
    LEAD_SOURCES,
    NON_ICP_INDUSTRIES,
    GenContext,
    money,
    stamp,
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Sandra Mark Ashley Paul "
    "Emily Steven Anna Lukas Sophie Jonas Marie Hugo Chloe Pieter Lotte Carlos Lucia Liam Aoife Oliver Amelia"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker "
    "Young Allen King Mueller Schmidt Schneider Fischer Dubois Laurent Bernard Jansen Visser Fernandez "
    "Murphy Kelly Evans Roberts Wright"
)
NAME_HEADS = _words(
    "Acme Apex Blue Bright Cedar Clear Core Crest Delta Eagle Echo Ever First Fusion Granite Green Harbor "
    "Iron Keystone Lumen Maple Meridian Nimbus North Nova Oak Orbit Pacific Peak Pine Prime Quantum Red "
    "River Sage Silver Summit Terra True Union Vertex Vista West Zenith"
)
NAME_TAILS = _words(
    "Analytics Systems Labs Health Capital Logistics Foods Works Dynamics Partners Networks Software "
    "Solutions Robotics Media Energy Bank Care Retail Motors Pharma Learning Security Cloud Data"
)
# country, account currency, weight, cities, company suffix, top-level domain
COUNTRIES: tuple[tuple[str, str, float, tuple[str, ...], str, str], ...] = (
    (
        "United States",
        "USD",
        0.6,
        ("New York", "San Francisco", "Austin", "Boston", "Chicago"),
        "Inc.",
        "com",
    ),
    ("Canada", "USD", 0.06, ("Toronto", "Vancouver"), "Ltd.", "ca"),
    ("Australia", "USD", 0.03, ("Sydney", "Melbourne"), "Pty Ltd", "com.au"),
    ("Germany", "EUR", 0.08, ("Berlin", "Munich", "Hamburg"), "GmbH", "de"),
    ("France", "EUR", 0.06, ("Paris", "Lyon"), "SAS", "fr"),
    ("Netherlands", "EUR", 0.05, ("Amsterdam", "Rotterdam"), "B.V.", "nl"),
    ("Spain", "EUR", 0.03, ("Madrid", "Barcelona"), "S.L.", "es"),
    ("Ireland", "EUR", 0.03, ("Dublin", "Cork"), "Ltd.", "ie"),
    ("United Kingdom", "GBP", 0.04, ("London", "Manchester"), "Ltd", "co.uk"),
    ("Sweden", "EUR", 0.03, ("Stockholm",), "AB", "se"),
)
USER_ROLES = ("Sales", "SDR", "Marketing")
USER_TITLES = {"Sales": "Account Executive", "SDR": "Sales Development Rep", "Marketing": "Marketing Manager"}
TITLES_BY_ROLE = {
    "Decision Maker": ("VP Operations", "Head of Revenue", "COO"),
    "Economic Buyer": ("CFO", "VP Finance", "Controller"),
    "Champion": ("Director of Operations", "Revenue Operations Manager"),
    "Influencer": ("Operations Analyst", "Senior Manager"),
    "Technical Evaluator": ("IT Architect", "Head of IT", "Data Engineer"),
    "User": ("Analyst", "Specialist", "Coordinator"),
    None: ("Manager", "Associate", "Consultant"),
}
DISQUALIFIED_REASONS = ("No Budget", "Not a Fit", "Competitor", "Bad Contact Info", "No Response", "Student")


def make_users(ctx: GenContext) -> None:
    """Sales reps, SDRs and marketers (at least one of each)."""
    n = ctx.count(15, 4)
    shares = {"Sales": 0.45, "SDR": 0.3, "Marketing": 0.25}
    for role in USER_ROLES:
        ctx.users[role] = []
    for i in range(n):
        role = USER_ROLES[i] if i < len(USER_ROLES) else _weighted(ctx, shares)
        first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
        email = ctx.unique_email(f"{first}.{last}".lower(), "onefunnel-sandbox.example")
        created = ctx.start - dt.timedelta(days=ctx.rng.randint(30, 400))
        rec = ctx.org.insert(
            "User",
            {
                "Username": email,
                "Name": f"{first} {last}",
                "FirstName": first,
                "LastName": last,
                "Email": email,
                "Title": USER_TITLES[role],
                "Department": role,
                "IsActive": ctx.rng.random() > 0.1,
                "CreatedDate": created,
                "LastModifiedDate": created,
                "SystemModstamp": created,
            },
        )
        ctx.users[role].append(rec["Id"])


def _weighted(ctx: GenContext, weights: dict[str, float]) -> str:
    return ctx.rng.choices(list(weights), weights=list(weights.values()))[0]


def make_accounts(ctx: GenContext) -> None:
    """Companies, about ``ICP_SHARE`` of them fitting the ideal customer profile."""
    weights = [c[2] for c in COUNTRIES]
    rng = ctx.rng
    for _ in range(ctx.count(600, 5, kind="accounts")):
        country, currency, _w, cities, suffix, tld = rng.choices(COUNTRIES, weights=weights)[0]
        head, tail = rng.choice(NAME_HEADS), rng.choice(NAME_TAILS)
        domain = ctx.unique_domain(f"{head}{tail}".lower(), tld)
        if rng.random() < ICP_SHARE:
            industry = rng.choice(ICP_INDUSTRIES)
            employees = rng.randint(ICP_MIN_EMPLOYEES, ICP_MAX_EMPLOYEES)
        elif rng.random() < 0.5:  # an ICP industry with the wrong size
            industry = rng.choice(ICP_INDUSTRIES)
            employees = rng.choice(
                (rng.randint(5, ICP_MIN_EMPLOYEES - 1), rng.randint(ICP_MAX_EMPLOYEES + 1, 60000))
            )
        else:
            industry = rng.choice(NON_ICP_INDUSTRIES)
            employees = rng.randint(5, 20000)
        if rng.random() < 0.45:  # imported with the CRM at the start
            created = ctx.between(ctx.start, ctx.start + dt.timedelta(days=30))
        else:
            created = ctx.between(ctx.start, ctx.end - dt.timedelta(days=60))
        modified = ctx.after(created, 0, 30)
        rec = ctx.org.insert(
            "Account",
            {
                "Name": f"{head} {tail} {suffix}",
                "Type": "Prospect",
                "Industry": industry,
                "NumberOfEmployees": employees if rng.random() > 0.03 else None,
                "AnnualRevenue": money(employees * rng.uniform(80_000, 250_000)),
                "Website": f"https://www.{domain}",
                "BillingCity": rng.choice(cities),
                "BillingCountry": country,
                "BillingAddress": {"city": rng.choice(cities), "country": country},
                "CurrencyIsoCode": currency,
                "OwnerId": ctx.user("Sales"),
                "CreatedDate": created,
                "LastModifiedDate": modified,
                "SystemModstamp": modified,
            },
        )
        ctx.accounts.append(rec)
        ctx.account_contacts[rec["Id"]] = []


def account_domain(account: dict[str, Any]) -> str:
    return str(account["Website"]).removeprefix("https://www.")


def _person_fields(ctx: GenContext, domain: str | None, country: str) -> dict[str, Any]:
    first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
    if domain is None:  # a private address
        domain = ctx.rng.choice(FREE_MAIL_DOMAINS)
        local = f"{first}.{last}{ctx.rng.randint(1, 99)}".lower()
    else:
        local = f"{first}.{last}".lower()
    return {
        "FirstName": first,
        "LastName": last,
        "Name": f"{first} {last}",
        "Email": ctx.unique_email(local, domain),
        "_country": country,
    }


def add_contact(
    ctx: GenContext,
    account: dict[str, Any] | None,
    created: dt.datetime,
    email: str | None = None,
    names: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert a contact (of ``account`` or none) created at ``created``."""
    country = account["BillingCountry"] if account else ctx.rng.choice(COUNTRIES)[0]
    person = names or _person_fields(ctx, account_domain(account) if account else None, country)
    role = ctx.rng.choice(BUYING_ROLES) if ctx.rng.random() < 0.85 else None
    modified = ctx.after(created, 0, 20)
    rec = ctx.org.insert(
        "Contact",
        {
            "AccountId": account["Id"] if account else None,
            "FirstName": person["FirstName"],
            "LastName": person["LastName"],
            "Name": person["Name"],
            "Email": email or person["Email"],
            "Title": ctx.rng.choice(TITLES_BY_ROLE[role]),
            "Department": "Operations",
            "LeadSource": ctx.rng.choice(LEAD_SOURCES),
            "MailingCountry": country,
            "MailingAddress": {"country": country},
            "Buying_Role__c": role,
            "OwnerId": account["OwnerId"] if account else ctx.user("SDR"),
            "CreatedDate": created,
            "LastModifiedDate": modified,
            "SystemModstamp": modified,
        },
    )
    if account:
        ctx.account_contacts[account["Id"]].append(rec)
    ctx.persons.append(("Contact", rec))
    return rec


def make_contacts(ctx: GenContext) -> None:
    """Two to nine contacts per account, plus a few contacts with no account."""
    for account in ctx.accounts:
        for _ in range(2 + ctx.rng.randint(0, 7)):
            add_contact(ctx, account, ctx.after(account["CreatedDate"], 0, 120))
    orphans = ctx.count(60)
    for _ in range(orphans):
        add_contact(ctx, None, ctx.between(ctx.start, ctx.end - dt.timedelta(days=5)))
    ctx.injected["contacts_without_account"] = orphans


def _lead(
    ctx: GenContext,
    person: dict[str, Any],
    company: str,
    website: str | None,
    created: dt.datetime,
    **fields: Any,
) -> dict[str, Any]:
    rec = ctx.org.insert(
        "Lead",
        {
            "FirstName": person["FirstName"],
            "LastName": person["LastName"],
            "Name": person["Name"],
            "Email": person["Email"],
            "Company": company,
            "Title": ctx.rng.choice(TITLES_BY_ROLE[None]),
            "Website": website,
            "Country": person["_country"],
            "LeadSource": ctx.rng.choice(LEAD_SOURCES),
            "IsConverted": False,
            "OwnerId": ctx.user("SDR"),
            "CreatedDate": created,
            **fields,
        },
    )
    ctx.persons.append(("Lead", rec))
    return rec


def make_converted_leads(ctx: GenContext, share: float = 0.35) -> None:
    """Leads converted into a contact, their account and a new-business opportunity."""
    accounts = {a["Id"]: a for a in ctx.accounts}
    for opp in ctx.opportunities:
        if opp["Type"] != "New Business" or ctx.rng.random() >= share:
            continue
        account = accounts[opp["AccountId"]]
        converted_at = opp["CreatedDate"]
        created = max(ctx.start, converted_at - dt.timedelta(days=ctx.rng.randint(3, 60)))
        person = _person_fields(ctx, account_domain(account), account["BillingCountry"])
        contact = add_contact(ctx, account, converted_at, names=person)
        stamp(contact, converted_at)
        _lead(
            ctx,
            person,
            account["Name"],
            account["Website"],
            created,
            Status="Closed - Converted",
            IsConverted=True,
            ConvertedDate=converted_at.date(),
            ConvertedAccountId=account["Id"],
            ConvertedContactId=contact["Id"],
            ConvertedOpportunityId=opp["Id"],
            LastModifiedDate=converted_at,
            SystemModstamp=converted_at,
        )
        ctx.converted_contact_of_opp[opp["Id"]] = contact["Id"]
        ctx.protected.update((contact["Id"], opp["Id"]))


def make_open_leads(ctx: GenContext) -> None:
    """Unconverted leads: open, working or disqualified; some on free-mail, a few without email."""
    rng = ctx.rng
    n_leads = ctx.count(2300, 20, kind="leads")
    no_email = set(rng.sample(range(n_leads), min(n_leads, ctx.count(25))))  # badge scans without email
    for i in range(n_leads):
        created = ctx.between(ctx.start, ctx.end - dt.timedelta(days=1))
        roll = rng.random()
        if roll < 0.12:  # private email: no company domain to match an account
            country = rng.choice(COUNTRIES)
            person = _person_fields(ctx, None, country[0])
            company, website = f"{person['LastName']} (individual)", None
        elif roll < 0.5 and ctx.accounts:  # someone at a known account
            account = rng.choice(ctx.accounts)
            person = _person_fields(ctx, account_domain(account), account["BillingCountry"])
            company, website = account["Name"], account["Website"]
        else:  # a company not in the CRM yet
            country = rng.choices(COUNTRIES, weights=[c[2] for c in COUNTRIES])[0]
            head, tail = rng.choice(NAME_HEADS), rng.choice(NAME_TAILS)
            domain = ctx.unique_domain(f"{tail}{head}".lower(), country[5])
            person = _person_fields(ctx, domain, country[0])
            company, website = f"{tail} {head} {country[4]}", f"https://www.{domain}"
        if i in no_email:
            person["Email"] = None
        status = rng.choices(
            ("Open - Not Contacted", "Working - Contacted", "Closed - Disqualified"),
            weights=(0.35, 0.3, 0.35),
        )[0]
        modified = ctx.after(created, 0, 45)
        lead = _lead(
            ctx,
            person,
            company,
            website,
            created,
            Status=status,
            Disqualified_Reason__c=rng.choice(DISQUALIFIED_REASONS)
            if status == "Closed - Disqualified"
            else None,
            LastModifiedDate=modified,
            SystemModstamp=modified,
        )
        if i in no_email:
            ctx.protected.add(lead["Id"])
    ctx.injected["leads_without_email"] = len(no_email)


def make_duplicates(ctx: GenContext, share: float = 0.03) -> None:
    """Leads repeating another person's email with different case or stray spaces."""
    pool = [
        (obj, r)
        for obj, r in ctx.persons
        if r["Email"] and not r.get("IsConverted") and r["Id"] not in ctx.protected
    ]
    n = min(len(pool), max(1, round(share * len(ctx.persons))))
    variants = (
        str.upper,
        lambda e: f" {e}",
        lambda e: f"{e} ",
        lambda e: f" {e.upper()} ",
        lambda e: e[:1].upper() + e[1:],
        lambda e: f"{e.title()}  ",
    )
    for _obj, source in ctx.rng.sample(pool, n):
        email = ctx.rng.choice(variants)(source["Email"])
        created = ctx.after(source["CreatedDate"], 1, 200)
        person = {
            "FirstName": source["FirstName"],
            "LastName": source["LastName"],
            "Name": source["Name"],
            "Email": email,
            "_country": source.get("Country") or source.get("MailingCountry"),
        }
        dup = _lead(
            ctx,
            person,
            source.get("Company") or "Unknown",
            source.get("Website"),
            created,
            Status="Open - Not Contacted",
            LastModifiedDate=created,
            SystemModstamp=created,
        )
        ctx.protected.update((source["Id"], dup["Id"]))
    ctx.injected["duplicate_person_records"] = n
