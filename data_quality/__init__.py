"""Data quality for onefunnel: targeted warehouse queries validated by Great Expectations 1.x.

Importing this package is cheap: Great Expectations is imported only when a suite runs.

    from data_quality import run_suites
    report = run_suites()                       # all suites, ONEFUNNEL_WAREHOUSE
    report.blocking                             # an error-severity check failed or errored
"""

from __future__ import annotations

from data_quality.config import Config, load_config
from data_quality.connection import Connection, connect, connected
from data_quality.results import CheckResult, FlaggedRecord, GapSummary, SuiteReport
from data_quality.runner import run_rules, run_suite, run_suites
from data_quality.suites import suite_names, suite_rules

__all__ = [
    "CheckResult",
    "Config",
    "Connection",
    "FlaggedRecord",
    "GapSummary",
    "SuiteReport",
    "connect",
    "connected",
    "load_config",
    "run_rules",
    "run_suite",
    "run_suites",
    "suite_names",
    "suite_rules",
]
