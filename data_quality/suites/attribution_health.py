"""Attribution health (METRICS.md): records someone must fix in the CRM, listed with their owner.

Each rule is a :func:`flag_rule`: a SQL predicate marking a record as a gap; the worklist row carries
the owner who can fix it (opportunity owner, person owner, campaign owner). All are ``warn``: a gap
is CRM hygiene to fix, not a broken pipeline, so nothing downstream is held back by it.
"""

from __future__ import annotations

from data_quality.rules import Rule, flag_rule

SUITE = "attribution_health"
OPPORTUNITIES = "marts.fct_opportunities"
PERSONS = "marts.dim_persons"
TOUCHPOINTS = "marts.fct_touchpoints"
CAMPAIGNS = "marts.dim_campaigns"
USERS = (
    "intermediate.int_users_unioned"  # owners' names of the CRM of record (dim_campaigns has only owner_id)
)

# A marketing touch of one of the opportunity's contacts (CRM contact roles and inferred account
# contacts, marts.fct_opportunity_contacts) satisfying {when}.
_CONTACT_TOUCH = (
    "EXISTS (SELECT 1 FROM marts.fct_opportunity_contacts AS c JOIN marts.fct_touchpoints AS t "
    "ON t.person_id = c.person_id WHERE c.opportunity_id = o.opportunity_id AND t.is_marketing_touch AND {when})"
)
# An email that is not one local@domain.tld without spaces (on the trimmed, lower-case email).
INVALID_EMAIL = (
    "email_normalized IS NOT NULL AND (email_normalized NOT LIKE '%_@_%._%' OR email_normalized LIKE '% %' "
    "OR LENGTH(email_normalized) - LENGTH(REPLACE(email_normalized, '@', '')) <> 1)"
)
# Per person: source records that are not a converted lead merged into its own contact.
_RECORDS = (
    "(SELECT person_id, COUNT(*) AS record_count FROM intermediate.int_person_records "
    "WHERE NOT COALESCE(is_converted_lead, FALSE) GROUP BY person_id)"
)


def _opportunity_rule(name: str, description: str, gap_when: str, details: str, mostly: float = 1.0) -> Rule:
    return flag_rule(
        name,
        SUITE,
        OPPORTUNITIES,
        description,
        object_type="opportunity",
        id_column="o.opportunity_id",
        owner_id="o.owner_id",
        owner_name="o.owner_name",
        from_sql=f"{OPPORTUNITIES} AS o",
        gap_when=gap_when,
        details=details,
        mostly=mostly,
    )


def _person_rule(name: str, description: str, gap_when: str, details: str, mostly: float = 1.0) -> Rule:
    return flag_rule(
        name,
        SUITE,
        PERSONS,
        description,
        object_type="person",
        id_column="person_id",
        gap_when=gap_when,
        details=details,
        mostly=mostly,
    )


def opportunity_rules() -> list[Rule]:
    """Opportunities that cannot be attributed or valued."""
    return [
        _opportunity_rule(
            "opportunities_without_contact",
            "Opportunities with no contact role: no person, so no touch can be attributed to them.",
            "NOT COALESCE(o.has_contact_role, FALSE)",
            "'no contact role; ' || COALESCE(o.opportunity_type, '?') || ', stage ' || COALESCE(o.stage_name, '?')",
            mostly=0.9,
        ),
        _opportunity_rule(
            "opportunities_without_touch_before_creation",
            "Opportunities none of whose contacts (contact roles or inferred) had a marketing touch before "
            "the opportunity was created: nothing sourced them.",
            "NOT " + _CONTACT_TOUCH.format(when="t.touched_at < o.created_at"),
            "'no marketing touch before creation on ' || CAST(CAST(o.created_at AS DATE) AS VARCHAR)",
            mostly=0.5,
        ),
        _opportunity_rule(
            "won_deals_without_marketing_touch",
            "Won opportunities none of whose contacts had a marketing touch on or before the close date.",
            "o.is_won AND NOT " + _CONTACT_TOUCH.format(when="CAST(t.touched_at AS DATE) <= o.close_date"),
            "'won on ' || CAST(o.close_date AS VARCHAR) || ' with no marketing touch'",
            mostly=0.8,
        ),
        _opportunity_rule(
            "amount_missing_or_unknown_currency",
            "Opportunities whose amount is missing or in a currency without a rate: they drop out of pipeline $.",
            "o.amount IS NULL OR o.amount_reporting IS NULL",
            "CASE WHEN o.amount IS NULL THEN 'amount missing' "
            "ELSE 'no rate for currency ' || COALESCE(o.currency_code, '(none)') END",
            mostly=0.95,
        ),
    ]


def person_rules() -> list[Rule]:
    """Persons that cannot be tied to an account, a source or a single identity."""
    return [
        _person_rule(
            "persons_without_account",
            "Persons tied to no account (neither by CRM relation nor by email domain).",
            "account_id IS NULL",
            "COALESCE(email, '(no email)')",
            mostly=0.8,
        ),
        _person_rule(
            "persons_without_source",
            "Persons whose primary record has no lead source.",
            "lead_source IS NULL OR TRIM(lead_source) = ''",
            "source_record_ids",
            mostly=0.95,
        ),
        _person_rule(
            "invalid_emails",
            "Emails that are not one local@domain.tld without spaces.",
            INVALID_EMAIL,
            "email",
            mostly=0.99,
        ),
        flag_rule(
            "duplicate_persons",
            SUITE,
            PERSONS,
            "Persons entered more than once: resolved (same email up to case and spaces) from several source "
            "records, in one source or across sources; a converted lead merged into its contact is not a "
            "duplicate.",
            object_type="person",
            id_column="p.person_id",
            owner_id="p.owner_id",
            owner_name="p.owner_name",
            from_sql=f"{PERSONS} AS p LEFT JOIN {_RECORDS} AS r ON r.person_id = p.person_id",
            gap_when="COALESCE(r.record_count, 0) > 1",
            details="CAST(r.record_count AS VARCHAR) || ' records: ' || p.source_record_ids",
            mostly=0.95,
        ),
    ]


def marketing_rules() -> list[Rule]:
    """Touches and campaigns that cannot be costed or put in a channel."""
    owner = {"owner_id": "c.owner_id", "owner_name": "u.user_name"}
    return [
        flag_rule(
            "touches_without_campaign_or_channel",
            SUITE,
            TOUCHPOINTS,
            "Marketing touches with no campaign or whose campaign type maps to no channel (seed channel_mapping).",
            object_type="touchpoint",
            id_column="t.touchpoint_id",
            **owner,
            from_sql=f"{TOUCHPOINTS} AS t LEFT JOIN {CAMPAIGNS} AS c ON c.campaign_id = t.campaign_id "
            f"LEFT JOIN {USERS} AS u ON u.user_id = c.owner_id",
            gap_when="t.is_marketing_touch AND (t.campaign_id IS NULL OR t.channel IS NULL)",
            details="CASE WHEN t.campaign_id IS NULL THEN 'no campaign' "
            "ELSE 'unmapped campaign type ' || COALESCE(t.campaign_type, '(none)') END",
            mostly=0.99,
        ),
        flag_rule(
            "campaigns_without_cost",
            SUITE,
            CAMPAIGNS,
            "Started campaigns with no actual cost: their spend is missing from CAC and ROI.",
            object_type="campaign",
            id_column="c.campaign_id",
            **owner,
            from_sql=f"{CAMPAIGNS} AS c LEFT JOIN {USERS} AS u ON u.user_id = c.owner_id",
            gap_when="c.actual_cost IS NULL AND (c.start_date IS NULL OR c.start_date <= CURRENT_DATE)",
            details="COALESCE(c.campaign_name, '?') || ' (' || COALESCE(c.campaign_type, '?') || ')'",
            mostly=0.9,
        ),
    ]


def rules() -> list[Rule]:
    """The suite's rules, in evaluation order."""
    return [*opportunity_rules(), *person_rules(), *marketing_rules()]
