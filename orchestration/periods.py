"""Calendar periods of the reviews (weeks start Monday, calendar months and quarters)."""

from __future__ import annotations

import datetime as dt


def period_start(grain: str, day: dt.date) -> dt.date:
    """First day of the ``grain`` (week, month, quarter) containing ``day``."""
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    raise ValueError(f"unknown period grain {grain!r}")


def previous_period_start(grain: str, day: dt.date) -> dt.date:
    """First day of the period before the one containing ``day``."""
    start = period_start(grain, day)
    return period_start(grain, start - dt.timedelta(days=1))
