"""The registry of suites: name -> its rules. One module per concern; no GX import here."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from data_quality.rules import Rule
from data_quality.suites import (
    attribution_coverage,
    attribution_health,
    fct_opportunities,
    freshness,
    structure,
)

SUITES: dict[str, Callable[[], list[Rule]]] = {
    structure.RAW_SUITE: structure.raw_rules,
    fct_opportunities.SUITE: fct_opportunities.rules,
    structure.MARTS_SUITE: structure.mart_rules,
    attribution_health.SUITE: attribution_health.rules,
    attribution_coverage.SUITE: attribution_coverage.rules,
    freshness.SUITE: freshness.rules,
}


def suite_names() -> list[str]:
    """All suite names, in run order."""
    return list(SUITES)


def suite_rules(name: str) -> list[Rule]:
    """The rules of one suite; ``KeyError`` names the known suites."""
    if name not in SUITES:
        raise KeyError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
    return SUITES[name]()


def all_rules() -> list[Rule]:
    """Every registered rule, in run order."""
    return [rule for name in SUITES for rule in SUITES[name]()]


def rule_dataset(rule: Rule) -> str | None:
    """The raw dataset a rule reads (``raw_hubspot`` for ``raw_hubspot.deals``), None for marts rules."""
    schema = rule.asset.split(".", 1)[0]
    return schema if schema.startswith("raw_") else None


def for_datasets(rules: Sequence[Rule], datasets: Collection[str]) -> tuple[list[Rule], list[Rule]]:
    """``(kept, skipped)``: rules on raw datasets not in ``datasets`` are skipped (a source that is not
    enabled has no raw tables to check); rules on marts are always kept."""
    kept = [r for r in rules if rule_dataset(r) is None or rule_dataset(r) in datasets]
    return kept, [r for r in rules if r not in kept]
