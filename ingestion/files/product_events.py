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
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

import dlt
from dlt.common.storages.fsspec_filesystem import FileItemDict
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
    bucket_url: str = dlt.config.value,
    credentials: Any = None,
    file_glob: str = settings.PRODUCT_FILE_GLOB,
    initial_timestamp: str | None = None,
) -> Iterable[DltResource]:
    """``events`` (append, cursor on timestamp) and ``event_quarantine`` from every matching file.

    ``initial_timestamp`` (ISO 8601): ignore events before it on the first run.
    """
    listing_kwargs: dict[str, Any] = {"bucket_url": bucket_url, "file_glob": file_glob}
    credentials = bucket_credentials(bucket_url, "product_events", credentials)
    if credentials is not None:
        listing_kwargs["credentials"] = credentials
    files = filesystem(**listing_kwargs, files_per_page=settings.FILES_PER_PAGE).with_name(
        "product_event_files"
    )
    initial = _timestamp(initial_timestamp) if initial_timestamp else None

    cursor = dlt.sources.incremental("timestamp", initial_value=initial)

    @dlt.transformer(
        name=settings.PRODUCT_TABLE,
        write_disposition="append",
        primary_key="event_id",
        columns=EVENT_COLUMNS,
    )
    def events(
        items: list[FileItemDict],
        timestamp: dlt.sources.incremental[dt.datetime] = cursor,
    ) -> Iterator[list[dict[str, Any]]]:
        for item in sorted(items, key=lambda i: i["relative_path"]):
            yield [event for event, _ in _parse_file(item) if event is not None]

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
        incremental=dlt.sources.incremental("modification_date"),
    ).with_name("product_event_files_changed")
    return files | events, changed_files | event_quarantine


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
