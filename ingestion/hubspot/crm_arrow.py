"""HubSpot CRM pages, property history and associations as Arrow tables (dlt loads them without per-row work).

Every property value arrives as a string. A column is cast by Arrow in one step when every value parses as
the property's loaded type; when one does not, that column alone goes value by value through
``properties.cast`` and the values that do not fit go to the quarantine (null in the row), as the
row-by-row path does: a value is never coerced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.hubspot import settings
from ingestion.hubspot.properties import BadValue, cast, parse_datetime

# pyarrow imports pandas (when installed) on its first conversion of Python values. Done here, in the
# importing thread: done first in a parallel resource's thread, dlt's item-type check in another thread
# could meet a half-imported pandas ("partially initialized module 'pandas'").
pa.array([None])

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW_TYPES: dict[str, pa.DataType] = {
    "double": pa.float64(),
    "decimal": pa.decimal128(38, 9),
    "timestamp": TIMESTAMP,
    "date": pa.date32(),
    "bool": pa.bool_(),
}
_CAST_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError)


def arrow_type(kind: str) -> pa.DataType:
    """The Arrow type a property of ``kind`` is loaded as (``settings.DLT_TYPES``; anything else is text)."""
    return _ARROW_TYPES.get(settings.DLT_TYPES.get(kind, "text"), pa.string())


def _fast(values: list[Any], kind: str, target: pa.DataType) -> pa.Array:
    """All values at once (raises when any value does not parse as ``kind``; the caller then goes slow)."""
    text = pa.array(values, pa.string())  # a value that is not a string raises: the API sends strings
    if text.null_count < len(text) and pc.any(pc.equal(text, "")).as_py():
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)  # "" is no value
    if target == pa.string():
        return text
    if kind == "bool":
        lower = pc.utf8_lower(text)
        bad = pc.and_(pc.is_valid(lower), pc.invert(pc.is_in(lower, value_set=pa.array(["true", "false"]))))
        if pc.any(bad).as_py():
            raise ValueError("not true/false")
        return pc.equal(lower, "true")
    plain_number = r"^[+\-]?[0-9]*\.?[0-9]*([eE][+\-]?[0-9]+)?$"
    if target == pa.float64() and not pc.all(pc.match_substring_regex(text, plain_number)).as_py():
        raise ValueError("not a plain number")  # nan, inf, 1_000, spaces: left to Decimal, value by value
    return text.cast(target)


def typed_column(values: list[Any], kind: str, on_bad: Callable[[int, Any, BadValue], None]) -> pa.Array:
    """One property's values as an Arrow column of its loaded type; ``on_bad(i, value, error)`` per misfit."""
    target = arrow_type(kind)
    try:
        return _fast(values, kind, target)
    except _CAST_ERRORS:
        pass
    out: list[Any] = []
    for i, value in enumerate(values):
        try:
            out.append(cast(value, kind))
        except BadValue as e:
            out.append(None)
            on_bad(i, value, e)
    if target == pa.float64():
        out = [None if v is None else float(v) for v in out]
    return pa.array(out, target)


def _timestamps(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values, pa.string()).cast(TIMESTAMP)
    except _CAST_ERRORS:
        return pa.array([parse_datetime(v) for v in values], TIMESTAMP)


def records_table(
    obj: str, records: list[dict[str, Any]], kinds: dict[str, str], quarantine: list[dict[str, Any]]
) -> pa.Table:
    """A page of CRM records as one typed table (``crm.to_row`` for a whole page); misfits to ``quarantine``."""
    ids = [str(r["id"]) for r in records]
    props = [r.get("properties") or {} for r in records]
    present: set[str] = set().union(*(p.keys() for p in props)) if props else set()
    names = [n for n in kinds if n in present] + sorted(present - kinds.keys())
    columns: dict[str, pa.Array] = {"id": pa.array(ids, pa.string())}
    for name in names:
        kind = kinds.get(name, "string")

        def on_bad(i: int, value: Any, error: BadValue, name: str = name, kind: str = kind) -> None:
            quarantine.append(
                {
                    "object_type": obj,
                    "object_id": ids[i],
                    "property_name": name,
                    "value": None if value is None else str(value),
                    "loaded_type": kind,
                    "reason": str(error),
                    "detected_at": dt.datetime.now(dt.UTC),
                }
            )

        columns[name] = typed_column([p.get(name) for p in props], kind, on_bad)
    columns["created_at"] = _timestamps([r.get("createdAt") for r in records])
    columns["updated_at"] = _timestamps([r.get("updatedAt") for r in records])
    columns["archived_at"] = _timestamps([r.get("archivedAt") for r in records])
    columns["is_deleted"] = pa.array([bool(r.get("archived")) for r in records], pa.bool_())
    fields = [pa.field("id", pa.string(), nullable=False)] + [
        pa.field(n, a.type) for n, a in columns.items() if n != "id"
    ]
    return pa.Table.from_arrays(list(columns.values()), schema=pa.schema(fields))


HISTORY_SCHEMA = pa.schema(
    [
        ("object_id", pa.string()),
        ("property_name", pa.string()),
        ("value", pa.string()),
        ("changed_at", TIMESTAMP),
        ("source_type", pa.string()),
        ("source_id", pa.string()),
        ("updated_by_user_id", pa.string()),
    ]
)
ASSOCIATION_SCHEMA = pa.schema(
    [
        ("from_object_type", pa.string()),
        ("from_id", pa.string()),
        ("to_object_type", pa.string()),
        ("to_id", pa.string()),
        ("association_category", pa.string()),
        ("association_type_id", pa.int64()),
        ("association_label", pa.string()),
    ]
)


def rows_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (``crm.history_rows``/``association_rows``) as a table of ``schema``, column by column."""
    return pa.Table.from_arrays([pa.array([r[f.name] for r in rows], f.type) for f in schema], schema=schema)
