"""The sandbox company: a deterministic B2B SaaS business in Salesforce shape, with its ground truth."""

from __future__ import annotations

import datetime as dt
import gc
import random
from dataclasses import dataclass, field
from typing import Any

from ingestion.sandbox import generator_campaigns, generator_deals, generator_mess, generator_people
from ingestion.sandbox.generator_base import (
    ICP_INDUSTRIES,
    ICP_MAX_EMPLOYEES,
    ICP_MIN_EMPLOYEES,
    ICP_SHARE,
    SIZE_KINDS,
    GenContext,
    is_icp,
)
from ingestion.sandbox.org import SalesforceOrg

__all__ = [
    "ICP_INDUSTRIES",
    "ICP_MAX_EMPLOYEES",
    "ICP_MIN_EMPLOYEES",
    "ICP_SHARE",
    "SandboxCompany",
    "generate_company",
    "is_icp",
]

DEFAULT_START_DATE = dt.date(2024, 7, 1)
DEFAULT_END_DATE = dt.date(2026, 9, 30)
HISTORY_END_HOUR = 18  # history ends at end_date 18:00 UTC; the org clock starts there


@dataclass
class SandboxCompany:
    """A generated company: its Salesforce org plus what the generator knows it injected."""

    salesforce: SalesforceOrg
    seed: int
    scale: float
    start_date: dt.date
    end_date: dt.date
    injected: dict[str, int] = field(default_factory=dict)

    def ground_truth(self, **kwargs: Any) -> dict[str, Any]:
        """The expected numbers, computed in plain Python from the org's current records."""
        from ingestion.sandbox.ground_truth import compute_ground_truth

        kwargs.setdefault("as_of_date", self.end_date)
        truth = compute_ground_truth(self.salesforce, **kwargs)
        truth.update(self.files_ground_truth(kwargs["as_of_date"]))  # ad spend and product events
        return truth

    # --- file sources (ingestion/files): ad-platform spend files and product events, derived from the org
    def ad_spend(self) -> Any:
        """The ad-platform spend files of the paid campaigns (``generator_spend.AdSpend``)."""
        from ingestion.sandbox.generator_spend import make_ad_spend

        return make_ad_spend(self.salesforce.records("Campaign"), self.start_date, self.end_date, self.seed)

    def product_events(self) -> list[dict[str, Any]]:
        """Track events of the product-led slice (``generator_product``)."""
        from ingestion.sandbox.generator_product import make_product_events

        end = dt.datetime(
            self.end_date.year, self.end_date.month, self.end_date.day, HISTORY_END_HOUR, tzinfo=dt.UTC
        )
        start = dt.datetime(self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=dt.UTC)
        return make_product_events(self.salesforce, start, end, self.seed, self.scale)

    def files_ground_truth(self, as_of_date: dt.date) -> dict[str, Any]:
        """Spend per channel and month with ad spend loaded, and activated signups per month."""
        from ingestion.sandbox.generator_spend import spend_ground_truth
        from ingestion.sandbox.ground_truth_product import product_ground_truth

        return {
            **spend_ground_truth(self.salesforce, self.ad_spend(), as_of_date),
            **product_ground_truth(self.salesforce, self.product_events(), as_of_date),
        }

    # --- end of file sources

    def apply_changes(
        self,
        seed: int,
        new_opportunities: int = 5,
        updated_opportunities: int = 5,
        deleted_opportunities: int = 2,
    ) -> dict[str, list[str]]:
        """Add, update and delete opportunities now (see ``ingestion.sandbox.changes``)."""
        from ingestion.sandbox.changes import apply_changes

        return apply_changes(
            self.salesforce, seed, new_opportunities, updated_opportunities, deleted_opportunities
        )

    def summary(self) -> dict[str, dict[str, int]]:
        """Row counts per object: all, live and deleted."""
        out: dict[str, dict[str, int]] = {}
        for obj in self.salesforce.objects():
            rows = self.salesforce.records(obj)
            deleted = sum(1 for r in rows if r.get("IsDeleted"))
            out[obj] = {"all": len(rows), "live": len(rows) - deleted, "deleted": deleted}
        return out


def generate_company(
    seed: int = 42,
    scale: float = 1.0,
    start_date: dt.date = DEFAULT_START_DATE,
    end_date: dt.date = DEFAULT_END_DATE,
    sizes: dict[str, float] | None = None,
) -> SandboxCompany:
    """Generate the sandbox company: same arguments, same records (no wall clock, no global random).

    ``sizes`` scales single steps apart from ``scale`` (keys in ``generator_base.SIZE_KINDS``), e.g.
    ``{"campaign_members": 40.0}`` for ten touches per person; without it nothing changes.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    unknown = set(sizes or {}) - set(SIZE_KINDS)
    if unknown:
        raise ValueError(f"unknown sizes {sorted(unknown)}: use {sorted(SIZE_KINDS)}")
    if any(v <= 0 for v in (sizes or {}).values()):
        raise ValueError("sizes must be positive")
    if end_date - start_date < dt.timedelta(days=180):
        raise ValueError("the sandbox needs at least 180 days of history")
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small dicts and no cycles: the cyclic GC would only make this superlinear
    try:
        return _generate(seed, scale, start_date, end_date, dict(sizes or {}))
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(
    seed: int, scale: float, start_date: dt.date, end_date: dt.date, sizes: dict[str, float]
) -> SandboxCompany:
    end = dt.datetime(end_date.year, end_date.month, end_date.day, HISTORY_END_HOUR, tzinfo=dt.UTC)
    org = SalesforceOrg(clock_start=end)
    ctx = GenContext(
        rng=random.Random(seed),
        org=org,
        scale=scale,
        start=dt.datetime(start_date.year, start_date.month, start_date.day, tzinfo=dt.UTC),
        end=end,
        sizes=sizes,
    )
    generator_people.make_users(ctx)
    generator_people.make_accounts(ctx)
    generator_people.make_contacts(ctx)
    generator_campaigns.make_campaigns(ctx)
    generator_deals.make_opportunities(ctx)
    generator_people.make_converted_leads(ctx)
    generator_people.make_open_leads(ctx)
    generator_people.make_duplicates(ctx)
    generator_campaigns.make_members(ctx)
    generator_deals.make_contact_roles(ctx)
    generator_mess.blank_amounts(ctx)
    generator_mess.delete_records(ctx)
    bulk = generator_mess.bulk_updates(ctx)
    generator_mess.late_updates(ctx, skip=bulk)
    return SandboxCompany(
        salesforce=org,
        seed=seed,
        scale=scale,
        start_date=start_date,
        end_date=end_date,
        injected=dict(sorted(ctx.injected.items())),
    )
