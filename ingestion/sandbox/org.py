"""An in-memory Salesforce org: the records the emulator serves and the generator fills."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any

from ingestion.sandbox.salesforce_schema import KEY_PREFIXES, SALESFORCE_OBJECTS

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _id_suffix(id15: str) -> str:
    """Salesforce's 3-character checksum that turns a 15-character id into the 18-character form."""
    out = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return out


def make_id(obj: str, n: int) -> str:
    """The n-th 18-character id of an object, e.g. ``006000000000042AAA``-like."""
    body = ""
    x = n
    for _ in range(9):
        body = _ALPHABET[x % 62] + body
        x //= 62
    id15 = KEY_PREFIXES[obj] + "0" * 3 + body
    return id15 + _id_suffix(id15)


class SalesforceOrg:
    """Records per object API name, keyed by Id, with an org clock for ``SystemModstamp``.

    Thread-safe for one writer and many readers (the emulator serves from worker threads).
    Deleted records stay with ``IsDeleted=True``, as in the recycle bin that ``queryAll`` reads.
    """

    def __init__(self, clock_start: dt.datetime) -> None:
        if clock_start.tzinfo is None:
            raise ValueError("clock_start must be timezone-aware (UTC)")
        self._records: dict[str, dict[str, dict[str, Any]]] = {obj: {} for obj in SALESFORCE_OBJECTS}
        self._counters: dict[str, int] = {obj: 0 for obj in SALESFORCE_OBJECTS}
        self._clock = clock_start.astimezone(dt.UTC)
        self.lock = threading.RLock()

    # clock -------------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self._clock

    def tick(self, seconds: float = 1.0) -> dt.datetime:
        """Advance the org clock and return the new time."""
        with self.lock:
            self._clock = self._clock + dt.timedelta(seconds=seconds)
            return self._clock

    # records -----------------------------------------------------------------------------------
    def new_id(self, obj: str) -> str:
        with self.lock:
            self._counters[obj] += 1
            return make_id(obj, self._counters[obj])

    def insert(self, obj: str, record: dict[str, Any]) -> dict[str, Any]:
        """Add a record (generator use: it sets its own historical timestamps)."""
        fields = SALESFORCE_OBJECTS[obj]
        unknown = set(record) - set(fields)
        if unknown:
            raise KeyError(f"{obj} has no fields {sorted(unknown)}")
        full = {name: record.get(name) for name in fields}
        if not full.get("Id"):
            full["Id"] = self.new_id(obj)
        if "IsDeleted" in fields and full["IsDeleted"] is None:
            full["IsDeleted"] = False
        if full.get("SystemModstamp") is None:
            raise ValueError(f"{obj} {full['Id']}: SystemModstamp is required")
        with self.lock:
            self._records[obj][full["Id"]] = full
        return full

    def update(self, obj: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields now: stamps ``LastModifiedDate`` and ``SystemModstamp`` with the org clock."""
        with self.lock:
            rec = self._records[obj][record_id]
            unknown = set(changes) - set(rec)
            if unknown:
                raise KeyError(f"{obj} has no fields {sorted(unknown)}")
            rec.update(changes)
            now = self.tick()
            if "LastModifiedDate" in rec:
                rec["LastModifiedDate"] = now
            rec["SystemModstamp"] = now
            return rec

    def delete(self, obj: str, record_id: str) -> None:
        """Move a record to the recycle bin (``IsDeleted=True``), as a user delete does."""
        self.update(obj, record_id, {"IsDeleted": True})

    def get(self, obj: str, record_id: str) -> dict[str, Any]:
        return self._records[obj][record_id]

    def records(self, obj: str, include_deleted: bool = True) -> list[dict[str, Any]]:
        with self.lock:
            rows = list(self._records[obj].values())
        if include_deleted:
            return rows
        return [r for r in rows if not r.get("IsDeleted")]

    def objects(self) -> Iterable[str]:
        return SALESFORCE_OBJECTS.keys()

    # changes -----------------------------------------------------------------------------------
    def apply_changes(
        self,
        seed: int,
        new_opportunities: int = 5,
        updated_opportunities: int = 5,
        deleted_opportunities: int = 2,
    ) -> dict[str, list[str]]:
        """Add, update and delete opportunities now (see ``ingestion.sandbox.changes``)."""
        from ingestion.sandbox.changes import apply_changes

        return apply_changes(self, seed, new_opportunities, updated_opportunities, deleted_opportunities)
