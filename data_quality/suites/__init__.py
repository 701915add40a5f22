"""The registry of suites: name -> its rules. One module per concern; no GX import here."""

from __future__ import annotations

from collections.abc import Callable

from data_quality.rules import Rule
from data_quality.suites import attribution_health, fct_opportunities

SUITES: dict[str, Callable[[], list[Rule]]] = {
    fct_opportunities.SUITE: fct_opportunities.rules,
    attribution_health.SUITE: attribution_health.rules,
}


def suite_names() -> list[str]:
    """All suite names, in run order."""
    return list(SUITES)


def suite_rules(name: str) -> list[Rule]:
    """The rules of one suite; ``KeyError`` names the known suites."""
    if name not in SUITES:
        raise KeyError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
    return SUITES[name]()
