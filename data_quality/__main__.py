"""CLI: ``python -m data_quality [--suite NAME ...]``; exits 1 when a blocking check failed."""

from __future__ import annotations

import argparse
import sys

from data_quality.results import SuiteReport
from data_quality.runner import run_suites
from data_quality.suites import all_rules, suite_names


def summary(report: SuiteReport) -> str:
    """A plain-text summary: one line per check, then the worklist per rule."""
    lines = [
        f"data quality run {report.run_id} on {report.warehouse} ({report.duration_s:.1f}s)",
        f"{'suite':<20} {'check':<36} {'severity':<8} {'status':<7} {'unexpected':>10}",
    ]
    for r in report.results:
        unexpected = "" if r.unexpected_count is None else f"{r.unexpected_count}/{r.evaluated_count}"
        lines.append(f"{r.suite:<20} {r.rule:<36} {r.severity:<8} {r.status:<7} {unexpected:>10}")
        if r.error:
            lines.append(f"{'':<20}   error: {r.error.splitlines()[0][:160]}")
    lines.append(
        f"checks: {report.count('passed')} passed, {report.count('failed')} failed, "
        f"{report.count('error')} errored"
    )
    if report.skipped:
        lines.append(
            f"skipped {len(report.skipped)} rule(s) on sources not enabled or not loaded: "
            + ", ".join(report.skipped[:6])
            + (", ..." if len(report.skipped) > 6 else "")
        )
    lines.append(f"{'worklist rule':<36} {'open':>6} {'new':>6} {'closed':>6}")
    lines += [f"{g.rule:<36} {g.open_count:>6} {g.new_count:>6} {g.closed_count:>6}" for g in report.gaps]
    lines.append(f"report: {report.report_path}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the summary; 1 if a blocking check failed or errored."""
    parser = argparse.ArgumentParser(prog="python -m data_quality", description=__doc__)
    parser.add_argument("--suite", action="append", choices=suite_names(), help="repeatable; default all")
    parser.add_argument("--rule", action="append", help="repeatable; evaluate only these rules (any suite)")
    parser.add_argument("--warehouse", help="DuckDB path or postgresql:// URL (default ONEFUNNEL_WAREHOUSE)")
    parser.add_argument("--reports-dir", help="default ONEFUNNEL_REPORTS_DIR, else reports")
    parser.add_argument("--run-id")
    args = parser.parse_args(argv)
    rules = None
    if args.rule:
        rules = [r for r in all_rules() if r.name in set(args.rule)]
        if missing := set(args.rule) - {r.name for r in rules}:
            parser.error(f"unknown rule(s): {', '.join(sorted(missing))}")
    report = run_suites(args.warehouse, args.suite, args.run_id, args.reports_dir, rules=rules)
    print(summary(report))
    return 1 if report.blocking else 0


if __name__ == "__main__":
    sys.exit(main())
