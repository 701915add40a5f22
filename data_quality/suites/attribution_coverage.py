"""Attribution coverage: the share of qualified pipeline $ that is attributed to at least one touch.

Validates ``marts.fct_attribution`` (built by the attribution marts). Where that table does not exist
the rule cannot be evaluated and reports ``error`` (a missing table is never a pass); the Dagster wiring
registers this check only when the code location defines the asset, so a warehouse without attribution
marts does not carry a permanently erroring check.
"""

from __future__ import annotations

from data_quality.rules import Param, Rule, metric_rule

SUITE = "attribution_coverage"
ASSET = "marts.fct_attribution"
SHARE_SQL = (
    "SELECT COALESCE(CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM marts.fct_attribution AS a "
    "WHERE a.opportunity_id = o.opportunity_id) THEN o.amount_reporting ELSE 0 END) AS DOUBLE PRECISION) "
    "/ NULLIF(CAST(SUM(o.amount_reporting) AS DOUBLE PRECISION), 0), 1.0) AS value "
    "FROM marts.fct_opportunities AS o WHERE o.is_qualified AND o.amount_reporting IS NOT NULL"
)


def rules() -> list[Rule]:
    """The suite's rules, in evaluation order."""
    return [
        metric_rule(
            "attributed_pipeline_share",
            SUITE,
            ASSET,
            "Share of qualified pipeline $ (fct_opportunities.is_qualified, amount_reporting) whose opportunity "
            "has at least one credited touch in fct_attribution is at least min_share.",
            value_sql=SHARE_SQL,
            min_value=Param("min_share"),
            params={"min_share": 0.6},
        ),
    ]
