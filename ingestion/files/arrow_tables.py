"""Arrow tables of the file sources' rows: dlt writes them as Parquet without normalising row by row.

Product events: one typed column per track-event field, ``properties`` as the JSON text of the event's own
object (so a load never unions the keys of different events into each other's ``properties``, and the text
round-trips exactly), and one column per extra field (a scalar type when every value has it, else JSON text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
import pyarrow as pa

# pyarrow imports pandas (when installed) on its first conversion of Python values: done at import, not
# first in a worker thread (a half-imported pandas breaks dlt's item-type checks)
pa.array([None])

TIMESTAMP = pa.timestamp("us", tz="UTC")
EVENT_TEXT_FIELDS = ("event_id", "user_id", "account_id", "account_domain", "email", "event_name")


def json_text(value: Any) -> str:
    """A JSON value as compact JSON text, keys in their own order (orjson; ``json`` for what it refuses,
    e.g. integers over 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, default=str, separators=(",", ":"))


def _extra_column(values: list[Any]) -> pa.Array:
    """An extra field: its scalar type when every value has one JSON type, else JSON text."""
    kinds = {v.__class__ for v in values if v is not None}
    if kinds == {str}:
        return pa.array(values, pa.string())
    if kinds == {bool}:
        return pa.array(values, pa.bool_())
    if kinds == {int}:
        try:
            return pa.array(values, pa.int64())
        except OverflowError:
            pass
    if kinds and kinds <= {int, float}:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array([None if v is None else json_text(v) for v in values], pa.string())


def events_table(events: Sequence[dict[str, Any]]) -> pa.Table:
    """Parsed track events (``product_events.parse_event``) as one table: the common fields typed,
    ``properties`` as JSON text, ``file_path`` when the events carry one, then the extra fields."""
    columns: dict[str, pa.Array] = {
        name: pa.array([e.get(name) for e in events], pa.string()) for name in EVENT_TEXT_FIELDS
    }
    columns["timestamp"] = pa.array([e["timestamp"] for e in events], TIMESTAMP)
    columns["properties"] = pa.array([json_text(e.get("properties") or {}) for e in events], pa.string())
    known = {*EVENT_TEXT_FIELDS, "timestamp", "properties"}
    extras: list[str] = []
    for e in events:
        if len(e) > len(known):
            extras += [k for k in e if k not in known and k not in extras]
    if "file_path" in extras:
        extras.remove("file_path")
        columns["file_path"] = pa.array([e.get("file_path") for e in events], pa.string())
    for name in extras:
        columns[name] = _extra_column([e.get(name) for e in events])
    schema = pa.schema(
        [
            pa.field(
                name, array.type, nullable=name not in ("event_id", "user_id", "event_name", "timestamp")
            )
            for name, array in columns.items()
        ]
    )
    return pa.Table.from_arrays(list(columns.values()), schema=schema)
