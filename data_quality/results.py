"""What a run returns: one :class:`CheckResult` per rule and a :class:`SuiteReport` per run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from data_quality.config import Severity

Status = Literal["passed", "failed", "error"]


@dataclass(frozen=True)
class FlaggedRecord:
    """One record a rule marked unexpected: a worklist row for its owner."""

    object_id: str | None
    owner_id: str | None = None
    owner_name: str | None = None
    details: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one rule (one expectation).

    ``status``: ``passed``; ``failed`` = the data broke the rule; ``error`` = the rule could not be
    evaluated (query or metric raised), ``error`` carries the exception text and counts are None.
    """

    suite: str
    rule: str
    asset: str
    severity: Severity
    status: Status
    description: str = ""
    expectation_type: str = ""
    evaluated_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: str | None = None
    error: str | None = None
    object_type: str | None = None
    flagged: Sequence[FlaggedRecord] = ()
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        """For ``AssetCheckResult(passed=...)``: only ``passed`` passes; ``error`` does not."""
        return self.status == "passed"

    @property
    def blocking(self) -> bool:
        """An error-severity rule that failed, or any rule that could not be evaluated."""
        return self.status == "error" or (self.status == "failed" and self.severity == "error")

    @property
    def flagged_ids(self) -> list[str | None]:
        """The ids of the flagged records, in query order."""
        return [f.object_id for f in self.flagged]


@dataclass(frozen=True)
class GapSummary:
    """Worklist state of one rule after a run."""

    rule: str
    severity: str
    open_count: int
    new_count: int
    closed_count: int


@dataclass
class SuiteReport:
    """Everything one ``run_suites`` call did."""

    run_id: str
    run_at: datetime
    warehouse: str
    results: list[CheckResult]
    gaps: list[GapSummary] = field(default_factory=list)
    report_path: str | None = None
    duration_s: float = 0.0
    skipped: list[str] = field(default_factory=list)  # rules not run: their source is not enabled/loaded

    def count(self, status: Status) -> int:
        """Number of checks with ``status``."""
        return sum(r.status == status for r in self.results)

    @property
    def blocking(self) -> bool:
        """True when an error-severity check failed or any check could not be evaluated."""
        return any(r.blocking for r in self.results)

    def result(self, rule: str) -> CheckResult:
        """The result of one rule by name."""
        return next(r for r in self.results if r.rule == rule)

    def for_asset(self, asset: str) -> list[CheckResult]:
        """The results about one table, e.g. ``marts.fct_opportunities`` (one Dagster asset)."""
        return [r for r in self.results if r.asset == asset]
