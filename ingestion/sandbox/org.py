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


# make_id builds the 18-character form directly (the generator makes millions of ids): the 15-character
# id is prefix(3) + "000" + 9 base-62 digits; the checksum chunks are [0:5], [5:10] and [10:15].
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_UPPER = [10 <= d < 36 for d in range(62)]  # _ALPHABET[10:36] is A-Z
# the last two digits: their text and their bits in the third chunk (positions 3 and 4)
_LOW = [
    (_ALPHABET[a] + _ALPHABET[b], (_UPPER[a] << 3) | (_UPPER[b] << 4)) for a in range(62) for b in range(62)
]
_HIGH: dict[int, tuple[str, int, int]] = {}  # first seven digits -> text, second-chunk bits, third-chunk bits
_HEADS: dict[str, tuple[str, str]] = {}  # object -> prefix + "000", first checksum character


def _high(h: int) -> tuple[str, int, int]:
    digits = []
    for _ in range(7):
        h, d = divmod(h, 62)
        digits.append(d)
    digits.reverse()
    second = sum(1 << (i + 1) for i, d in enumerate(digits[:4]) if _UPPER[d])  # position 0 is a "0"
    third = sum(1 << i for i, d in enumerate(digits[4:]) if _UPPER[d])
    return "".join(_ALPHABET[d] for d in digits), second, third


def make_id(obj: str, n: int) -> str:
    """The n-th 18-character id of an object, e.g. ``006000000000042AAA``-like."""
    head = _HEADS.get(obj)
    if head is None:
        text = KEY_PREFIXES[obj] + "000"
        head = _HEADS[obj] = (text, _id_suffix(text + "0" * 9)[0])
    h, low = divmod(n % 62**9, 3844)
    high = _HIGH.get(h)
    if high is None:
        high = _HIGH[h] = _high(h)
    low_text, low_bits = _LOW[low]
    return head[0] + high[0] + low_text + head[1] + _SUFFIX_CHARS[high[1]] + _SUFFIX_CHARS[high[2] | low_bits]


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
        if not fields.keys() >= record.keys():
            raise KeyError(f"{obj} has no fields {sorted(set(record) - set(fields))}")
        full = dict.fromkeys(fields)  # every field, in schema order, None unless given
        full.update(record)
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
