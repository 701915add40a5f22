"""Structural rules on ``marts.fct_opportunities``: a failure here means the pipeline is wrong."""

from __future__ import annotations

from data_quality.rules import OBJECT_ID, Expect, Lookup, Param, Rule, column_rule

SUITE = "fct_opportunities"
ASSET = "marts.fct_opportunities"
OPPORTUNITY_TYPES = ["new_business", "expansion", "renewal", "contraction", "churn"]


def _rule(name: str, description: str, expect: Expect, *columns: str, **options: object) -> Rule:
    return column_rule(
        name, SUITE, ASSET, description, expect, id_column="opportunity_id", columns=columns, **options
    )


def rules() -> list[Rule]:
    """The suite's rules, in evaluation order."""
    return [
        _rule(
            "opportunity_id_not_null",
            "Every opportunity has an id.",
            Expect("ExpectColumnValuesToNotBeNull", column=OBJECT_ID),
        ),
        Rule(
            name="opportunity_id_unique",
            suite=SUITE,
            asset=ASSET,
            description="No opportunity id appears twice. Counted per id in the warehouse (GROUP BY); "
            "evaluated rows are distinct ids, flagged rows the duplicated ids.",
            sql=f"SELECT CAST(opportunity_id AS VARCHAR) AS {OBJECT_ID}, COUNT(*) AS row_count "
            f"FROM {ASSET} WHERE opportunity_id IS NOT NULL GROUP BY opportunity_id",
            expect=Expect("ExpectColumnValuesToBeBetween", column="row_count", max_value=1),
        ),
        _rule(
            "amount_reporting_non_negative",
            "Converted amounts, when present, are not negative.",
            Expect("ExpectColumnValuesToBeBetween", column="amount_reporting", min_value=0),
            "amount_reporting",
        ),
        _rule(
            "currency_code_known",
            "Currencies are among those with a rate in seeds.exchange_rates.",
            Expect(
                "ExpectColumnValuesToBeInSet",
                column="currency_code",
                value_set=Lookup("SELECT DISTINCT currency_code FROM seeds.exchange_rates"),
            ),
            "currency_code",
            severity="warn",
        ),
        _rule(
            "won_implies_closed",
            "A won opportunity is closed: evaluated on won opportunities only "
            "(filtered in the warehouse), is_closed must be true.",
            Expect("ExpectColumnValuesToBeInSet", column="is_closed", value_set=[True]),
            "COALESCE(is_closed, FALSE) AS is_closed",
            where="is_won",
        ),
        _rule(
            "opportunity_type_known",
            "Type is new_business, expansion, renewal, contraction or churn; "
            "an unmapped (null) type is flagged too.",
            Expect("ExpectColumnValuesToBeInSet", column="opportunity_type", value_set=Param("value_set")),
            "COALESCE(opportunity_type, '(null)') AS opportunity_type",
            params={"value_set": OPPORTUNITY_TYPES},
        ),
        _rule(
            "close_date_not_null",
            "Every opportunity has a close date.",
            Expect("ExpectColumnValuesToNotBeNull", column="close_date"),
            "close_date",
        ),
        _rule(
            "created_at_not_null",
            "Every opportunity has a creation time.",
            Expect("ExpectColumnValuesToNotBeNull", column="created_at"),
            "created_at",
        ),
    ]
