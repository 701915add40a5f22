"""Business choices of the cadences: when each review runs and what it rebuilds (documented in README).

Times are in ``ONEFUNNEL_TIMEZONE`` (``settings.timezone()``). The nightly run rebuilds everything, so
the reviews only refreeze and rebuild their own tables, after the nightly run has finished.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cadence:
    """One schedule: a job over some assets, a cron in the configured zone, the period it reviews."""

    name: str
    cron: str
    description: str
    assets: tuple[str, ...]  # asset keys "schema/table"; empty = every asset of the nightly run
    period_grain: str | None  # the period the review covers (the one just ended), None for nightly


NIGHTLY_HOUR = 2
WEEKLY_REVIEW_WEEKDAY = 1  # cron weekday: 1 = Monday
WEEKLY_REVIEW_HOUR = 7
MONTHLY_REVIEW_HOUR = 6  # on day 1 of each month
QUARTERLY_REVIEW_HOUR = 6  # on day 1 of January, April, July, October
QUARTER_START_MONTHS = "1,4,7,10"

_FREEZE = ("marts/fct_pipeline_snapshots", "marts/fct_pipeline_snapshot_periods")

NIGHTLY = Cadence(
    "nightly",
    f"0 {NIGHTLY_HOUR} * * *",
    "Ingest what changed from every enabled source, rebuild the dbt project, run the checks.",
    (),
    None,
)
WEEKLY = Cadence(
    "weekly_pipeline_review",
    f"0 {WEEKLY_REVIEW_HOUR} * * {WEEKLY_REVIEW_WEEKDAY}",
    "Weekly pipeline review: freeze the week's starting pipeline, rebuild marts.rpt_weekly_pipeline_review.",
    (
        *_FREEZE,
        "marts/fct_pipeline",
        "marts/rpt_weekly_pipeline_review",
        "reports/weekly_review_page",
        "published/marts",
    ),
    "week",
)
MONTHLY = Cadence(
    "monthly_review",
    f"0 {MONTHLY_REVIEW_HOUR} 1 * *",
    "Month start: freeze the month's starting pipeline, rebuild marts.rpt_monthly_marketing_review.",
    (
        *_FREEZE,
        "marts/fct_pipeline",
        "marts/rpt_monthly_marketing_review",
        "reports/monthly_review_page",
        "published/marts",
    ),
    "month",
)
QUARTERLY = Cadence(
    "quarterly_review",
    f"0 {QUARTERLY_REVIEW_HOUR} 1 {QUARTER_START_MONTHS} *",
    "Quarter start: freeze the quarter's starting pipeline, rebuild marts.rpt_quarterly_business_review.",
    (
        *_FREEZE,
        "marts/fct_pipeline",
        "marts/rpt_quarterly_business_review",
        "reports/quarterly_review_page",
        "published/marts",
    ),
    "quarter",
)
CADENCES: tuple[Cadence, ...] = (NIGHTLY, WEEKLY, MONTHLY, QUARTERLY)

# Freshness of the marts: the nightly run rebuilds them; warn after a missed night, fail after two.
MARTS_FRESHNESS_WARN_HOURS = 26
MARTS_FRESHNESS_FAIL_HOURS = 50
