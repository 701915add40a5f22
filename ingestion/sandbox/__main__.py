"""Command line: ``python -m ingestion.sandbox {ground-truth,summary,serve} --seed 42 --scale 1``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ingestion.sandbox.generator import DEFAULT_END_DATE, DEFAULT_START_DATE, SandboxCompany, generate_company


def _company(args: argparse.Namespace) -> SandboxCompany:
    return generate_company(
        seed=args.seed, scale=args.scale, start_date=args.start_date, end_date=args.end_date
    )


def _ground_truth(args: argparse.Namespace) -> int:
    truth = _company(args).ground_truth()
    text = json.dumps(truth, indent=2, sort_keys=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
        print(f"ground truth written to {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


def _summary(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    company = _company(args)
    elapsed = time.perf_counter() - started
    print(f"{'object':<24}{'all':>10}{'live':>10}{'deleted':>10}")
    for obj, n in company.summary().items():
        print(f"{obj:<24}{n['all']:>10}{n['live']:>10}{n['deleted']:>10}")
    print(f"generated in {elapsed:.2f} s (seed {args.seed}, scale {args.scale})")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ingestion.sandbox.serve import serve_forever  # imported only when serving

    serve_forever(_company(args), host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The CLI: one subparser per command, sharing the company options."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=42)
    common.add_argument("--scale", type=float, default=1.0)
    common.add_argument("--start-date", type=dt.date.fromisoformat, default=DEFAULT_START_DATE)
    common.add_argument("--end-date", type=dt.date.fromisoformat, default=DEFAULT_END_DATE)
    parser = argparse.ArgumentParser(prog="python -m ingestion.sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    truth = sub.add_parser("ground-truth", parents=[common], help="print or write the ground truth JSON")
    truth.add_argument("--out", help="write to this file instead of stdout")
    truth.set_defaults(func=_ground_truth)
    sub.add_parser("summary", parents=[common], help="row counts per object").set_defaults(func=_summary)
    # --- serve: the Salesforce emulator over the generated org (ingestion/sandbox/serve.py) --------
    serve = sub.add_parser("serve", parents=[common], help="serve the org over the Salesforce REST emulator")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.set_defaults(func=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
