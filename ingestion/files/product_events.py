"""Product track events (JSON lines or Parquet files in a folder or bucket) as a dlt source.

The common track-event shape: ``event_id``, ``user_id``, ``account_id`` (workspace, company id) or
``account_domain``, ``email``, ``event_name``, ``timestamp`` (ISO 8601) and ``properties`` (an object, kept
as JSON). Segment-style names (``messageId``, ``userId``, ``groupId``, ``event``) are accepted too.

Events are immutable: the ``events`` table is append-only with an incremental cursor on ``timestamp``;
events at the boundary timestamp are de-duplicated on ``event_id`` (dlt keeps their hashes in state), so
re-reading the same files adds nothing. An event with a timestamp before the cursor (a late file) is not
loaded: re-run from scratch (drop the pipeline state) to pick those up. Duplicates within one run (an
at-least-once tracker sending an event twice) are loaded and removed in staging on ``event_id``.
Malformed events (no id, user, name, or an unparseable timestamp, invalid JSON) go to
``event_quarantine`` with file, line and reason; only new or changed files are checked (incremental on
the file modification date), merged on (file, line) so a re-delivered file adds nothing.

Events load as Arrow tables (Parquet on DuckDB): ``properties`` is the JSON text of the event's own object
in a JSON column, so no event gets the keys of other events of the same load (as nulls) and it round-trips
exactly. Each new file is parsed once a run (the two transformers share the result).

A database table in the same shape can be read instead of (or as well as) files: ``table_url`` (a
SQLAlchemy URL, ``SOURCES__PRODUCT_EVENTS__TABLE_URL``) and ``table_name``; see ``product_events_table``.

History backfills (``events_from``/``events_to``): every file (or the table's rows in the window) is read
without the cursor, and only events timed in ``[events_from, events_to)`` load, replacing the rows with
the same event ids (``delete-insert`` on ``event_id``), so a window reread adds nothing and a backfill of
all history equals a full load (an event delivered twice in one read is loaded twice there too, and
removed in staging).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.storages.fsspec_filesystem import FileItemDict
from dlt.common.typing import TSecretStrValue
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem

from ingestion.files import settings
from ingestion.files.arrow_tables import TIMESTAMP, events_table, json_text
from ingestion.files.readers import bucket_credentials, read_rows

EVENT_COLUMNS: dict[str, Any] = {
    "event_id": {"data_type": "text", "nullable": False},
    "user_id": {"data_type": "text", "nullable": False},
    "account_id": {"data_type": "text"},
    "account_domain": {"data_type": "text"},
    "email": {"data_type": "text"},
    "event_name": {"data_type": "text", "nullable": False},
    "timestamp": {"data_type": "timestamp", "nullable": False},
    # the event's own JSON object as JSON text (Arrow string into a JSON column): never unioned with the
    # keys of other events of the load, round-trips exactly
    "properties": {"data_type": "json"},
    "file_path": {"data_type": "text"},
}
QUARANTINE_COLUMNS: dict[str, Any] = {
    "file_path": {"data_type": "text", "nullable": False},
    "line_number": {"data_type": "bigint", "nullable": False},
    "reason": {"data_type": "text"},
    "raw_event": {"data_type": "text"},
}
_FIELDS = (
    "event_id",
    "user_id",
    "account_id",
    "account_domain",
    "email",
    "event_name",
    "timestamp",
    "properties",
)


@dlt.source(name="product_events")
def product_events_source(
    bucket_url: str | None = None,
    credentials: Any = None,
    file_glob: str = settings.PRODUCT_FILE_GLOB,
    initial_timestamp: str | None = None,
    table_url: TSecretStrValue | None = None,
    table_name: str = settings.PRODUCT_SOURCE_TABLE,
    timestamp_column: str = "timestamp",
    id_column: str = "event_id",
    events_from: str | dt.datetime | None = None,
    events_to: str | dt.datetime | None = None,
) -> Iterable[DltResource]:
    """``events`` (append, cursor on timestamp) and ``event_quarantine`` from every matching file of
    ``bucket_url`` and/or the rows of the database table ``table_name`` at ``table_url``.

    ``initial_timestamp`` (ISO 8601): ignore events before it on the first run. ``events_from`` /
    ``events_to`` (ISO 8601, both or neither): load the window ``[from, to)`` instead (backfills).
    ``timestamp_column`` / ``id_column``: the table's event time and event id columns.
    """
    window = time_window(events_from, events_to)
    if not bucket_url and not table_url:
        raise ValueError(
            "product_events needs SOURCES__PRODUCT_EVENTS__BUCKET_URL (a folder or bucket of files) or "
            "SOURCES__PRODUCT_EVENTS__TABLE_URL (a SQLAlchemy URL of a database holding the events table)"
        )
    resources: list[DltResource] = []
    if table_url:
        from ingestion.files.product_events_table import table_resources

        resources += table_resources(
            str(table_url), table_name, timestamp_column, id_column, initial_timestamp, window
        )
    if bucket_url:
        resources += _file_resources(bucket_url, credentials, file_glob, initial_timestamp, window)
    return resources


def time_window(
    start: str | dt.datetime | None, end: str | dt.datetime | None
) -> tuple[dt.datetime, dt.datetime] | None:
    """``(start, end)`` as aware UTC datetimes, None when both are None; a clear error otherwise."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValueError("product events window: give both events_from and events_to, or neither")
    first, last = _timestamp(start), _timestamp(end)
    if first >= last:
        raise ValueError(f"product events window [{first.isoformat()}, {last.isoformat()}) is empty")
    return first, last


def events_hints(window: tuple[dt.datetime, dt.datetime] | None) -> dict[str, Any]:
    """Write disposition and keys of ``events``: append (deduplicated on the cursor boundary by event id)
    for the incremental path; for a window, delete-insert on ``event_id`` (no primary key: duplicates
    within the window load as they would on the incremental path, and are replaced as a whole)."""
    if window is None:
        return {"write_disposition": "append", "primary_key": "event_id"}
    return {
        "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
        "merge_key": "event_id",
    }


def in_window(event: dict[str, Any], window: tuple[dt.datetime, dt.datetime] | None) -> bool:
    return window is None or window[0] <= event["timestamp"] < window[1]


def _file_resources(
    bucket_url: str,
    credentials: Any,
    file_glob: str,
    initial_timestamp: str | None,
    window: tuple[dt.datetime, dt.datetime] | None,
) -> list[DltResource]:
    listing_kwargs: dict[str, Any] = {"bucket_url": bucket_url, "file_glob": file_glob}
    credentials = bucket_credentials(bucket_url, "product_events", credentials)
    if credentials is not None:
        listing_kwargs["credentials"] = credentials
    files = filesystem(**listing_kwargs, files_per_page=settings.FILES_PER_PAGE).with_name(
        "product_event_files"
    )
    initial = _timestamp(initial_timestamp) if initial_timestamp else None
    # Both transformers read the new files: each file is parsed once a run. The one reading a file first
    # leaves what the other needs: the events transformer its malformed rows (small), the quarantine its
    # parsed events (only for a file the events transformer has not reached yet, which it always will).
    bad_rows: dict[tuple[str, Any], list[dict[str, Any]]] = {}
    parsed_events: dict[tuple[str, Any], pa.Table | None] = {}

    def key(item: FileItemDict) -> tuple[str, Any]:
        return item["relative_path"], item["modification_date"]

    def parsed(items: list[FileItemDict]) -> Iterator[Any]:
        for item in sorted(items, key=lambda i: i["relative_path"]):
            if key(item) in parsed_events:
                table = parsed_events.pop(key(item))
            else:
                table, bad = parse_file(item)
                bad_rows[key(item)] = bad
            if table is not None and window is not None:
                table = table_in_window(table, window)
            if table is not None and table.num_rows:
                yield table

    cursor = dlt.sources.incremental("timestamp", initial_value=initial)

    def events_since_cursor(
        items: list[FileItemDict], timestamp: dlt.sources.incremental[dt.datetime] = cursor
    ) -> Iterator[Any]:
        yield from parsed(items)

    # a window reads every event of its files: no cursor (and none is stored)
    events = dlt.transformer(
        name=settings.PRODUCT_TABLE, columns=EVENT_COLUMNS, file_format="parquet", **events_hints(window)
    )(events_since_cursor if window is None else parsed)

    @dlt.transformer(
        name=settings.PRODUCT_QUARANTINE_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        primary_key=["file_path", "line_number"],
        columns=QUARANTINE_COLUMNS,
    )
    def event_quarantine(items: list[FileItemDict]) -> Iterator[list[dict[str, Any]]]:
        for item in sorted(items, key=lambda i: i["relative_path"]):
            if key(item) in bad_rows:
                bad = bad_rows.pop(key(item))
            else:
                parsed_events[key(item)], bad = parse_file(item)
            yield bad

    changed_files = filesystem(
        **listing_kwargs,
        files_per_page=settings.FILES_PER_PAGE,
        incremental=None if window else dlt.sources.incremental("modification_date"),
    ).with_name("product_event_files_changed")
    return [files | events, changed_files | event_quarantine]


def table_in_window(table: pa.Table, window: tuple[dt.datetime, dt.datetime]) -> pa.Table:
    """The events of ``table`` timed in ``[start, end)``."""
    import pyarrow.compute as pc

    stamps = table.column("timestamp")
    start, end = (pa.scalar(w, TIMESTAMP) for w in window)
    return table.filter(pc.and_(pc.greater_equal(stamps, start), pc.less(stamps, end)))


def parse_file(item: FileItemDict) -> tuple[pa.Table | None, list[dict[str, Any]]]:
    """The well-formed events of one file as a table (None when it has none) and its malformed rows.

    An event with only the common fields, text ids and name and a text timestamp goes straight into the
    columns; any other line goes through ``parse_event`` (aliases, extra fields, quarantine), which gives
    the same values for the plain ones."""
    path = item["relative_path"]
    columns: dict[str, list[Any]] = {f: [] for f in (*_TEXT_FIELDS, "timestamp", "properties")}
    texts = [columns[f] for f in _TEXT_FIELDS]
    stamps, props = columns["timestamp"], columns["properties"]
    others: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    _, rows = read_rows(item)
    for line, raw in rows:
        if raw.__class__ is dict and _FIELD_SET.issuperset(raw):
            values = [raw.get(f) for f in _TEXT_FIELDS]
            event_id, user_id, name = values[0], values[1], values[5]
            properties = raw.get("properties")
            if (
                all(v is None or v.__class__ is str for v in values)
                and event_id
                and event_id.strip()
                and user_id
                and user_id.strip()
                and name
                and name.strip()
                and (properties is None or properties.__class__ is dict)
            ):
                try:
                    stamp = _timestamp(raw.get("timestamp"))
                except (TypeError, ValueError, OverflowError):
                    pass  # parse_event quarantines it with its reason
                else:
                    for column, value in zip(texts, values, strict=True):
                        column.append(None if value is None else value.strip())
                    stamps.append(stamp)
                    props.append(json_text(properties or {}))
                    continue
        event, reason = parse_event(raw)
        if event is not None:
            event["file_path"] = path
            others.append(event)
        else:
            bad.append(_quarantine_row(path, line, raw, reason))
    tables = []
    if stamps:
        arrays = [pa.array(columns[f], pa.string()) for f in _TEXT_FIELDS]
        arrays += [pa.array(stamps, TIMESTAMP), pa.array(props, pa.string())]
        arrays.append(pa.array([path] * len(stamps), pa.string()))
        tables.append(pa.Table.from_arrays(arrays, schema=PLAIN_SCHEMA))
    if others:
        tables.append(events_table(others))
    if not tables:
        return None, bad
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
    return table, bad


def _timestamp(value: Any) -> dt.datetime:
    """ISO 8601 (``Z`` allowed) or epoch seconds -> aware UTC datetime; naive values are taken as UTC."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    else:
        parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _quarantine_row(path: str, line: int, raw: Any, reason: str | None) -> dict[str, Any]:
    raw_text = raw.get("__raw__") if isinstance(raw, dict) and "__raw__" in raw else raw
    return {
        "file_path": path,
        "line_number": line,
        "reason": reason,
        "raw_event": raw_text if isinstance(raw_text, str) else json.dumps(raw_text, default=str),
    }


def parse_event(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """One track event in the common shape, or (None, reason) when it is malformed."""
    if not isinstance(raw, dict):
        return None, "event is not a JSON object"
    if "__error__" in raw:
        return None, str(raw["__error__"])
    aliases = settings.PRODUCT_ALIASES
    row = raw if _ALIAS_KEYS.isdisjoint(raw) else {aliases.get(k, k): v for k, v in raw.items()}
    email = row.get("email")
    context = row.get("context")
    if email is None and isinstance(context, dict):
        traits = context.get("traits")
        if isinstance(traits, dict):
            email = traits.get("email")
    reasons = [
        f"{f} is missing" for f in ("event_id", "user_id", "event_name") if not str(row.get(f) or "").strip()
    ]
    stamp = None
    try:
        stamp = _timestamp(row.get("timestamp"))
    except (TypeError, ValueError, OverflowError):
        reasons.append(f"timestamp is not ISO 8601: {row.get('timestamp')!r}")
    properties = row.get("properties")
    if properties is not None and not isinstance(properties, dict):
        reasons.append("properties is not an object")
    if reasons:
        return None, "; ".join(reasons)
    event = {}
    for f in _TEXT_FIELDS:
        value = email if f == "email" else row.get(f)
        event[f] = (
            None if value is None else (value.strip() if value.__class__ is str else str(value).strip())
        )
    event["timestamp"] = stamp
    event["properties"] = properties or {}
    for k, v in row.items():
        if k not in _FIELD_SET and k != "context":
            event[k] = v
    return event, None


_TEXT_FIELDS = _FIELDS[:6]
_FIELD_SET = frozenset(_FIELDS)
_ALIAS_KEYS = frozenset(settings.PRODUCT_ALIASES)
PLAIN_SCHEMA = pa.schema(
    [pa.field(f, pa.string(), nullable=f not in ("event_id", "user_id", "event_name")) for f in _TEXT_FIELDS]
    + [
        pa.field("timestamp", TIMESTAMP, nullable=False),
        pa.field("properties", pa.string()),
        pa.field("file_path", pa.string()),
    ]
)
