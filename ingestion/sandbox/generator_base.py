"""Shared context, constants and time helpers of the sandbox generator."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ingestion.sandbox.org import SalesforceOrg

# Ideal customer profile: the fit half of the "sales-ready" definition (module constants, exposed).
ICP_INDUSTRIES: tuple[str, ...] = ("Software", "Financial Services", "Healthcare")
ICP_MIN_EMPLOYEES = 200
ICP_MAX_EMPLOYEES = 5000
ICP_SHARE = 0.4  # share of generated accounts that fit the ICP
NON_ICP_INDUSTRIES: tuple[str, ...] = (
    "Retail",
    "Manufacturing",
    "Education",
    "Hospitality",
    "Construction",
    "Media",
    "Transportation",
    "Agriculture",
    "Government",
    "Non-Profit",
    "Energy",
    "Telecommunications",
)

FREE_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "gmx.de",
    "aol.com",
)

OPEN_STAGES: tuple[str, ...] = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
WON = "Closed Won"
LOST = "Closed Lost"
ALL_STAGES: tuple[str, ...] = (*OPEN_STAGES, WON, LOST)
STAGE_PROBABILITY: dict[str, float] = {
    "Prospecting": 10.0,
    "Qualification": 20.0,
    "Needs Analysis": 40.0,
    "Proposal/Price Quote": 60.0,
    "Negotiation/Review": 80.0,
    WON: 100.0,
    LOST: 0.0,
}
STAGE_FORECAST: dict[str, str] = {
    "Prospecting": "Pipeline",
    "Qualification": "Pipeline",
    "Needs Analysis": "Pipeline",
    "Proposal/Price Quote": "Best Case",
    "Negotiation/Review": "Commit",
    WON: "Closed",
    LOST: "Omitted",
}

NEW_BUSINESS = "New Business"
EXPANSION = "Existing Business - Expansion"
RENEWAL = "Renewal"
DOWNGRADE = "Existing Business - Downgrade"
BUYING_ROLES: tuple[str, ...] = (
    "Decision Maker",
    "Economic Buyer",
    "Champion",
    "Influencer",
    "Technical Evaluator",
    "User",
)
CONTACT_ROLES: tuple[str, ...] = (
    "Decision Maker",
    "Economic Buyer",
    "Champion",
    "Influencer",
    "Technical Evaluator",
    "Business User",
)
LEAD_SOURCES: tuple[str, ...] = (
    "Web",
    "Webinar",
    "Trade Show",
    "Partner Referral",
    "Purchased List",
    "Advertisement",
    "Employee Referral",
    "Other",
)

CENT = Decimal("0.01")

# What ``generate_company(sizes=...)`` can scale apart from ``scale``; each value replaces ``scale`` for
# that step alone. Accounts drive contacts and opportunities; leads are the unconverted leads.
SIZE_KINDS: dict[str, str] = {
    "accounts": "accounts (600 at scale 1; contacts and opportunities follow them)",
    "leads": "unconverted leads (2,300 at scale 1)",
    "campaign_members": "campaign members, i.e. touches (25,000 attempts at scale 1)",
}


def is_icp(industry: str | None, employees: int | None) -> bool:
    """Whether an account fits the ideal customer profile."""
    return (
        industry in ICP_INDUSTRIES
        and employees is not None
        and ICP_MIN_EMPLOYEES <= employees <= ICP_MAX_EMPLOYEES
    )


def money(value: float) -> Decimal:
    """A positive amount rounded to whole hundreds, as a 2 dp Decimal."""
    return Decimal(max(100, int(round(value / 100.0)) * 100)).quantize(CENT)


@dataclass
class GenContext:
    """Everything the generator steps share: the random stream, the org and indexes built on the way."""

    rng: random.Random
    org: SalesforceOrg
    scale: float
    start: dt.datetime  # start_date 00:00 UTC
    end: dt.datetime  # end_date 18:00 UTC: nothing generated is later
    users: dict[str, list[str]] = field(default_factory=dict)  # role -> user ids
    accounts: list[dict[str, Any]] = field(default_factory=list)
    account_contacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    persons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (object, record)
    used_emails: set[str] = field(default_factory=set)
    used_domains: set[str] = field(default_factory=set)
    next_suffix: dict[str, int] = field(default_factory=dict)  # base -> next number to try
    campaigns: list[dict[str, Any]] = field(default_factory=list)  # sorted by StartDate
    campaign_starts: list[dt.date] = field(default_factory=list)  # their StartDates, for bisect
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # opp id -> rows
    roles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # opp id -> contact roles
    members_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # person id -> members
    converted_contact_of_opp: dict[str, str] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)  # ids the mess steps must leave alone
    injected: dict[str, int] = field(default_factory=dict)
    # per-step scale overrides (``SIZE_KINDS``), e.g. {"campaign_members": 40.0}: the benchmark's shapes
    sizes: dict[str, float] = field(default_factory=dict)

    def count(self, base: float, minimum: int = 1, kind: str | None = None) -> int:
        """A count that scales linearly with ``scale`` (or with ``sizes[kind]``), never below ``minimum``."""
        scale = self.sizes.get(kind, self.scale) if kind else self.scale
        return max(minimum, round(base * scale))

    def between(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        """A uniformly random second in ``[lo, hi]`` (``lo`` when the range is empty)."""
        span = int((hi - lo).total_seconds())
        if span <= 0:
            return lo
        return lo + dt.timedelta(seconds=self.rng.randint(0, span))

    def after(self, t: dt.datetime, min_days: float, max_days: float) -> dt.datetime:
        """A random time ``min_days..max_days`` after ``t``, capped at the end of history."""
        hi = min(t + dt.timedelta(days=max_days), self.end)
        return self.between(min(t + dt.timedelta(days=min_days), hi), hi)

    def user(self, role: str) -> str:
        return self.rng.choice(self.users[role])

    def unique_email(self, local: str, domain: str) -> str:
        """A lower-case email not used before (a number is appended on collision)."""
        return self._unique(self.used_emails, local, f"@{domain}")

    def unique_domain(self, slug: str, tld: str) -> str:
        """A website domain not used before."""
        return self._unique(self.used_domains, slug, f".{tld}")

    def _unique(self, used: set[str], stem: str, tail: str) -> str:
        """``stem + tail``, or ``stem + n + tail`` with the smallest unused n (amortised O(1))."""
        value = stem + tail
        key = value
        n = self.next_suffix.get(key, 2)
        while value in used:
            value = f"{stem}{n}{tail}"
            n += 1
        self.next_suffix[key] = n
        used.add(value)
        return value


def stamp(record: dict[str, Any], when: dt.datetime) -> None:
    """Set ``LastModifiedDate`` (where the object has it) and ``SystemModstamp`` to ``when``."""
    if "LastModifiedDate" in record:
        record["LastModifiedDate"] = when
    record["SystemModstamp"] = when


def utc(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)
