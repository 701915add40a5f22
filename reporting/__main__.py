"""``python -m reporting [--cadence weekly|monthly|quarterly ...] [--period LABEL] [--as-of YYYY-MM-DD]``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from orchestration import settings
from reporting.pages import write_reports
from reporting.queries import CADENCES, ReviewDataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reporting",
        description="Write the review pages (static HTML, inline SVG) from the marts, and their index.",
    )
    parser.add_argument(
        "--cadence",
        action="append",
        choices=list(CADENCES),
        help="a cadence to render (repeatable; default: all three)",
    )
    parser.add_argument(
        "--period",
        help="period label to render, e.g. 2026-W39, 2026-09 or 2026-Q3 (default: the latest complete period)",
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="business today deciding which period is complete (default: ONEFUNNEL_AS_OF_DATE, else today UTC)",
    )
    parser.add_argument("--warehouse", help="DuckDB path or postgresql:// URL (default: ONEFUNNEL_WAREHOUSE)")
    parser.add_argument(
        "--out", type=Path, help="output folder (default: ONEFUNNEL_REPORTS_DIR, else reports/)"
    )
    args = parser.parse_args(argv)
    try:
        paths = write_reports(
            warehouse=args.warehouse or settings.warehouse(),
            out_dir=args.out or settings.reports_dir(),
            cadences=args.cadence,
            period=args.period,
            as_of=args.as_of,
            log=print,
        )
    except ReviewDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(paths) - 1} review page(s) and the index")
    return 0


if __name__ == "__main__":
    sys.exit(main())
