"""A BI reader of the published DuckDB marts, run as its own process by tests/orchestration/test_publish.py.

python tests/orchestration/published_reader.py fresh|held <stable path> <out.json> <stop file>

``fresh`` opens a new read-only connection on every iteration (a dashboard refresh); ``held`` keeps one
connection for the whole test (a notebook left open). Every iteration reads the publish manifest and
counts every table in the same connection; it records the run id seen, any table whose count differs
from the manifest, and every exception. It writes ``<out>.ready`` after its first good iteration and
the JSON summary once ``<stop file>`` exists.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def observe(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, int], list[str]]:
    """(run id, rows per table counted now, tables whose count differs from the manifest)."""
    manifest = con.execute("SELECT run_id, table_name, row_count FROM marts._onefunnel_publish").fetchall()
    run_ids = {r[0] for r in manifest}
    if len(run_ids) != 1:
        return ",".join(sorted(run_ids)), {}, ["manifest holds several runs"]
    counted = {
        table: con.execute(f'SELECT COUNT(*) FROM marts."{table}"').fetchone()[0] for _, table, _ in manifest
    }
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()
    }
    mismatches = [t for _, t, n in manifest if counted[t] != n]
    mismatches += sorted(tables - set(counted) - {"_onefunnel_publish"})  # a table outside the manifest
    return run_ids.pop(), counted, mismatches


def main(mode: str, stable: str, out: str, stop: str) -> int:
    seen: list[str] = []  # run id of each iteration, in order (consecutive repeats collapsed)
    counts: dict[str, dict[str, int]] = {}
    errors: list[str] = []
    mismatches: list[str] = []
    iterations = 0
    held = duckdb.connect(stable, read_only=True) if mode == "held" else None
    started = time.monotonic()
    while not Path(stop).exists() and time.monotonic() - started < 600:
        try:
            con = held or duckdb.connect(stable, read_only=True)
            try:
                run_id, counted, bad = observe(con)
            finally:
                if held is None:
                    con.close()
        except Exception as exc:  # every failure is a finding, never a crash
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        iterations += 1
        if not seen or seen[-1] != run_id:
            seen.append(run_id)
        if counts.setdefault(run_id, counted) != counted:
            mismatches.append(f"{run_id}: counts changed between iterations")
        mismatches += [f"{run_id}: {t}" for t in bad]
        if iterations == 1:
            Path(out + ".ready").touch()
    summary = {
        "iterations": iterations,
        "seen": seen,
        "counts": counts,
        "errors": errors,
        "mismatches": mismatches,
    }
    Path(out).write_text(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
