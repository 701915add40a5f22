"""``python -m bench --scale S|M|L [--stages ...]``: time, rows/s and peak memory of every pipeline stage.

Stages, in order (``--stages`` picks some; ``definitions`` does not depend on the scale):

  generate      generate_company at the scale's shape (in the company process)
  emulator      every object read through the emulator by a bare HTTP client (records/s served)
  ingest        dlt: run_salesforce into a fresh DuckDB warehouse (JSON API, pages loaded as Arrow)
  hubspot       the company served as a HubSpot portal: the emulator alone (hubspot_emulator) and
                run_hubspot's CRM (hubspot_ingest: contacts, companies, deals, history, associations)
                into a warehouse of its own
  dbt           dbt build (seeds, models, tests)
  checks        python -m data_quality
  publish       python -m orchestration.publish, when that module exists
  incremental   1 % of the records changed, then ingest, dbt, checks and publish again
  definitions   dagster definitions validate, and the import of orchestration.definitions:defs()

Every heavy stage is a child process: its peak memory is the peak RSS of that process tree (from
``wait4``), the company process's from ``/proc/<pid>/status`` VmHWM. Work files go to a temporary
directory (``--workdir`` to keep them); results are merged into bench/results.json and rendered to
bench/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import SHAPES
from bench.report import render_markdown

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
PY = sys.executable
BIN = Path(sys.executable).parent
PIPELINE_STAGES = ("generate", "emulator", "ingest", "hubspot", "dbt", "checks", "publish", "incremental")
ALL_STAGES = (*PIPELINE_STAGES, "definitions")
INCREMENTAL_FRACTION = 0.01
PYCACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "onefunnel" / "bench-pycache"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def vm_hwm_mb(pid: int) -> float:
    """Peak RSS (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def run_child(cmd: list[str], env: dict[str, str], log_path: Path) -> tuple[int, float, float]:
    """Run ``cmd`` to the end; (exit code, wall seconds, peak MB of its process tree)."""
    with log_path.open("ab") as out:
        out.write(f"$ {shlex.join(cmd)}\n".encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, seconds, usage.ru_maxrss / 1024


def stage_row(
    name: str, seconds: float, rows: int, peak_mb: float, ok: bool = True, **extra: Any
) -> dict[str, Any]:
    return {
        "stage": name,
        "seconds": round(seconds, 3),
        "rows": int(rows),
        "rows_per_s": round(rows / seconds, 1) if seconds > 0 else None,
        "peak_mb": round(peak_mb, 1),
        "ok": ok,
        **extra,
    }


class Company:
    """The company process (bench.worker): generates, serves, changes records on demand."""

    def __init__(
        self, scale: str, seed: int, env: dict[str, str], log_path: Path, hubspot: bool = False
    ) -> None:
        self.log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                PY,
                "-m",
                "bench.worker",
                "--scale",
                scale,
                "--seed",
                str(seed),
                *(["--hubspot"] if hubspot else []),
            ],
            env=env,
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def read(self, event: str) -> dict[str, Any]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not line.startswith("{"):  # not a protocol line (a library printing): keep it in the log
                self.log.write(line.encode())
                continue
            message = json.loads(line)
            if message["event"] == "error":
                raise RuntimeError(f"company process: {message['message']}")
            if message["event"] == event:
                return message
        raise RuntimeError(
            f"company process exited ({self.proc.wait()}) before {event!r}: see {self.log.name}"
        )

    def send(self, **command: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def peak_mb(self) -> float:
        return vm_hwm_mb(self.proc.pid)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(cmd="quit")
                self.proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def dbt_cmd(work: Path, target: str) -> list[str]:
    return [
        str(BIN / "dbt"),
        "build",
        "--project-dir",
        str(REPO_ROOT / "dbt_project"),
        "--profiles-dir",
        str(REPO_ROOT / "dbt_project"),
        "--target-path",
        str(work / target),
        "--log-path",
        str(work / "dbt_logs"),
        "--no-use-colors",
    ]


def slowest_models(run_results: Path, n: int = 10) -> list[dict[str, Any]]:
    """The slowest dbt nodes of a build (models, seeds and tests alike), from target/run_results.json."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text())["results"]
    results.sort(key=lambda r: r.get("execution_time") or 0, reverse=True)
    return [
        {"node": r["unique_id"], "seconds": round(r.get("execution_time") or 0, 2), "status": r["status"]}
        for r in results[:n]
    ]


def dbt_failures(run_results: Path) -> list[str]:
    if not run_results.exists():
        return ["no run_results.json"]
    results = json.loads(run_results.read_text())["results"]
    return [r["unique_id"] for r in results if r["status"] in ("error", "fail")]


def publish_available() -> bool:
    return (REPO_ROOT / "orchestration" / "publish.py").exists()


class StageLog(list):
    """The stage rows of a scale; every append saves the results so far (a long run can be cut short)."""

    def __init__(self, save: Callable[[list[dict[str, Any]]], None]) -> None:
        super().__init__()
        self.save = save

    def append(self, row: dict[str, Any]) -> None:
        super().append(row)
        self.save(self)


def run_pipeline_stages(
    prefix: str,
    stages: set[str],
    work: Path,
    env: dict[str, str],
    raw_rows: int,
    log_path: Path,
    rows_out: StageLog,
) -> list[dict[str, Any]]:
    """ingest, dbt, checks and publish once (``prefix`` names them, e.g. ``incremental_``)."""
    first = len(rows_out)
    if "ingest" in stages:
        log(f"{prefix}ingest")
        out = work / f"{prefix}ingest.json"
        code, seconds, peak = run_child(
            [PY, "-m", "bench.stages", "ingest", "--out", str(out)], env, log_path
        )
        if code != 0:
            raise RuntimeError(f"{prefix}ingest failed (exit {code}): see {log_path}")
        result = json.loads(out.read_text())
        loaded = sum(result["rows"].values())
        rows_out.append(
            stage_row(
                f"{prefix}ingest",
                seconds,
                loaded,
                peak,
                tables=result["rows"],
                source="salesforce",
                run_salesforce_seconds=round(result["seconds"], 3),  # without interpreter start-up
                run_rows_per_s=round(loaded / result["seconds"], 1),
                dlt_steps={k: round(v, 2) for k, v in result["steps"].items()},
            )
        )
        log(f"{prefix}ingest: {loaded:,} rows in {seconds:.1f}s ({loaded / seconds:,.0f} rows/s)")
    if "dbt" in stages:
        log(f"{prefix}dbt build")
        target = f"{prefix}dbt_target"
        code, seconds, peak = run_child(dbt_cmd(work, target), env, log_path)
        run_results = work / target / "run_results.json"
        failures = dbt_failures(run_results)
        rows_out.append(
            stage_row(
                f"{prefix}dbt",
                seconds,
                raw_rows,
                peak,
                ok=code == 0,
                failures=failures[:20],
                slowest=slowest_models(run_results),
            )
        )
        log(f"{prefix}dbt build: {seconds:.1f}s, exit {code}, {len(failures)} failing nodes")
    if "checks" in stages:
        log(f"{prefix}data-quality checks")
        cmd = [PY, "-m", "data_quality", "--reports-dir", str(work / f"{prefix}reports")]
        code, seconds, peak = run_child(cmd, env, log_path)
        # exit 1 = a blocking rule failed on the data (reported, not a benchmark failure); >1 = crash
        rows_out.append(
            stage_row(f"{prefix}checks", seconds, raw_rows, peak, ok=code in (0, 1), exit_code=code)
        )
        log(f"{prefix}checks: {seconds:.1f}s, exit {code}")
    if "publish" in stages:
        if publish_available():
            log(f"{prefix}publish")
            code, seconds, peak = run_child([PY, "-m", "orchestration.publish"], env, log_path)
            rows_out.append(
                stage_row(f"{prefix}publish", seconds, raw_rows, peak, ok=code == 0, exit_code=code)
            )
            log(f"{prefix}publish: {seconds:.1f}s, exit {code}")
        else:
            rows_out.append(
                {"stage": f"{prefix}publish", "skipped": "orchestration/publish.py does not exist yet"}
            )
    return rows_out[first:]


def run_hubspot_stages(
    serving: dict[str, Any], work: Path, env: dict[str, str], log_path: Path, rows_out: StageLog
) -> None:
    """The HubSpot CRM source: the emulator alone, then run_hubspot into a warehouse of its own."""
    hs_env = {
        **env,
        "SOURCES__HUBSPOT__BASE_URL": serving["hubspot_base_url"],
        "SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN": serving["hubspot_token"],
        "ONEFUNNEL_WAREHOUSE": str(work / "hubspot.duckdb"),
        "ONEFUNNEL_DLT_PIPELINES_DIR": str(work / "dlt_pipelines_hubspot"),
    }
    records = serving["hubspot_records"]
    log(f"HubSpot portal ({records}) built in {serving['hubspot_portal_seconds']:.1f}s")
    for stage in ("hubspot_emulator", "hubspot_ingest"):
        log(stage)
        out = work / f"{stage}.json"
        code, seconds, peak = run_child(
            [PY, "-m", "bench.stages", stage, "--out", str(out)], hs_env, log_path
        )
        if code != 0:
            raise RuntimeError(f"{stage} failed (exit {code}): see {log_path}")
        result = json.loads(out.read_text())
        n = sum(result["rows"].values())
        extra: dict[str, Any] = {
            "tables": result["rows"],
            "process_seconds": round(seconds, 3),
            "source": "hubspot",
        }
        if stage == "hubspot_ingest":
            extra["dlt_steps"] = {k: round(v, 2) for k, v in result["steps"].items()}
        else:
            extra["requests"] = result["requests"]
            extra["portal_seconds"] = round(serving["hubspot_portal_seconds"], 3)
        if stage == "hubspot_ingest":  # as the Salesforce ingest row: the whole process, and the run alone
            extra.update(
                run_seconds=round(result["seconds"], 3), run_rows_per_s=round(n / result["seconds"], 1)
            )
            rows_out.append(stage_row(stage, seconds, n, peak, **extra))
        else:  # as the Salesforce emulator row: the client's reading time, without its start-up
            rows_out.append(stage_row(stage, result["seconds"], n, peak, **extra))
        log(
            f"{stage}: {n:,} rows in {result['seconds']:.1f}s ({n / result['seconds']:,.0f} rows/s), process {seconds:.1f}s"
        )


def run_scale(
    scale: str, stages: set[str], seed: int, work: Path, save: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Every stage at one scale; ``save`` gets the result so far after each stage (``complete`` false)."""
    shape = SHAPES[scale]
    meta: dict[str, Any] = {
        "scale": scale,
        "shape": {"scale": shape.scale, "sizes": shape.sizes, "target": shape.target},
        "load_average_at_start": os.getloadavg(),
    }
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "bench.log"
    warehouse = work / "warehouse.duckdb"
    env = child_env(
        {
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_DLT_PIPELINES_DIR": str(work / "dlt_pipelines"),
            "ONEFUNNEL_REPORTS_DIR": str(work / "reports"),
            "ONEFUNNEL_DBT_TARGET": "duckdb",
            "ONEFUNNEL_SOURCES": "salesforce",  # the sandbox company is a Salesforce org
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(REPO_ROOT),
        }
    )
    log(f"scale {scale} ({shape.target}): generating the company (work dir {work})")
    company = Company(scale, seed, env, log_path, hubspot="hubspot" in stages)
    rows = StageLog(lambda r: save({**meta, "complete": False, "stages": list(r)}))
    try:
        generated = company.read("generated")
        produced: dict[str, int] = generated["rows"]
        total = sum(produced.values())
        meta["shape"].update(start_date=generated["start_date"], end_date=generated["end_date"])
        meta.update(records=produced, persons=produced["Contact"] + produced["Lead"])
        rows.append(stage_row("generate", generated["seconds"], total, generated["peak_mb"], tables=produced))
        log(f"generated {total:,} records in {generated['seconds']:.1f}s")
        serving = company.read("serving")
        env.update(
            {
                "SOURCES__SALESFORCE__BASE_URL": serving["base_url"],
                "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID": serving["client_id"],
                "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET": serving["client_secret"],
                "ONEFUNNEL_AS_OF_DATE": str(generated["end_date"]),
            }
        )
        if "emulator" in stages:
            log("emulator alone: reading every object over HTTP")
            out = work / "emulator.json"
            cmd = [PY, "-m", "bench.stages", "emulator", "--out", str(out)]
            code, seconds, peak = run_child(cmd, env, log_path)
            if code != 0:
                raise RuntimeError(f"emulator probe failed (exit {code}): see {log_path}")
            result = json.loads(out.read_text())
            served = sum(result["rows"].values())
            process_seconds, seconds = seconds, result["seconds"]
            rows.append(
                stage_row(
                    "emulator",
                    seconds,
                    served,
                    max(peak, company.peak_mb()),
                    tables=result["rows"],
                    mb_served=round(result["bytes"] / 2**20, 1),
                    client_peak_mb=round(peak, 1),
                    process_seconds=round(process_seconds, 3),
                )
            )
            log(f"emulator: {served:,} records in {seconds:.1f}s ({served / seconds:,.0f} records/s)")
        if "hubspot" in stages:
            run_hubspot_stages(serving, work, env, log_path, rows)
        run_pipeline_stages("", stages, work, env, total, log_path, rows)
        if "incremental" in stages:
            log(f"changing {INCREMENTAL_FRACTION:.0%} of the records")
            company.send(cmd="change", fraction=INCREMENTAL_FRACTION)
            changed = company.read("changed")
            n_changed = sum(changed["rows"].values())
            rows.append(
                stage_row("incremental_change", changed["seconds"], n_changed, 0.0, tables=changed["rows"])
            )
            inc = run_pipeline_stages(
                "incremental_",
                stages & {"ingest", "dbt", "checks", "publish"},
                work,
                env,
                total,
                log_path,
                rows,
            )
            timed = [r for r in inc if "seconds" in r]
            rows.append(
                stage_row(
                    "incremental_total",
                    sum(r["seconds"] for r in timed),
                    n_changed,
                    max(r["peak_mb"] for r in timed),
                )
            )
        rows.append({"stage": "company_process", "peak_mb": round(company.peak_mb(), 1)})
    finally:
        company.close()
    full = [r for r in rows if r.get("stage") in ("ingest", "dbt", "checks", "publish") and "seconds" in r]
    if full:
        rows.append(
            stage_row(
                "full_total",
                generated["seconds"] + sum(r["seconds"] for r in full),
                total,
                max([r["peak_mb"] for r in full] + [generated["peak_mb"]]),
            )
        )
    return {
        **meta,
        "complete": True,
        "load_average_at_end": os.getloadavg(),
        "stages": list(rows),
    }


def run_definitions(work: Path) -> list[dict[str, Any]]:
    """Dagster definitions load: the CLI validation and the import of defs() (no company needed)."""
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "bench.log"
    env = child_env({"PYTHONPATH": str(REPO_ROOT), "DAGSTER_HOME": str(work / "dagster_home")})
    (work / "dagster_home").mkdir(exist_ok=True)
    log("dagster definitions validate -m orchestration.definitions")
    cmd = [str(BIN / "dagster"), "definitions", "validate", "-m", "orchestration.definitions"]
    code, seconds, peak = run_child(cmd, env, log_path)
    rows = [stage_row("definitions_validate", seconds, 0, peak, ok=code == 0, exit_code=code)]
    out = work / "definitions.json"
    code, seconds, peak = run_child(
        [PY, "-m", "bench.stages", "definitions_import", "--out", str(out)], env, log_path
    )
    result = json.loads(out.read_text()) if code == 0 else {}
    rows.append(
        stage_row(
            "definitions_import",
            result.get("seconds", seconds),
            0,
            peak,
            ok=code == 0,
            process_seconds=round(seconds, 3),
            import_seconds=round(result.get("import_seconds", 0.0), 3),
            defs_seconds=round(result.get("defs_seconds", 0.0), 3),
        )
    )
    log(f"definitions: validate {rows[0]['seconds']:.1f}s, import+defs() {rows[1]['seconds']:.1f}s")
    return rows


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of every child: Python may cache bytecode (in a cache of its own, not in the tree).

    With PYTHONDONTWRITEBYTECODE and no compiled .venv, every process compiles dlt, dbt, Dagster and
    Great Expectations from source again (about 25 s per process on the shared 2-core machine): that is
    not what a user's second run costs, so the benchmark measures with a bytecode cache.
    """
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    return env


def warm_up(root: Path) -> None:
    """Compile (into the bytecode cache) what the stages import, so no stage pays for it."""
    root.mkdir(parents=True, exist_ok=True)
    log("warm-up: filling the bytecode cache (not timed)")
    code = (
        "import dlt, duckdb, requests, ingestion.pipelines, ingestion.salesforce, ingestion.sandbox, "
        "ingestion.sandbox.salesforce_emulator, data_quality.runner, dbt.cli.main, orchestration.definitions"
    )
    run_child([PY, "-c", code], child_env({"PYTHONPATH": str(REPO_ROOT)}), root / "warm_up.log")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def git_commit() -> str:
    """HEAD of the repo (marked when the tree has changes); ``BENCH_GIT_COMMIT`` for copies without .git."""
    if os.environ.get("BENCH_GIT_COMMIT"):
        return os.environ["BENCH_GIT_COMMIT"]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True
        )
        return sha.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def merge_results(path: Path, run: dict[str, Any]) -> dict[str, Any]:
    """Merge this run into the results file: per scale, the latest run wins."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault("scales", {})
    for scale, result in run["scales"].items():
        data["scales"][scale] = result
    if run.get("definitions"):
        data["definitions"] = run["definitions"]
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", action="append", choices=sorted(SHAPES), help="repeatable; default S")
    parser.add_argument("--stages", nargs="+", choices=ALL_STAGES, default=list(ALL_STAGES))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", help="keep work files here (default: a temporary directory, removed)")
    parser.add_argument(
        "--results", default=str(BENCH_DIR / "results.json"), help="JSON results file to merge into"
    )
    parser.add_argument(
        "--markdown", default=str(BENCH_DIR / "results.md"), help="Markdown rendering of the results"
    )
    parser.add_argument("--no-warm-up", action="store_true", help="skip filling the bytecode cache first")
    args = parser.parse_args(argv)
    scales = args.scale or ["S"]
    stages = set(args.stages)
    command = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    results_path, markdown_path = Path(args.results), Path(args.markdown)
    about = {"command": command, "commit": git_commit(), "machine": machine(), "seed": args.seed}

    def save(run: dict[str, Any]) -> None:
        data = merge_results(results_path, run)
        results_path.write_text(json.dumps(data, indent=2, default=str) + "\n")
        markdown_path.write_text(render_markdown(data))

    run: dict[str, Any] = {"scales": {}}
    with tempfile.TemporaryDirectory(prefix="onefunnel-bench-") as tmp:
        root = Path(args.workdir) if args.workdir else Path(tmp)
        if not args.no_warm_up:
            warm_up(root)
        for scale in scales:
            started = {"started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **about}
            result = run_scale(
                scale,
                stages,
                args.seed,
                root / scale,
                lambda r, s=scale, st=started: save({"scales": {s: {**r, **st}}}),
            )
            run["scales"][scale] = {**result, **started}
            save({"scales": {scale: run["scales"][scale]}})
        if "definitions" in stages:
            run["definitions"] = {"stages": run_definitions(root / "definitions"), **about}
            save({"scales": {}, "definitions": run["definitions"]})
    log(f"results: {results_path}, {markdown_path}")
    failed = [
        f"{scale}/{r['stage']}"
        for scale, res in run["scales"].items()
        for r in res["stages"]
        if r.get("ok") is False
    ]
    if failed:
        log(f"stages that did not succeed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
