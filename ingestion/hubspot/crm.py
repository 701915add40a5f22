"""CRM object resources: search windowed on last-modified, archived pass, history, associations, quarantine."""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.hubspot import settings
from ingestion.hubspot.crm_arrow import ASSOCIATION_SCHEMA, HISTORY_SCHEMA, records_table, rows_table
from ingestion.hubspot.helpers import HubSpotClient
from ingestion.hubspot.properties import BadValue, cast, column_hint, drift, effective_kinds, parse_datetime

logger = logging.getLogger(__name__)

QUARANTINE_TABLE = "property_quarantine"
ASSOCIATIONS_TABLE = "associations"
_META_HINTS = [
    {"name": "id", "data_type": "text", "nullable": False},
    {"name": "created_at", "data_type": "timestamp", "timezone": True},
    {"name": "updated_at", "data_type": "timestamp", "timezone": True},
    {"name": "archived_at", "data_type": "timestamp", "timezone": True},
    {"name": "is_deleted", "data_type": "bool"},
]


def _ms(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _archived_ms(rec: dict[str, Any]) -> int:
    return _ms(parse_datetime(rec.get("archivedAt"))) or 0


def to_row(
    obj: str, rec: dict[str, Any], kinds: dict[str, str], quarantine: list[dict[str, Any]]
) -> dict[str, Any]:
    """One API record as a typed row; values that do not fit their loaded type go to ``quarantine`` (null here)."""
    row: dict[str, Any] = {"id": str(rec["id"])}
    for name, value in (rec.get("properties") or {}).items():
        kind = kinds.get(name, "string")
        try:
            row[name] = cast(value, kind)
        except BadValue as e:
            row[name] = None
            quarantine.append(
                {
                    "object_type": obj,
                    "object_id": str(rec["id"]),
                    "property_name": name,
                    "value": None if value is None else str(value),
                    "loaded_type": kind,
                    "reason": str(e),
                    "detected_at": dt.datetime.now(dt.UTC),
                }
            )
    row["created_at"] = parse_datetime(rec.get("createdAt"))
    row["updated_at"] = parse_datetime(rec.get("updatedAt"))
    row["archived_at"] = parse_datetime(rec.get("archivedAt"))
    row["is_deleted"] = bool(rec.get("archived"))
    return row


def history_rows(records: list[dict[str, Any]], prop: str) -> list[dict[str, Any]]:
    """``propertiesWithHistory[prop]`` entries as rows (oldest first per record)."""
    out = []
    for rec in records:
        for h in reversed((rec.get("propertiesWithHistory") or {}).get(prop) or []):
            out.append(
                {
                    "object_id": str(rec["id"]),
                    "property_name": prop,
                    "value": str(h.get("value") or ""),
                    "changed_at": parse_datetime(h.get("timestamp")),
                    "source_type": h.get("sourceType"),
                    "source_id": h.get("sourceId"),
                    "updated_by_user_id": None
                    if h.get("updatedByUserId") is None
                    else str(h["updatedByUserId"]),
                }
            )
    return out


def association_rows(from_type: str, to_type: str, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v4 batch-read results as one row per (from, to, association type), labels kept."""
    out = []
    for res in results:
        for to in res.get("to") or []:
            for t in to.get("associationTypes") or []:
                out.append(
                    {
                        "from_object_type": from_type,
                        "from_id": str(res["from"]["id"]),
                        "to_object_type": to_type,
                        "to_id": str(to["toObjectId"]),
                        "association_category": t.get("category"),
                        "association_type_id": int(t["typeId"]),
                        "association_label": t.get("label"),
                    }
                )
    return out


def _side_tables(resource: DltResource, history_table: str | None) -> None:
    resource.apply_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="merge",
        create_table_variant=True,
        primary_key=["object_type", "object_id", "property_name", "value"],
        columns=[{"name": "detected_at", "data_type": "timestamp", "timezone": True}],
    )
    resource.apply_hints(
        table_name=ASSOCIATIONS_TABLE,
        write_disposition="merge",
        create_table_variant=True,
        primary_key=["from_object_type", "from_id", "to_object_type", "to_id", "association_type_id"],
        merge_key=["from_object_type", "from_id", "to_object_type"],
        columns=[
            {"name": "association_label", "data_type": "text"},
            {"name": "association_type_id", "data_type": "bigint"},
        ],
    )
    if history_table:
        resource.apply_hints(
            table_name=history_table,
            write_disposition="merge",
            create_table_variant=True,
            primary_key=["object_id", "changed_at", "value"],
            merge_key=["object_id"],
            columns=[
                {"name": "changed_at", "data_type": "timestamp", "timezone": True},
                *(
                    {"name": c, "data_type": "text"}
                    for c in (
                        "object_id",
                        "property_name",
                        "value",
                        "source_type",
                        "source_id",
                        "updated_by_user_id",
                    )
                ),
            ],
        )


def crm_resource(
    client: HubSpotClient,
    obj: str,
    definitions: list[dict[str, Any]],
    current: dict[str, str],
    stored: dict[str, str],
    initial_ms: int,
    search_cap: int,
    page_limit: int,
    lookback_ms: int = 0,
    window: tuple[int, int] | None = None,
    parallel: bool = True,
) -> DltResource:
    """Merge-on-id resource for ``obj``; also yields its history, associations and quarantined values.

    Incremental (``window`` None): search ``[cursor - lookback_ms, newest + 1)``; versions already loaded in
    the overlap (``(id, last-modified ms)`` kept in the source state) are skipped; the cursor never moves
    back. Backfill (``window = (from_ms, to_ms)``): search ``from <= last-modified < to`` and take archived
    records whose ``archivedAt`` falls in the window; no cursor is read or written.
    """
    prop = settings.CRM_OBJECTS[obj]
    kinds = effective_kinds(stored, current)
    for name, (was, now) in drift(stored, current).items():
        logger.warning(
            "HubSpot %s.%s changed type from %s to %s: still loaded as %s; values that do not parse "
            "as %s go to %s, never coerced",
            obj,
            name,
            was,
            now,
            was,
            was,
            QUARANTINE_TABLE,
        )
    names = [d["name"] for d in definitions]
    history = settings.HISTORY.get(obj)

    def records() -> Iterator[Any]:
        state = dlt.current.source_state()
        cursor = int(state.get("cursors", {}).get(obj, initial_ms))
        lo = max(initial_ms, cursor - lookback_ms)
        seen = {(i, int(m)) for i, m in state.get("recent_versions", {}).get(obj, [])}
        archived_after = int(state.get("archived_cursors", {}).get(obj, -1))
        hi = cursor
        recent: deque[tuple[str, int]] = deque()  # (id, last-modified ms) read within the look-back
        newest = -1
        top = client.search_max_modified(obj, prop)
        if top is not None and top + 1 > lo:
            hi = max(cursor, top + 1)
            for page in client.search(obj, prop, lo, top + 1, names, search_cap, page_limit):
                read = [(str(r["id"]), _modified_ms(r)) for r in page]
                if lookback_ms:
                    recent.extend(read)
                    newest = max([newest, *(m for _, m in read)])
                    while recent and recent[0][1] < newest - lookback_ms:
                        recent.popleft()
                yield from _page_items([r for r, v in zip(page, read, strict=True) if v not in seen])
        newest_archived = archived_after
        for fresh in _archived(lambda at: at > archived_after):
            newest_archived = max([newest_archived, *(_archived_ms(r) for r in fresh)])
            yield from _rows(fresh)
        # the cursor moves only here, after every page was read; dlt commits state with the load package
        state.setdefault("cursors", {})[obj] = hi
        state.setdefault("archived_cursors", {})[obj] = newest_archived
        state.setdefault("property_types", {})[obj] = {**current, **stored}
        # the versions the next run's overlap [hi - lookback, ...) re-reads: skipped there, not re-extracted
        keep = sorted({v for v in (*recent, *seen) if v[1] >= hi - lookback_ms})
        if len(keep) > settings.LOOKBACK_SEEN_MAX:
            logger.info(
                "HubSpot %s: %d versions in the %d s look-back, more than %d: the next run re-extracts them",
                obj,
                len(keep),
                lookback_ms // 1000,
                settings.LOOKBACK_SEEN_MAX,
            )
            keep = []
        state.setdefault("recent_versions", {})[obj] = [list(v) for v in keep]

    def window_records() -> Iterator[Any]:
        assert window is not None
        state = dlt.current.source_state()  # the backfill pipeline's own state: property types only
        lo, hi = window
        for page in client.search(obj, prop, lo, hi, names, search_cap, page_limit):
            yield from _page_items(page)
        for archived in _archived(lambda at: lo <= at < hi):
            yield from _rows(archived)
        state.setdefault("property_types", {})[obj] = {**current, **stored}

    def _archived(keep: Any) -> Iterator[list[dict[str, Any]]]:
        """Pages of archived records whose ``archivedAt`` (epoch ms) passes ``keep``."""
        params = {"archived": "true", "limit": settings.LIST_PAGE_LIMIT, "properties": ",".join(names)}
        for page in client.pages(f"/crm/v3/objects/{obj}", f"{obj} archived list", params):
            fresh = [r for r in page if keep(_archived_ms(r))]
            if fresh:
                yield fresh

    def _rows(page: list[dict[str, Any]]) -> Iterator[Any]:
        quarantine: list[dict[str, Any]] = []
        yield records_table(obj, page, kinds, quarantine)  # to_row for the whole page, as Arrow
        if quarantine:
            yield dlt.mark.with_table_name(quarantine, QUARANTINE_TABLE)

    def _modified_ms(rec: dict[str, Any]) -> int:
        return _ms(parse_datetime((rec.get("properties") or {}).get(prop))) or -1

    def _page_items(page: list[dict[str, Any]]) -> Iterator[Any]:
        if not page:
            return
        ids = [str(r["id"]) for r in page]
        # the page's history and association reads go out together (threads), while its rows are typed
        calls = {}
        if history:
            calls["history"] = lambda: client.batch_read(obj, ids, ["hs_object_id"], [history[0]])
        for to_type in settings.ASSOCIATIONS.get(obj, ()):
            calls[to_type] = lambda to_type=to_type: client.associations(obj, to_type, ids)
        results = client.concurrently(calls)
        yield from _rows(page)
        if history:
            hist = history_rows(results.pop("history")(), history[0])
            if hist:
                yield dlt.mark.with_table_name(rows_table(hist, HISTORY_SCHEMA), history[1])
        for to_type, result in results.items():
            assoc = association_rows(obj, to_type, result())
            if assoc:
                yield dlt.mark.with_table_name(rows_table(assoc, ASSOCIATION_SCHEMA), ASSOCIATIONS_TABLE)

    columns = [*_META_HINTS, *(column_hint(n, k) for n, k in kinds.items() if n not in ("id",))]
    # side-table variants first: dlt clones a variant from the resource hints present at that moment
    # Arrow tables are written as Parquet (no per-row normalising); the objects are read in parallel threads
    resource = dlt.resource(
        records if window is None else window_records, name=obj, file_format="parquet", parallelized=parallel
    )
    _side_tables(resource, history[1] if history else None)
    resource.apply_hints(table_name=obj, write_disposition="merge", primary_key="id", columns=columns)
    return resource
