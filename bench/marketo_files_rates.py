"""Records per second of the Marketo and file sources, each measured on its own, and of the Marketo emulator.

``python -m bench.marketo_files_rates [--scale 5] [--members 15] [--events-scale 100] [--spend-copies 40]
[--only probe,marketo,ad_spend,product_events] [--profile DIR] [--work DIR]``

- ``probe``: the Marketo emulator alone: a bare ``requests`` client reads every page the source reads
  (activities of every type, 10 types a call, 300 a page; deleted leads; every lead by id, 300 a call, all
  fields), JSON decoded. The emulator runs in a process of its own (as a real API would), so the probe's
  rate is what the emulator can serve one client.
- ``marketo``: ``run_marketo`` of the same instance into a fresh DuckDB (extract, normalize, load).
- ``ad_spend`` / ``product_events``: ``run_ad_spend`` / ``run_product_events`` of the sandbox's files into a
  fresh DuckDB. The sandbox company has few paid campaigns, so the spend files are made from
  ``--spend-copies`` copies of its campaigns (new ids), and the events from ``--events-scale``.

Rates count the rows loaded (every table of the source) per second of wall time, and the source records
(activities + deleted leads + leads; spend rows; events) per second. ``--profile DIR`` writes a cProfile of
each run to ``DIR/<stage>.prof``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import shutil
import time
from pathlib import Path
from typing import Any


def _serve(company: Any, conn: Any) -> None:
    """The Marketo emulator of ``company``, in a process of its own (as a real API is)."""
    import gc

    from ingestion.sandbox.marketo_emulator import MarketoEmulator
    from ingestion.sandbox.marketo_shapes import instance_from_org

    instance = instance_from_org(company.salesforce)
    gc.collect()
    gc.freeze()  # the instance lives as long as the process: kept out of the cyclic GC's generations
    with MarketoEmulator(instance, daily_quota=10**9) as emu:
        conn.send((emu.base_url, emu.client_id, emu.client_secret))
        while conn.recv() == "cpu":  # the emulator's CPU seconds so far, until the parent says stop
            conn.send(time.process_time())


def probe(base_url: str, client_id: str, client_secret: str) -> dict[str, Any]:
    """Every page the source reads, with a bare HTTP client."""
    import requests

    from ingestion.marketo import settings

    started, cpu = time.perf_counter(), time.process_time()
    session = requests.Session()
    token = session.post(
        f"{base_url}/identity/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        timeout=60,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"

    def get(path: str, **params: Any) -> dict[str, Any]:
        body = session.get(f"{base_url}{path}", params=params, timeout=60).json()
        assert body["success"], body
        return body

    types = [t["id"] for t in get("/rest/v1/activities/types.json")["result"] if t["name"] != "Delete Lead"]
    fields = [f["rest"]["name"] for f in get("/rest/v1/leads/describe.json")["result"]]
    counts = {"activities": 0, "deleted_leads": 0, "leads": 0}
    lead_ids: set[int] = set()
    chunks = [types[i : i + 10] for i in range(0, len(types), 10)]
    for path, key, chunk in [("/rest/v1/activities.json", "activities", c) for c in chunks] + [
        ("/rest/v1/activities/deletedleads.json", "deleted_leads", None)
    ]:
        page_token = get("/rest/v1/activities/pagingtoken.json", sinceDatetime="2000-01-01T00:00:00Z")
        params: dict[str, Any] = {"batchSize": 300, "nextPageToken": page_token["nextPageToken"]}
        if chunk:
            params["activityTypeIds"] = ",".join(map(str, chunk))
        while True:
            body = get(path, **params)
            for a in body.get("result") or []:
                counts[key] += 1
                if key == "activities":
                    lead_ids.add(a["leadId"])
            if not body.get("moreResult"):
                break
            params["nextPageToken"] = body["nextPageToken"]
    ids = sorted(lead_ids)
    for i in range(0, len(ids), settings.LEAD_BATCH_SIZE):
        batch = ",".join(map(str, ids[i : i + settings.LEAD_BATCH_SIZE]))
        body = session.post(
            f"{base_url}/rest/v1/leads.json",
            params={"_method": "GET"},
            data={"filterType": "id", "filterValues": batch, "fields": ",".join(fields)},
            timeout=60,
        ).json()
        counts["leads"] += len(body.get("result") or [])
    seconds = time.perf_counter() - started
    return {"records": counts, "seconds": seconds, "cpu_seconds": time.process_time() - cpu}


def _timed(stage: str, fn: Any, profile_dir: Path | None) -> tuple[Any, float, float]:
    prof = cProfile.Profile() if profile_dir else None
    started, cpu = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    try:
        out = fn()
    finally:
        if prof:
            prof.disable()
            assert profile_dir is not None
            prof.dump_stats(str(profile_dir / f"{stage}.prof"))
    return out, time.perf_counter() - started, time.process_time() - cpu


def _steps(pipeline_name: str, pipelines_dir: Path) -> dict[str, float]:
    """Seconds per dlt step (extract, normalize, load) of the pipeline's last run."""
    import dlt

    trace = dlt.attach(pipeline_name, pipelines_dir=str(pipelines_dir)).last_trace
    steps: dict[str, float] = {}
    for step in trace.steps if trace else []:
        if step.finished_at and step.started_at:
            seconds = (step.finished_at - step.started_at).total_seconds()
            steps[step.step] = round(steps.get(step.step, 0.0) + seconds, 2)
    return steps


def _rates(rows: dict[str, int], records: int, seconds: float, cpu: float) -> dict[str, Any]:
    total = sum(rows.values())
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(total / seconds),
        "records": records,
        "records_per_second": round(records / seconds),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--members", type=float, default=15.0, help="sizes['campaign_members']")
    parser.add_argument("--events-scale", type=float, default=100.0)
    parser.add_argument("--spend-copies", type=int, default=40)
    parser.add_argument("--only", default="probe,marketo,ad_spend,product_events")
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/onefunnel_marketo_files_rates"))
    args = parser.parse_args(argv)
    stages = set(args.only.split(","))
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    from ingestion.sandbox import generate_company

    company = generate_company(seed=args.seed, scale=args.scale, sizes={"campaign_members": args.members})
    import gc

    gc.collect()
    gc.freeze()  # the generated company is the benchmark's, not the sources': kept out of the cyclic GC
    out: dict[str, Any] = {"scale": args.scale, "members": args.members}

    if stages & {"probe", "marketo"}:
        from ingestion.marketo import MarketoCredentials
        from ingestion.marketo.pipeline import run_marketo

        parent, child = multiprocessing.get_context("fork").Pipe()
        server = multiprocessing.get_context("fork").Process(
            target=_serve, args=(company, child), daemon=True
        )
        server.start()
        base_url, client_id, client_secret = parent.recv()
        try:
            if "probe" in stages:
                parent.send("cpu")
                served = parent.recv()
                result, seconds, cpu = _timed(
                    "probe", lambda: probe(base_url, client_id, client_secret), None
                )
                records = sum(result["records"].values())
                out["marketo_emulator"] = _rates(result["records"], records, seconds, cpu)
                parent.send("cpu")
                served = parent.recv() - served
                out["marketo_emulator"]["emulator_cpu_seconds"] = round(served, 2)
                out["marketo_emulator"]["records_per_emulator_cpu_second"] = round(records / served)
            if "marketo" in stages:
                work = args.work / "marketo"
                rows, seconds, cpu = _timed(
                    "marketo",
                    lambda: run_marketo(
                        str(work / "warehouse.duckdb"),
                        str(work / "dlt"),
                        base_url=base_url,
                        credentials=MarketoCredentials(client_id=client_id, client_secret=client_secret),
                    ),
                    args.profile,
                )
                records = sum(rows.get(t, 0) for t in ("activities", "deleted_leads", "leads"))
                out["marketo"] = _rates(rows, records, seconds, cpu)
                out["marketo"]["steps"] = _steps("onefunnel_marketo", work / "dlt")
        finally:
            parent.send("stop")
            server.join(30)

    if "ad_spend" in stages:
        from ingestion.files.pipeline import run_ad_spend
        from ingestion.sandbox.generator_spend import make_ad_spend, write_spend_files

        campaigns = company.salesforce.records("Campaign")
        copies = [{**c, "Id": f"{c['Id']}-{k}"} for k in range(args.spend_copies) for c in campaigns]
        spend = make_ad_spend(copies, company.start_date, company.end_date, args.seed)
        write_spend_files(spend, args.work / "spend_files", company.end_date)
        work = args.work / "ad_spend"
        rows, seconds, cpu = _timed(
            "ad_spend",
            lambda: run_ad_spend(
                str(work / "warehouse.duckdb"), str(work / "dlt"), bucket_url=str(args.work / "spend_files")
            ),
            args.profile,
        )
        records = sum(len(r) for r in spend.files.values())
        out["ad_spend"] = _rates(rows, records, seconds, cpu)
        out["ad_spend"]["steps"] = _steps("onefunnel_ad_spend", work / "dlt")

    if "product_events" in stages:
        import datetime as dt

        from ingestion.files.pipeline import run_product_events
        from ingestion.sandbox.generator_product import make_product_events, write_product_files

        start = dt.datetime.combine(company.start_date, dt.time(0), dt.UTC)
        end = dt.datetime.combine(company.end_date, dt.time(18), dt.UTC)
        events = make_product_events(company.salesforce, start, end, args.seed, args.events_scale)
        write_product_files(events, args.work / "event_files")
        work = args.work / "product_events"
        rows, seconds, cpu = _timed(
            "product_events",
            lambda: run_product_events(
                str(work / "warehouse.duckdb"), str(work / "dlt"), bucket_url=str(args.work / "event_files")
            ),
            args.profile,
        )
        out["product_events"] = _rates(rows, len(events) + 2, seconds, cpu)
        out["product_events"]["steps"] = _steps("onefunnel_product_events", work / "dlt")

    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
