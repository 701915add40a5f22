"""The benchmark's company process: generate, serve over the Salesforce emulator, change records on demand.

``python -m bench.worker --scale M`` talks JSON lines: it prints ``{"event": "generated", ...}`` and
``{"event": "serving", ...}`` (with ``--hubspot``, the HubSpot emulator's address too), then reads commands on stdin: ``{"cmd": "change", "fraction": 0.01}``
and ``{"cmd": "quit"}``. Kept in its own process so generation and serving have their own peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any

from bench import SHAPES


def _emit(event: str, **payload: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **payload}, default=str) + "\n")
    sys.stdout.flush()


def peak_mb_self() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def change_records(org: Any, fraction: float, seed: int) -> dict[str, int]:
    """Change ``fraction`` of the records of every object, as a day of CRM work would.

    Opportunities go through ``ingestion.sandbox.changes.apply_changes`` (new ones with history and
    contact roles, stage moves with amount changes, deletes with their children); every other object
    gets ``fraction`` of its live records re-saved by a user (``SystemModstamp`` moves, values stay).
    Returns the number of records changed or added per object.
    """
    from ingestion.sandbox.changes import apply_changes

    before = {obj: {r["Id"]: r["SystemModstamp"] for r in org.records(obj)} for obj in org.objects()}
    n_opps = max(3, round(fraction * len(before["Opportunity"])))
    apply_changes(
        org,
        seed,
        new_opportunities=n_opps // 3,
        updated_opportunities=n_opps // 3,
        deleted_opportunities=n_opps - 2 * (n_opps // 3),
    )
    rng = random.Random(seed)
    for obj in org.objects():
        if obj.startswith("Opportunity"):
            continue
        live = sorted(r["Id"] for r in org.records(obj, include_deleted=False))
        for record_id in rng.sample(live, min(len(live), round(fraction * len(live)))):
            org.update(obj, record_id, {})
    changed: dict[str, int] = {}
    for obj in org.objects():
        old = before[obj]
        changed[obj] = sum(1 for r in org.records(obj) if old.get(r["Id"]) != r["SystemModstamp"])
    return changed


@contextlib.contextmanager
def _serve_hubspot(company: Any) -> Iterator[dict[str, Any]]:
    """The company as a HubSpot portal (``hubspot_shapes.portal_from_org``), served while the block runs.

    The rate limits are raised far above a real portal's (100-190 requests per 10 s): the benchmark
    measures what the connector and the emulator can do, not HubSpot's quota.
    """
    from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
    from ingestion.sandbox.hubspot_shapes import portal_from_org

    started = time.perf_counter()
    portal = portal_from_org(company.salesforce)
    seconds = time.perf_counter() - started
    gc.freeze()  # as the company's records: long-lived, not worth the collector's walks
    with HubSpotEmulator(portal, secondly_limit=1_000_000, daily_limit=10**12) as emulator:
        yield {
            "hubspot_base_url": emulator.base_url,
            "hubspot_token": emulator.token,
            "hubspot_portal_seconds": seconds,
            "hubspot_records": {obj: len(portal.records[obj]) for obj in portal.records},
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--scale", choices=sorted(SHAPES), required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--hubspot", action="store_true", help="also serve the company as a HubSpot portal")
    args = parser.parse_args(argv)
    shape = SHAPES[args.scale]

    from ingestion.sandbox import generate_company
    from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

    kwargs: dict[str, Any] = {"seed": args.seed, "scale": shape.scale, "sizes": dict(shape.sizes)}
    if shape.start_date is not None:
        kwargs["start_date"] = shape.start_date
    started = time.perf_counter()
    company = generate_company(**kwargs)
    seconds = time.perf_counter() - started
    # the company is millions of long-lived dicts: left to the cyclic GC, every full collection while
    # serving would walk them all again. Frozen, the collector only looks at what serving allocates.
    gc.freeze()
    counts = {obj: len(company.salesforce.records(obj)) for obj in company.salesforce.objects()}
    _emit(
        "generated",
        seconds=seconds,
        rows=counts,
        peak_mb=peak_mb_self(),
        start_date=company.start_date,
        end_date=company.end_date,
    )
    hubspot: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if args.hubspot:
            hubspot = stack.enter_context(_serve_hubspot(company))
        # api_limit: a real org's daily limit is per licence; the benchmark must not run into it at L
        emulator = stack.enter_context(SalesforceEmulator(company.salesforce, api_limit=10_000_000))
        _emit(
            "serving",
            base_url=emulator.base_url,
            client_id=emulator.client_id,
            client_secret=emulator.client_secret,
            **hubspot,
        )
        for line in sys.stdin:
            command = json.loads(line)
            if command["cmd"] == "quit":
                break
            if command["cmd"] == "change":
                started = time.perf_counter()
                changed = change_records(company.salesforce, float(command["fraction"]), args.seed + 1)
                _emit("changed", seconds=time.perf_counter() - started, rows=changed)
            else:
                _emit("error", message=f"unknown command {command['cmd']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
