"""The CRM handlers of the HubSpot emulator: object lists, search, batch read, properties, associations."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ingestion.sandbox.hubspot_portal import ASSOCIATION_TYPE_IDS, Association, HsRecord

_SEARCH_CACHE_SIZE = 8

DEFAULT_PROPERTIES: dict[str, list[str]] = {
    "contacts": ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
    "companies": ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
    "deals": [
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ],
}


def error(message: str, category: str) -> dict[str, Any]:
    """HubSpot's error body."""
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}


def _csv(value: str | None) -> list[str] | None:
    return [p for p in value.split(",") if p] if value else None


@functools.lru_cache(maxsize=200_000)
def _ms(value: str | None) -> int | None:
    """A filter or property value as epoch ms: HubSpot accepts epoch ms strings and ISO datetimes."""
    if value is None or value == "":
        return None
    text = value
    if text.lstrip("-").isdigit():
        return int(text)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp() * 1000)


class CrmHandlers:
    """Handlers bound to one emulator (its portal and search cap)."""

    def __init__(self, emulator: Any, search_cap: int) -> None:
        self.emulator = emulator
        self.search_cap = search_cap
        # search results per query (a few: contacts, companies and deals may be paged at the same time)
        self._cache: OrderedDict[str, list[HsRecord]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._by_source: tuple[Any, dict[tuple[str, str, str], list[tuple[str, Association]]]] = (None, {})

    @property
    def portal(self) -> Any:
        return self.emulator.portal

    def _sorted(self, obj: str, archived: bool) -> list[HsRecord]:
        rows = self.portal.archived(obj) if archived else self.portal.live(obj)
        return sorted(rows, key=lambda r: int(r.id))

    def list_objects(self, obj: str, params: dict[str, str], path: str) -> tuple[int, Any]:
        from ingestion.sandbox.hubspot_emulator import page

        history = _csv(params.get("propertiesWithHistory"))
        props = _csv(params.get("properties")) or DEFAULT_PROPERTIES[obj]
        limit = min(int(params.get("limit") or 10), 50 if history else 100)
        rows = self._sorted(obj, params.get("archived") == "true")
        out = page(rows, {**params, "limit": str(limit)}, path, max_limit=limit, default_limit=limit)
        out["results"] = [r.to_json(props, history) for r in out["results"]]
        return 200, out

    def batch_read(self, obj: str, body: dict[str, Any]) -> tuple[int, Any]:
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return 400, error("Batch input limit is 100", "VALIDATION_ERROR")
        props = body.get("properties") or DEFAULT_PROPERTIES[obj]
        history = body.get("propertiesWithHistory") or None
        records = self.portal.records[obj]
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        results = [
            records[i["id"]].to_json(props, history)
            for i in inputs
            if i.get("id") in records and (records[i["id"]].archived_at is None) != bool(body.get("archived"))
        ]
        return 200, {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}

    def properties(self, obj: str) -> tuple[int, Any]:
        defs = self.portal.property_defs.get(obj)
        if defs is None:
            return 400, error(f"Unable to infer object type from: {obj}", "VALIDATION_ERROR")
        group = {
            "contacts": "contactinformation",
            "companies": "companyinformation",
            "deals": "dealinformation",
        }
        return 200, {"results": [d.to_json(group[obj]) for d in defs.values()]}

    # search ------------------------------------------------------------------------------------
    def _compile(self, obj: str, flt: dict[str, Any]) -> Callable[[HsRecord], bool]:
        """One search filter as a predicate (filter values converted once per request)."""
        name, op = str(flt.get("propertyName")), str(flt.get("operator", "EQ")).upper()
        definition = self.portal.property_defs[obj].get(name)
        kind = definition.type if definition is not None else "string"

        def conv(v: Any) -> Any:
            if v is None or v == "" or kind not in ("datetime", "date", "number"):
                return None if v == "" else v
            return float(v) if kind == "number" else _ms(str(v))

        def get(rec: HsRecord) -> Any:
            return rec.id if name == "hs_object_id" else rec.properties.get(name)

        lo, high, values = conv(flt.get("value")), conv(flt.get("highValue")), set(flt.get("values") or [])
        compare: dict[str, Callable[[Any], bool]] = {
            "EQ": lambda v: v == lo,
            "NEQ": lambda v: v != lo,
            "GT": lambda v: v is not None and v > lo,
            "GTE": lambda v: v is not None and v >= lo,
            "LT": lambda v: v is not None and v < lo,
            "LTE": lambda v: v is not None and v <= lo,
            "BETWEEN": lambda v: v is not None and lo <= v <= high,
        }
        if op == "HAS_PROPERTY":
            return lambda rec: get(rec) is not None
        if op == "NOT_HAS_PROPERTY":
            return lambda rec: get(rec) is None
        if op == "IN":
            return lambda rec: get(rec) in values
        test = compare.get(op, lambda v: False)
        return lambda rec: test(conv(get(rec)))

    def _matching(self, obj: str, body: dict[str, Any]) -> list[HsRecord]:
        """Filtered and sorted records, cached per (query, portal version) so paging a window is cheap."""
        key = json.dumps(
            [id(self.portal), self.portal.version, obj, body.get("filterGroups"), body.get("sorts")],
            sort_keys=True,
        )
        with self._cache_lock:
            if (hit := self._cache.get(key)) is not None:
                self._cache.move_to_end(key)
                return hit
        groups = body.get("filterGroups") or []
        preds = [[self._compile(obj, f) for f in g.get("filters", [])] for g in groups]
        rows = [r for r in self.portal.live(obj) if not preds or any(all(p(r) for p in g) for g in preds)]
        rows.sort(key=lambda r: int(r.id))
        for sort in reversed(body.get("sorts") or []):
            name = sort.get("propertyName") if isinstance(sort, dict) else str(sort).lstrip("-")
            desc = (
                (sort.get("direction") == "DESCENDING")
                if isinstance(sort, dict)
                else str(sort).startswith("-")
            )
            rows.sort(
                key=lambda r, n=name: (
                    _ms(r.properties.get(n)) or 0 if n.endswith("date") else (r.properties.get(n) or "")
                ),
                reverse=desc,
            )
        with self._cache_lock:
            self._cache[key] = rows
            while len(self._cache) > _SEARCH_CACHE_SIZE:
                self._cache.popitem(last=False)
        return rows

    def search(self, obj: str, body: dict[str, Any]) -> tuple[int, Any]:
        limit = int(body.get("limit") or 10)
        if limit > 200:
            return 400, error("limit must be <= 200", "VALIDATION_ERROR")
        offset = int(body.get("after") or 0)
        if offset >= self.search_cap:
            return 400, error(
                f"Cannot page beyond {self.search_cap} results: after={offset}, limit={limit}",
                "VALIDATION_ERROR",
            )
        rows = self._matching(obj, body)
        props = body.get("properties") or DEFAULT_PROPERTIES[obj]
        out: dict[str, Any] = {
            "total": len(rows),
            "results": [r.to_json(props) for r in rows[offset : offset + limit]],
        }
        if offset + limit < len(rows):
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return 200, out

    # associations and email events ------------------------------------------------------------
    def _associations_by_source(self) -> dict[tuple[str, str, str], list[tuple[str, Association]]]:
        """(from type, to type, from id) -> [(to id, association)], both directions, in portal order.

        Rebuilt when the portal changes (its version, or an association added): a batch read looks its
        ids up instead of scanning every association of the portal.
        """
        portal = self.portal
        stamp = (id(portal), portal.version, len(portal.associations))
        if self._by_source[0] != stamp:
            index: dict[tuple[str, str, str], list[tuple[str, Association]]] = {}
            for a in portal.associations:
                index.setdefault((a.from_type, a.to_type, a.from_id), []).append((a.to_id, a))
                index.setdefault((a.to_type, a.from_type, a.to_id), []).append((a.from_id, a))
            self._by_source = (stamp, index)
        return self._by_source[1]

    def associations(self, from_type: str, to_type: str, body: dict[str, Any]) -> tuple[int, Any]:
        ids = [str(i.get("id")) for i in body.get("inputs") or []]
        if len(ids) > 1000:
            return 400, error("Batch input limit is 1000", "VALIDATION_ERROR")
        found: dict[str, dict[str, list[dict[str, Any]]]] = {}
        index = self._associations_by_source()
        for sid in dict.fromkeys(ids):
            for did, a in index.get((from_type, to_type, sid), ()):
                type_ids = ASSOCIATION_TYPE_IDS[(from_type, to_type)]
                types = [{"category": "HUBSPOT_DEFINED", "typeId": type_ids["unlabeled"], "label": None}]
                if a.kind == "primary" and "primary" in type_ids:
                    types.insert(
                        0, {"category": "HUBSPOT_DEFINED", "typeId": type_ids["primary"], "label": "Primary"}
                    )
                types += [{"category": "USER_DEFINED", "typeId": t, "label": label} for t, label in a.labels]
                found.setdefault(sid, {}).setdefault(did, []).extend(types)
        results = [
            {
                "from": {"id": sid},
                "to": [
                    {"toObjectId": int(did), "associationTypes": types}
                    for did, types in sorted(found[sid].items())
                ],
            }
            for sid in ids
            if sid in found
        ]
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        return 200, {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}

    def email_events(self, params: dict[str, str]) -> tuple[int, Any]:
        start = int(params.get("startTimestamp") or 0)
        end = int(params.get("endTimestamp") or 2**62)
        limit = min(int(params.get("limit") or 100), 1000)
        offset = int(params.get("offset") or 0)
        rows = [e for e in self.portal.email_events if start <= e["created"] <= end]
        if kind := params.get("eventType"):
            rows = [e for e in rows if e["type"] == kind]
        chunk = rows[offset : offset + limit]
        return 200, {
            "hasMore": offset + limit < len(rows),
            "offset": str(offset + len(chunk)),
            "events": chunk,
        }
