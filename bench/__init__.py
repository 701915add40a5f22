"""``make bench``: the whole pipeline at three company sizes, stage by stage (issue #8).

``python -m bench --scale S|M|L`` generates the sandbox company at that size, serves it from the Salesforce
emulator, loads it with dlt, builds dbt, runs the data-quality checks and publishes (when
``orchestration.publish`` exists), then changes 1 % of the records and measures the nightly incremental
run. Each heavy stage runs in its own process, so its peak memory is its own. Results go to
``bench/results.json`` (merged per scale) and ``bench/results.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    """A company size: ``generate_company`` arguments and the shape they were calibrated to hit."""

    name: str
    scale: float
    sizes: dict[str, float] = field(default_factory=dict)
    start_date: dt.date | None = None  # None: the generator's default (two years and a quarter)
    target: str = ""


# Calibrated on seed 42: persons = contacts + leads; touches = campaign members (some of the
# generator's attempts are rejected, so campaign_members is set a little above the target).
SHAPES: dict[str, Shape] = {
    "tiny": Shape("tiny", 0.15, target="about 1k persons (smoke test)"),
    "S": Shape("S", 1.47, target="10k persons"),
    "M": Shape("M", 14.7, {"campaign_members": 41.5}, target="100k persons, 1M touches"),
    "L": Shape(
        "L",
        147.0,
        {"accounts": 167.0, "leads": 103.0, "campaign_members": 415.0},
        start_date=dt.date(2023, 10, 1),
        target="1M persons, 100k accounts, 10M touches, 300k opportunities, three years",
    ),
}
