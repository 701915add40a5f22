"""Product events into raw_product_events: append-only on a timestamp cursor, the boundary de-duplicated
on event id, malformed events quarantined, and a run killed with SIGKILL mid-load then run again loses
and duplicates nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from files_support import query, write_jsonl

from ingestion.files.pipeline import run_product_events

EVENTS_SQL = "select event_id, user_id, event_name, cast(timestamp as varchar) from raw_product_events.events order by 1"


def _event(event_id: str, hour: int, name: str = "logged_in", user: str = "u1", **extra) -> dict:
    return {
        "event_id": event_id,
        "user_id": user,
        "event_name": name,
        "timestamp": f"2025-03-01T{hour:02d}:00:00Z",
        **extra,
    }


def _run(tmp_path: Path) -> dict[str, int]:
    return run_product_events(
        warehouse=str(tmp_path / "wh.duckdb"),
        pipelines_dir=str(tmp_path / "dlt"),
        bucket_url=str(tmp_path / "files"),
    )


def test_cursor_appends_new_events_once_and_dedupes_the_boundary(tmp_path: Path) -> None:
    files = tmp_path / "files"
    write_jsonl(
        files / "day1.jsonl",
        [
            _event("e1", 10, "signed_up", email="Ann@Example.com", properties={"plan": "trial", "seats": 3}),
            _event("e2", 11),
            _event("e3", 12),  # the boundary: the greatest timestamp of run 1
            "{not json",  # line 4
            {
                "event_id": "e9",
                "event_name": "logged_in",
                "timestamp": "2025-03-01T12:30:00Z",
            },  # line 5: no user
        ],
    )
    assert _run(tmp_path) == {"events": 3, "event_quarantine": 2}
    warehouse = tmp_path / "wh.duckdb"
    assert [r[0] for r in query(warehouse, EVENTS_SQL)] == ["e1", "e2", "e3"]
    [(props,)] = query(warehouse, "select properties from raw_product_events.events where event_id = 'e1'")
    assert json.loads(props) == {"plan": "trial", "seats": 3}
    quarantined = query(
        warehouse, "select line_number, reason from raw_product_events.event_quarantine order by 1"
    )
    assert quarantined[0][0] == 4 and quarantined[0][1].startswith("invalid JSON")
    assert quarantined[1] == (5, "user_id is missing")

    write_jsonl(
        files / "day2.jsonl",
        [
            _event("e3", 12),  # redelivered boundary event: same id and time -> not loaded again
            {
                "messageId": "e4",
                "userId": "u2",
                "event": "signed_up",
                "timestamp": "2025-03-01T12:00:00Z",
            },  # same time, new id
            _event("e5", 13),
        ],
    )
    assert _run(tmp_path) == {"events": 2}  # e4 and e5; the quarantine of day1.jsonl is merged, not re-added
    rows = query(warehouse, EVENTS_SQL)
    assert [r[0] for r in rows] == ["e1", "e2", "e3", "e4", "e5"]
    assert rows[3][1:3] == ("u2", "signed_up")  # Segment field names mapped
    assert _run(tmp_path) == {}  # re-reading every file adds nothing
    assert query(warehouse, EVENTS_SQL) == rows
    assert len(query(warehouse, "select * from raw_product_events.event_quarantine")) == 2


KILLED_RUN = """
import sys
from ingestion.files.pipeline import run_product_events
run_product_events(warehouse=sys.argv[1], pipelines_dir=sys.argv[2], bucket_url=sys.argv[3])
"""


def test_run_killed_mid_load_then_rerun_loses_and_duplicates_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    expected = {f"k{i:05d}" for i in range(500)}
    write_jsonl(
        tmp_path / "files" / "batch.jsonl",
        [
            {
                "event_id": f"k{i:05d}",
                "user_id": f"u{i % 97}",
                "event_name": "logged_in",
                "timestamp": (start + dt.timedelta(minutes=i)).isoformat(),
            }
            for i in range(500)
        ],
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_RUN,
            str(tmp_path / "wh.duckdb"),
            str(tmp_path / "dlt"),
            str(tmp_path / "files"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # extracted and normalized: kill it as the load starts
        lines.append(line)
        if "rows extracted" in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "".join(lines)[-2000:]

    capfd.readouterr()
    rows = _run(tmp_path)  # finishes the pending load, then finds nothing new
    assert rows == {}
    assert "loading pending data from a previous run" in capfd.readouterr().out  # it was killed mid-load
    loaded = [r[0] for r in query(tmp_path / "wh.duckdb", "select event_id from raw_product_events.events")]
    assert len(loaded) == len(expected) and set(loaded) == expected
    assert _run(tmp_path) == {}
    assert len(query(tmp_path / "wh.duckdb", "select event_id from raw_product_events.events")) == len(
        expected
    )


def test_properties_round_trip_exactly_without_the_keys_of_other_events(tmp_path: Path) -> None:
    """Each event's ``properties`` loads as its own JSON object: keys other events of the same load carry
    are not added (as nulls), nested values and types survive, and staging reads it back as text."""
    nested = {"plan": "trial", "seats": 3, "ratio": 0.5, "flags": [1, "two", None], "ctx": {"a": {"b": True}}}
    write_jsonl(
        tmp_path / "files" / "day.jsonl",
        [
            _event("p1", 10, "signed_up", properties={"plan": "trial", "utm_source": None}),
            _event("p2", 11, "data_source_connected", properties={"source": "onboarding"}),
            _event("p3", 12, properties=nested),
            _event("p4", 13),  # no properties: an empty object
        ],
    )
    assert _run(tmp_path) == {"events": 4}
    rows = dict(
        query(
            tmp_path / "wh.duckdb",
            "select event_id, cast(properties as varchar) from raw_product_events.events order by 1",
        )
    )
    assert {k: json.loads(v) for k, v in rows.items()} == {
        "p1": {"plan": "trial", "utm_source": None},
        "p2": {"source": "onboarding"},
        "p3": nested,
        "p4": {},
    }
