"""Stages the benchmark runs in a child process of their own: ``python -m bench.stages NAME --out FILE``.

The connection to the emulators comes from the environment (``SOURCES__SALESFORCE__*``,
``SOURCES__HUBSPOT__*``, as in a real run); each stage writes its result as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any


def emulator_probe() -> dict[str, Any]:
    """Read every object through the emulator with a bare HTTP client: what the emulator serves per second.

    One client, pages read one after the other, JSON decoded with orjson (the source must decode it too; the
    standard library's decoder alone would cost more than the emulator): if this is far above the
    ingestion rate, the emulator is not what limits ingestion.
    """
    import orjson
    import requests

    # the objects and fields the source reads (ingestion.salesforce.settings), without importing dlt
    from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS

    compound_types = {"address", "location"}

    base = os.environ["SOURCES__SALESFORCE__BASE_URL"]
    started_all = time.perf_counter()  # after the imports: the emulator's time, not Python's start-up
    session = requests.Session()
    token = session.post(
        f"{base}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID"],
            "client_secret": os.environ["SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET"],
        },
        timeout=60,
    )
    token.raise_for_status()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    session.headers["Sforce-Query-Options"] = "batchSize=2000"
    data = f"{base}/services/data/v61.0"
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}
    total_bytes = 0
    for obj in SALESFORCE_OBJECTS:
        started = time.perf_counter()
        describe = session.get(f"{data}/sobjects/{obj}/describe", timeout=60).json()
        fields = [f["name"] for f in describe["fields"] if f["type"] not in compound_types]
        resp = session.get(
            f"{data}/queryAll",
            params={"q": f"SELECT {', '.join(fields)} FROM {obj} ORDER BY SystemModstamp ASC, Id ASC"},
            timeout=600,
        )
        n = 0
        while True:
            resp.raise_for_status()
            total_bytes += len(resp.content)
            page = orjson.loads(resp.content)
            n += len(page["records"])
            if page["done"]:
                break
            resp = session.get(base + page["nextRecordsUrl"], timeout=600)
        rows[obj] = n
        seconds[obj] = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started_all,
        "seconds_per_object": seconds,
        "bytes": total_bytes,
    }


def hubspot_emulator_probe() -> dict[str, Any]:
    """Every CRM record, its history and associations read from the HubSpot emulator without dlt.

    The same calls as the source (``HubSpotClient``: search windows of 200, history batch reads of 50,
    association batch reads of 1,000, the same concurrency), JSON decoded, nothing typed or loaded: what the
    emulator serves per second, to compare with the ``hubspot_ingest`` row.
    """
    from ingestion.hubspot import settings
    from ingestion.hubspot.helpers import HubSpotClient

    client = HubSpotClient(
        os.environ["SOURCES__HUBSPOT__BASE_URL"], os.environ["SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN"]
    )
    started_all = time.perf_counter()
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for obj, prop in settings.CRM_OBJECTS.items():
        started = time.perf_counter()
        names = [
            d["name"] for d in client.request("GET", f"/crm/v3/properties/{obj}", "properties")["results"]
        ]
        top = client.search_max_modified(obj, prop)
        history = settings.HISTORY.get(obj)
        for page in client.search(obj, prop, 0, (top or 0) + 1, names) if top is not None else ():
            rows[obj] = rows.get(obj, 0) + len(page)
            ids = [str(r["id"]) for r in page]
            calls = {}
            if history:
                calls["history"] = lambda obj=obj, ids=ids, history=history: client.batch_read(
                    obj, ids, ["hs_object_id"], [history[0]]
                )
            for to_type in settings.ASSOCIATIONS.get(obj, ()):
                calls[to_type] = lambda obj=obj, ids=ids, to_type=to_type: client.associations(
                    obj, to_type, ids
                )
            for name, result in client.concurrently(calls).items():
                got = result()
                if name == "history":
                    n = sum(len((r.get("propertiesWithHistory") or {}).get(history[0]) or []) for r in got)
                    rows[history[1]] = rows.get(history[1], 0) + n
                else:
                    n = sum(len(t.get("associationTypes") or []) for r in got for t in r.get("to") or [])
                    rows["associations"] = rows.get("associations", 0) + n
        for page in client.pages(f"/crm/v3/objects/{obj}", "archived", {"archived": "true", "limit": 100}):
            rows[obj] = rows.get(obj, 0) + len(page)
        seconds[obj] = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started_all,
        "seconds_per_object": seconds,
        "requests": client.requests_made,
    }


def hubspot_ingest() -> dict[str, Any]:
    """``ingestion.pipelines.run_hubspot`` for the CRM (contacts, companies, deals, their history and
    associations; owners and pipelines), marketing left out: the HubSpot CRM source's throughput."""
    import dlt

    from ingestion.hubspot.settings import PIPELINE_NAME
    from ingestion.pipelines import run_hubspot

    pipelines_dir = os.environ["ONEFUNNEL_DLT_PIPELINES_DIR"]
    started = time.perf_counter()
    counts = run_hubspot(pipelines_dir=pipelines_dir, include_marketing=False)
    seconds = time.perf_counter() - started
    return {
        "rows": counts,
        "steps": _steps(dlt.pipeline(pipeline_name=PIPELINE_NAME, pipelines_dir=pipelines_dir)),
        "seconds": seconds,
    }


def _steps(pipeline: Any) -> dict[str, float]:
    """Seconds per dlt step (extract, normalize, load) of the pipeline's last run."""
    trace = pipeline.last_trace
    steps: dict[str, float] = {}
    for step in trace.steps if trace else []:
        if step.finished_at and step.started_at:
            steps[step.step] = (
                steps.get(step.step, 0.0) + (step.finished_at - step.started_at).total_seconds()
            )
    return steps


def ingest() -> dict[str, Any]:
    """``ingestion.pipelines.run_salesforce`` as a run does it, plus dlt's own step timings."""
    import dlt

    from ingestion.pipelines import run_salesforce
    from ingestion.salesforce.settings import PIPELINE_NAME

    pipelines_dir = os.environ["ONEFUNNEL_DLT_PIPELINES_DIR"]
    started = time.perf_counter()
    counts = run_salesforce(pipelines_dir=pipelines_dir)
    seconds = time.perf_counter() - started
    steps = _steps(dlt.pipeline(pipeline_name=PIPELINE_NAME, pipelines_dir=pipelines_dir))
    return {"rows": counts, "steps": steps, "seconds": seconds}


def definitions_import() -> dict[str, Any]:
    """Import time of ``orchestration.definitions`` and of building ``defs()`` (what every Dagster process pays)."""
    started = time.perf_counter()
    from orchestration.definitions import defs

    imported = time.perf_counter()
    definitions = defs()
    built = time.perf_counter()
    jobs = len(list(definitions.resolve_all_job_defs()))
    return {
        "import_seconds": imported - started,
        "defs_seconds": built - imported,
        "seconds": built - started,
        "jobs": jobs,
    }


STAGES = {
    "emulator": emulator_probe,
    "ingest": ingest,
    "hubspot_emulator": hubspot_emulator_probe,
    "hubspot_ingest": hubspot_ingest,
    "definitions_import": definitions_import,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages")
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    result = STAGES[args.stage]()
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
