"""Product track events from a database table (any SQLAlchemy URL) through dlt's ``sql_database`` source.

The table holds the common track-event shape, one row per event: an event id (``event_id``; Segment's
``id`` / ``message_id`` are accepted), ``user_id``, ``account_id`` (or ``group_id``), ``account_domain``,
``email``, the event name (``event_name`` or ``event``), ``timestamp`` and ``properties`` (JSON, or JSON
text). Other columns load as extra columns of ``events``. Configure it with
``SOURCES__PRODUCT_EVENTS__TABLE_URL`` (a secret: ``postgresql+psycopg2://user:password@host/db``;
SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3, which is not installed;
``sqlite:////path/events.db``...) and ``SOURCES__PRODUCT_EVENTS__TABLE_NAME`` (``schema.table`` or
``table``); ``..._TIMESTAMP_COLUMN`` / ``..._ID_COLUMN`` name other columns. The URL's driver must be
installed: ``psycopg2`` (PostgreSQL) is, SQLite needs none, DuckDB needs ``duckdb-engine`` (not a project
dependency). The timestamp column should carry a time zone (``timestamptz``); naive values are UTC.

Rows are read with a cursor on the timestamp pushed into the query (``WHERE timestamp >= last``), appended
to ``events`` and de-duplicated on the event id at the cursor boundary (dlt keeps their hashes), like the
file path. A row with no usable id, user, name or timestamp goes to ``event_quarantine`` with the reason:
``file_path`` names the table (``table:<name>``) and, a table having no line numbers, ``line_number`` holds a
stable fingerprint of the row, so a row read again (a NULL timestamp is read on every run) adds nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.files import settings
from ingestion.files.arrow_tables import events_table
from ingestion.files.product_events import (
    EVENT_COLUMNS,
    QUARANTINE_COLUMNS,
    _timestamp,
    events_hints,
    in_window,
    parse_event,
)


def table_resources(
    url: str,
    table_name: str,
    timestamp_column: str,
    id_column: str,
    initial_timestamp: str | None,
    window: tuple[dt.datetime, dt.datetime] | None,
) -> list[DltResource]:
    """The table's rows (cursor on ``timestamp_column``, or the ``window``) as ``events`` and
    ``event_quarantine`` rows."""
    from dlt.sources.sql_database import sql_table

    schema, _, name = table_name.rpartition(".")
    if window is not None:  # a bounded range: dlt neither reads nor stores the cursor state
        cursor = dlt.sources.incremental(
            timestamp_column,
            initial_value=window[0],
            end_value=window[1],
            range_start="closed",
            range_end="open",
            primary_key=(),
            on_cursor_value_missing="include",
        )
    else:
        cursor = dlt.sources.incremental(
            timestamp_column,
            initial_value=_timestamp(initial_timestamp) if initial_timestamp else None,
            primary_key=id_column,
            on_cursor_value_missing="include",  # quarantined below, never a failed run
        )
    rows = sql_table(
        credentials=url,
        table=name,
        schema=schema or None,
        incremental=cursor,
        chunk_size=settings.PRODUCT_TABLE_CHUNK_SIZE,
        backend="sqlalchemy",
        reflection_level="minimal",  # the table's own columns are not the warehouse's
    ).with_name("product_event_table_rows")
    source_name = f"table:{table_name}"

    def events(items: list[dict[str, Any]]) -> Iterator[Any]:
        good: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        for raw in items:
            event, reason = parse_event(_common_shape(raw, timestamp_column, id_column))
            if event is None:
                bad.append(_quarantine_row(source_name, raw, reason))
            elif in_window(event, window):
                good.append(event)
        if good:
            yield events_table(good)  # properties as JSON text: never unioned with other events' keys
        if bad:
            yield dlt.mark.with_table_name(bad, settings.PRODUCT_QUARANTINE_TABLE)

    resource = dlt.transformer(
        events, name="product_event_table_events", data_from=rows, file_format="parquet"
    )
    # the side-table variant first: dlt clones a variant from the hints present at that moment
    resource.apply_hints(
        table_name=settings.PRODUCT_QUARANTINE_TABLE,
        create_table_variant=True,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        primary_key=["file_path", "line_number"],
        columns=QUARANTINE_COLUMNS,
    )
    resource.apply_hints(table_name=settings.PRODUCT_TABLE, columns=EVENT_COLUMNS, **events_hints(window))
    return [resource]


def _common_shape(raw: dict[str, Any], timestamp_column: str, id_column: str) -> dict[str, Any]:
    """The row with its id and time columns named as in a track event, and JSON text parsed."""
    row: dict[str, Any] = {}
    for key, value in raw.items():
        name = "timestamp" if key == timestamp_column else "event_id" if key == id_column else key
        row[name] = value
    props = row.get("properties")
    if isinstance(props, str):
        with contextlib.suppress(json.JSONDecodeError):  # else parse_event quarantines it (not an object)
            row["properties"] = json.loads(props) if props.strip() else None
    return row


def _quarantine_row(source_name: str, raw: dict[str, Any], reason: str | None) -> dict[str, Any]:
    text = json.dumps(raw, default=str, sort_keys=True)
    # a stable 63-bit fingerprint of the row stands in for the line number a table does not have
    fingerprint = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1
    return {"file_path": source_name, "line_number": fingerprint, "reason": reason, "raw_event": text}
