"""Attribution health (METRICS.md): records someone must fix in the CRM, listed with their owner.

Each rule is a :func:`flag_rule`: a SQL predicate marking a record as a gap. Adding one of the other
METRICS.md rules is a few lines, e.g. invalid emails::

    flag_rule("invalid_emails", SUITE, "marts.dim_persons", "Email is not name@domain.tld.",
              object_type="person", id_column="person_id",
              gap_when="email IS NOT NULL AND email NOT LIKE '%_@_%._%'", details="email")
"""

from __future__ import annotations

from data_quality.rules import Rule, flag_rule

SUITE = "attribution_health"
OPPORTUNITIES = "marts.fct_opportunities"
PERSONS = "marts.dim_persons"


def rules() -> list[Rule]:
    """The suite's rules, in evaluation order."""
    return [
        flag_rule(
            "opportunities_without_contact", SUITE, OPPORTUNITIES,
            "Opportunities with no contact role: no person, so no touch can be attributed to them.",
            object_type="opportunity", id_column="opportunity_id",
            gap_when="NOT COALESCE(has_contact_role, FALSE)",
            details="'no contact role; ' || COALESCE(opportunity_type, '?') || ', stage ' "
            "|| COALESCE(stage_name, '?')",
            mostly=0.9,
        ),
        flag_rule(
            "persons_without_account", SUITE, PERSONS,
            "Persons tied to no account (neither by CRM relation nor by email domain).",
            object_type="person", id_column="person_id", gap_when="account_id IS NULL",
            details="COALESCE(email, '(no email)')", mostly=0.8,
        ),
        flag_rule(
            "amount_missing_or_unknown_currency", SUITE, OPPORTUNITIES,
            "Opportunities whose amount is missing or in a currency without a rate: "
            "they drop out of pipeline $.",
            object_type="opportunity", id_column="opportunity_id",
            gap_when="amount IS NULL OR amount_reporting IS NULL",
            details="CASE WHEN amount IS NULL THEN 'amount missing' "
            "ELSE 'no rate for currency ' || COALESCE(currency_code, '(none)') END",
            mostly=0.95,
        ),
    ]
