"""Sandbox profiles: the same company served as the stack a real customer runs (issue #3).

Every profile serves one ground truth (``SandboxCompany.ground_truth()``); only which emulated system holds
which records differs. A profile says which emulators run, which objects each serves, which ingestion
sources load them (``ONEFUNNEL_SOURCES``) and the dbt vars that switch the warehouse onto them.

- ``salesforce``: Salesforce holds the CRM and the campaigns (the default: ``make run``).
- ``hubspot``: HubSpot alone, CRM and marketing.
- ``salesforce_hubspot``: Salesforce CRM (accounts, contacts, leads, opportunities, history, contact roles,
  users); HubSpot marketing (contacts synced with ``salesforcecontactid`` / ``salesforceleadid``,
  campaigns, forms and submissions, email events). Touches come from HubSpot.
- ``salesforce_marketo``: Salesforce CRM, Marketo marketing (leads synced with ``sfdcContactId`` /
  ``sfdcLeadId``, programs, activities).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SALESFORCE_CRM_OBJECTS: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "OpportunityContactRole",
    "OpportunityHistory",
)
SALESFORCE_MARKETING_OBJECTS: tuple[str, ...] = ("Campaign", "CampaignMember")


@dataclass(frozen=True)
class SandboxProfile:
    """Which emulators serve what, and how the warehouse is switched onto them."""

    name: str
    description: str
    # Salesforce sObjects the Salesforce emulator serves (and the connector reads); empty: no Salesforce
    salesforce_objects: tuple[str, ...] = ()
    # HubSpot portal variant: None (no HubSpot), 'full' (CRM and marketing) or 'marketing' (no companies/deals)
    hubspot_portal: str | None = None
    marketo: bool = False
    crm_source: str = "salesforce"
    marketing_source: str = "salesforce"
    dbt_vars: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> tuple[str, ...]:
        """The ingestion sources to run, in ``ONEFUNNEL_SOURCES`` order."""
        out = []
        if self.salesforce_objects:
            out.append("salesforce")
        if self.hubspot_portal:
            out.append("hubspot")
        if self.marketo:
            out.append("marketo")
        return tuple(out)

    def vars(self) -> dict[str, Any]:
        """dbt ``--vars`` of the profile: source switches and the systems of record."""
        return {
            "salesforce_enabled": bool(self.salesforce_objects),
            "salesforce_campaigns_enabled": "Campaign" in self.salesforce_objects,
            "hubspot_enabled": self.hubspot_portal is not None,
            "hubspot_crm_enabled": self.hubspot_portal == "full",
            "marketo_enabled": self.marketo,
            "crm_source": self.crm_source,
            "marketing_source": self.marketing_source,
            **self.dbt_vars,
        }


PROFILES: dict[str, SandboxProfile] = {
    p.name: p
    for p in (
        SandboxProfile(
            "salesforce",
            "Salesforce holds the CRM and the campaigns",
            salesforce_objects=SALESFORCE_CRM_OBJECTS + SALESFORCE_MARKETING_OBJECTS,
        ),
        SandboxProfile(
            "hubspot",
            "HubSpot only: CRM and marketing",
            hubspot_portal="full",
            crm_source="hubspot",
            marketing_source="hubspot",
        ),
        SandboxProfile(
            "salesforce_hubspot",
            "Salesforce CRM, HubSpot marketing (contacts synced with their Salesforce ids)",
            salesforce_objects=SALESFORCE_CRM_OBJECTS,
            hubspot_portal="marketing",
            marketing_source="hubspot",
        ),
        SandboxProfile(
            "salesforce_marketo",
            "Salesforce CRM, Marketo marketing (leads synced with their Salesforce ids)",
            salesforce_objects=SALESFORCE_CRM_OBJECTS,
            marketo=True,
            marketing_source="marketo",
        ),
    )
}
DEFAULT_PROFILE = "salesforce"


def get_profile(name: str | None) -> SandboxProfile:
    """The profile called ``name`` (None: the default); a clear error for an unknown one."""
    key = name or DEFAULT_PROFILE
    if key not in PROFILES:
        raise ValueError(f"unknown sandbox profile {key!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[key]
