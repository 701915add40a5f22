"""Marketo pages as Arrow tables, typed as the row-by-row path typed them: dlt loads them without
normalising one value at a time.

- Activities (and deleted leads): one row per activity with the columns of ``activities``, and one row per
  attribute in ``activity_attributes`` (values as text: JSON text for numbers, booleans, lists, objects).
  ``activityDate`` is parsed by Arrow's ISO-8601 cast (``Z`` or an offset); a date Arrow refuses is parsed
  by ``fields.parse_datetime`` (a date without offset is UTC); a missing or unparseable date is an error
  naming the activity, never a null.
- Leads: one column per lead field of describe (``fields.column_hint`` types), each value cast exactly as
  ``fields.cast`` casts it. A column whose values all have the JSON type of the field takes a vectorised
  path; any other column is cast value by value, and a value that does not fit the field's loaded type is
  null in the table and a ``field_quarantine`` row (the same rows as before, never a coercion).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.marketo import settings
from ingestion.marketo.fields import BadValue, cast, parse_datetime

# pyarrow imports pandas (when installed) on its first conversion of Python values: done here, in the
# importing thread, never first in a worker thread (a half-imported pandas breaks dlt's type checks)
pa.array([None])

TIMESTAMP = pa.timestamp("us", tz="UTC")
DECIMAL = pa.decimal128(38, 9)
_SCALE = Decimal(1).scaleb(-9)
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "decimal": DECIMAL,
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": TIMESTAMP,
}
ACTIVITY_SCHEMA = pa.schema(
    [
        pa.field("marketo_guid", pa.string(), nullable=False),
        ("id", pa.int64()),
        ("lead_id", pa.int64()),
        ("activity_date", TIMESTAMP),
        ("activity_type_id", pa.int64()),
        ("campaign_id", pa.int64()),
        ("primary_attribute_value_id", pa.string()),
        ("primary_attribute_value", pa.string()),
    ]
)
ATTRIBUTE_SCHEMA = pa.schema(
    [
        pa.field("marketo_guid", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        ("value", pa.string()),
    ]
)


class ActivityPageError(ValueError):
    """An activity the page cannot be loaded with (no id, lead, type or date)."""


def attribute_text(value: Any) -> str | None:
    """An attribute value as text: strings as they are, numbers and booleans as JSON, the rest as JSON."""
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower()
    return json.dumps(value)


def _ints(values: list[Any], what: str, nullable: bool = True) -> pa.Array:
    if all(v.__class__ is int for v in values):
        return pa.array(values, pa.int64())
    out = []
    for v in values:
        if v is None:
            if not nullable:
                raise ActivityPageError(f"Marketo activity page: {what} is missing")
            out.append(None)
        elif isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise ActivityPageError(f"Marketo activity page: {what} {v!r} is not a whole number")
        else:
            try:
                out.append(int(v))
            except (TypeError, ValueError) as e:
                raise ActivityPageError(f"Marketo activity page: {what} {v!r} is not a whole number") from e
    return pa.array(out, pa.int64())


def _texts(values: list[Any], convert: Callable[[Any], str | None]) -> pa.Array:
    if all(v is None or v.__class__ is str for v in values):
        return pa.array(values, pa.string())
    return pa.array([convert(v) for v in values], pa.string())


def _timestamps(values: list[Any], guids: list[str]) -> pa.Array:
    """ISO-8601 activity dates as UTC timestamps; a missing or invalid one raises naming the activity."""
    for v, g in zip(values, guids, strict=True):
        if v is None or v.__class__ is not str or not v:
            raise ActivityPageError(f"Marketo activity {g}: no activityDate ({v!r})")
    try:
        return pa.array(values, pa.string()).cast(TIMESTAMP)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out = []
    for v, g in zip(values, guids, strict=True):
        try:
            out.append(parse_datetime(v))
        except ValueError as e:
            raise ActivityPageError(f"Marketo activity {g}: activityDate {v!r} is not ISO 8601") from e
    return pa.array(out, TIMESTAMP)


def activity_tables(page: Sequence[dict[str, Any]]) -> tuple[pa.Table, pa.Table]:
    """``(activities, activity_attributes)`` of one page of ``activities.json`` / ``deletedleads.json``."""
    guids = [a.get("marketoGUID") for a in page]
    if not all(g.__class__ is str for g in guids):
        if any(g is None for g in guids):
            raise ActivityPageError("Marketo activity page: an activity has no marketoGUID")
        guids = [str(g) for g in guids]
    columns = [
        pa.array(guids, pa.string()),
        _ints([a.get("id") for a in page], "id", nullable=False),
        _ints([a.get("leadId") for a in page], "leadId", nullable=False),
        _timestamps([a.get("activityDate") for a in page], guids),
        _ints([a.get("activityTypeId") for a in page], "activityTypeId", nullable=False),
        _ints([a.get("campaignId") for a in page], "campaignId"),
        _texts([a.get("primaryAttributeValueId") for a in page], lambda v: None if v is None else str(v)),
        _texts([a.get("primaryAttributeValue") for a in page], attribute_text),
    ]
    activities = pa.Table.from_arrays(columns, schema=ACTIVITY_SCHEMA)
    attr_guids: list[str] = []
    names: list[str] = []
    values: list[Any] = []
    for guid, a in zip(guids, page, strict=True):
        for attr in a.get("attributes") or ():
            attr_guids.append(guid)
            names.append(str(attr["name"]))
            values.append(attr.get("value"))
    attributes = pa.Table.from_arrays(
        [pa.array(attr_guids, pa.string()), pa.array(names, pa.string()), _texts(values, attribute_text)],
        schema=ATTRIBUTE_SCHEMA,
    )
    return activities, attributes


def without_guids(activities: pa.Table, attributes: pa.Table, skip: set[str]) -> tuple[pa.Table, pa.Table]:
    """Both tables without the activities whose ``marketo_guid`` is in ``skip`` (read by an earlier run)."""
    if not skip or activities.num_rows == 0:
        return activities, attributes
    skipped = pa.array(sorted(skip), pa.string())
    keep = pc.invert(pc.is_in(activities.column("marketo_guid"), value_set=skipped))
    keep_attrs = pc.invert(pc.is_in(attributes.column("marketo_guid"), value_set=skipped))
    return activities.filter(keep), attributes.filter(keep_attrs)


def in_window(
    activities: pa.Table, attributes: pa.Table, window: tuple[dt.datetime, dt.datetime] | None
) -> tuple[pa.Table, pa.Table, bool]:
    """The activities dated in ``[start, end)`` of ``window`` (all of them without one), their attributes, and
    whether the page reached the end (the paging token is date-based: later pages hold later activities)."""
    if window is None or activities.num_rows == 0:
        return activities, attributes, False
    start, end = (pa.scalar(w, TIMESTAMP) for w in window)
    dates = activities.column("activity_date")
    past_end = bool(pc.any(pc.greater_equal(dates, end)).as_py())
    keep = pc.and_(pc.greater_equal(dates, start), pc.less(dates, end))
    kept = activities.filter(keep)
    if kept.num_rows == activities.num_rows:
        return activities, attributes, past_end
    wanted = pc.is_in(attributes.column("marketo_guid"), value_set=kept.column("marketo_guid"))
    return kept, attributes.filter(wanted), past_end


def newest(activities: pa.Table) -> tuple[dt.datetime, list[str]] | None:
    """The newest activity date of the table and the guids of the activities at that very time."""
    if activities.num_rows == 0:
        return None
    dates = activities.column("activity_date")
    top = pc.max(dates)
    guids = activities.column("marketo_guid").filter(pc.equal(dates, top)).to_pylist()
    return top.as_py(), guids


# leads ---------------------------------------------------------------------------------------------------
def _fast_column(values: list[Any], data_type: str) -> pa.Array | None:
    """The column without casting value by value, when every value already has the field's JSON type."""
    if data_type == "text":
        if all(v is None or (v.__class__ is str and v) for v in values):
            return pa.array(values, pa.string())
    elif data_type == "bigint":
        if all(v is None or v.__class__ is int for v in values):
            return pa.array(values, pa.int64())
    elif data_type == "double":
        if all(v is None or v.__class__ is float or v.__class__ is int for v in values):
            return pa.array(values, pa.float64())
    elif data_type == "bool":
        if all(v is None or v.__class__ is bool for v in values):
            return pa.array(values, pa.bool_())
    elif data_type == "timestamp" and all(v is None or (v.__class__ is str and v) for v in values):
        try:
            return pa.array(values, pa.string()).cast(TIMESTAMP)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # e.g. a date without offset (UTC for parse_datetime): value by value
    return None


def _fit_decimal(value: Decimal | None) -> Decimal | None:
    """A currency value at the column's scale (9 places; the warehouse column rounds the same way)."""
    if value is None or not value.is_finite() or value.as_tuple().exponent >= -9:  # type: ignore[operator]
        return value
    return value.quantize(_SCALE)


def lead_table(
    records: Sequence[dict[str, Any]],
    kinds: dict[str, str],
    column_name: Callable[[str], str],
    quarantine: list[dict[str, Any]],
) -> pa.Table:
    """One page of leads as a typed table: ``id`` and a column per field of ``kinds`` (describe order), then
    any field a record carries that describe did not list (as text). Values that do not fit their field's
    loaded kind are null here and appended to ``quarantine``."""
    names = [n for n in kinds if n != "id"]
    listed = set(kinds)
    for rec in records:
        for name in rec:
            if name not in listed:
                listed.add(name)
                names.append(name)
    ids = [rec.get("id") for rec in records]
    if not all(i.__class__ is int for i in ids):
        ids = [int(i) for i in ids]  # type: ignore[arg-type]  # a lead without id fails here, loudly
    arrays = [pa.array(ids, pa.int64())]
    fields = [pa.field("id", pa.int64(), nullable=False)]
    now = dt.datetime.now(dt.UTC)
    for name in names:
        kind = kinds.get(name, "string")
        data_type = settings.DLT_TYPES.get(kind, "text")
        values = [rec.get(name) for rec in records]
        array = _fast_column(values, data_type)
        if array is None:
            converted = []
            for lead_id, value in zip(ids, values, strict=True):
                try:
                    converted.append(cast(value, kind))
                except BadValue as e:
                    converted.append(None)
                    quarantine.append(
                        {
                            "object_type": "lead",
                            "object_id": str(lead_id),
                            "field_name": name,
                            "value": None if value is None else str(value),
                            "loaded_type": kind,
                            "reason": str(e),
                            "detected_at": now,
                        }
                    )
            if data_type == "decimal":
                converted = [_fit_decimal(v) for v in converted]
            array = pa.array(converted, ARROW_TYPES[data_type])
        arrays.append(array)
        fields.append(pa.field(column_name(name), ARROW_TYPES[data_type]))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


class TableBatches:
    """Pages joined into tables of at least ``rows`` rows per destination table, each yielded as one item
    marked with its table name (``flush`` yields the rest)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self._pending: dict[str, list[pa.Table]] = {}
        self._counts: dict[str, int] = {}

    def add(self, table_name: str, table: pa.Table) -> Iterator[Any]:
        if table.num_rows == 0:
            return
        self._pending.setdefault(table_name, []).append(table)
        self._counts[table_name] = self._counts.get(table_name, 0) + table.num_rows
        if self._counts[table_name] >= self.rows:
            yield self._take(table_name)

    def flush(self) -> Iterator[Any]:
        for name in list(self._pending):
            yield self._take(name)

    def _take(self, table_name: str) -> Any:
        import dlt

        tables = self._pending.pop(table_name)
        self._counts.pop(table_name, None)
        joined = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
        return dlt.mark.with_table_name(joined, table_name)
