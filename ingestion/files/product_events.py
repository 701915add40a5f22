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
from dlt.common.storages.fsspec_filesystem import FileItemDict
from dlt.common.typing import TSecretStrValue
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem

from ingestion.files import settings
from ingestion.files.readers import bucket_credentials, read_rows

EVENT_COLUMNS: dict[str, Any] = {
    "event_id": {"data_type": "text", "nullable": False},
    "user_id": {"data_type": "text", "nullable": False},
    "account_id": {"data_type": "text"},
    "account_domain": {"data_type": "text"},
    "email": {"data_type": "text"},
    "event_name": {"data_type": "text", "nullable": False},
    "timestamp": {"data_type": "timestamp", "nullable": False},
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

    def parsed(items: list[FileItemDict]) -> Iterator[list[dict[str, Any]]]:
        for item in sorted(items, key=lambda i: i["relative_path"]):
            yield [event for event, _ in _parse_file(item) if event is not None and in_window(event, window)]

    cursor = dlt.sources.incremental("timestamp", initial_value=initial)

    def events_since_cursor(
        items: list[FileItemDict], timestamp: dlt.sources.incremental[dt.datetime] = cursor
    ) -> Iterator[list[dict[str, Any]]]:
        yield from parsed(items)

    # a window reads every event of its files: no cursor (and none is stored)
    events = dlt.transformer(name=settings.PRODUCT_TABLE, columns=EVENT_COLUMNS, **events_hints(window))(
        events_since_cursor if window is None else parsed
    )

    @dlt.transformer(
        name=settings.PRODUCT_QUARANTINE_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        primary_key=["file_path", "line_number"],
        columns=QUARANTINE_COLUMNS,
    )
    def event_quarantine(items: list[FileItemDict]) -> Iterator[list[dict[str, Any]]]:
        for item in sorted(items, key=lambda i: i["relative_path"]):
            yield [bad for event, bad in _parse_file(item) if bad is not None]

    changed_files = filesystem(
        **listing_kwargs,
        files_per_page=settings.FILES_PER_PAGE,
        incremental=None if window else dlt.sources.incremental("modification_date"),
    ).with_name("product_event_files_changed")
    return [files | events, changed_files | event_quarantine]


def _timestamp(value: Any) -> dt.datetime:
    """ISO 8601 (``Z`` allowed) or epoch seconds -> aware UTC datetime; naive values are taken as UTC."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    else:
        parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _parse_file(item: FileItemDict) -> Iterator[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    path = item["relative_path"]
    _, rows = read_rows(item)
    for line, raw in rows:
        event, reason = parse_event(raw)
        if event is not None:
            event["file_path"] = path
            yield event, None
        else:
            raw_text = raw.get("__raw__") if isinstance(raw, dict) and "__raw__" in raw else raw
            yield (
                None,
                {
                    "file_path": path,
                    "line_number": line,
                    "reason": reason,
                    "raw_event": raw_text if isinstance(raw_text, str) else json.dumps(raw_text, default=str),
                },
            )


def parse_event(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """One track event in the common shape, or (None, reason) when it is malformed."""
    if not isinstance(raw, dict):
        return None, "event is not a JSON object"
    if "__error__" in raw:
        return None, str(raw["__error__"])
    row = {settings.PRODUCT_ALIASES.get(k, k): v for k, v in raw.items()}
    traits = (row.get("context") or {}).get("traits") if isinstance(row.get("context"), dict) else None
    if row.get("email") is None and isinstance(traits, dict):
        row["email"] = traits.get("email")
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
    event = {f: (str(row[f]).strip() if row.get(f) is not None else None) for f in _FIELDS[:6]}
    event["timestamp"] = stamp
    event["properties"] = properties or {}
    extra = {k: v for k, v in row.items() if k not in _FIELDS and k != "context"}
    return {**event, **extra}, None
