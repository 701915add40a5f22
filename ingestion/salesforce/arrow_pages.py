"""Salesforce query pages as Arrow tables, typed from describe: dlt loads them without per-row normalising.

A page body goes straight into Arrow's JSON reader with the page's schema (no Python object per value;
datetimes and dates are then parsed by Arrow's ISO-8601 cast, currency read exactly as ``decimal128``).
A page the reader refuses (a value of another JSON type than its field's) is parsed again with ``orjson``
and converted column by column, which names the first value that does not fit: ``SalesforceTypeError``,
never a coercion. Column names follow ``helpers.column_key`` and types ``settings.DLT_TYPES``, so the raw
tables are the same as the row-by-row path's.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.json as pa_json

from ingestion.salesforce import settings
from ingestion.salesforce.helpers import SalesforceError, column_key

# pyarrow imports pandas (when installed) on its first conversion of Python values. Done here, in the
# importing thread: done first in a parallel resource's thread, dlt's item-type check in another thread
# could meet a half-imported pandas ("partially initialized module 'pandas'").
pa.array([None])

TIMESTAMP = pa.timestamp("us", tz="UTC")
# describe type -> Arrow type (anything else is text); currency is decimal128(precision, scale) from describe
_ARROW_TYPES: dict[str, pa.DataType] = {
    "double": pa.float64(),
    "percent": pa.float64(),
    "int": pa.int64(),
    "long": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": TIMESTAMP,
}
# a currency value at or above this magnitude may carry more digits than a float holds: parsed exactly
_FLOAT_EXACT_LIMIT = 1e13


class SalesforceTypeError(SalesforceError):
    """A value does not fit the type describe gives its field (a type change): refused, never coerced."""


class PageSchema:
    """The Arrow schema of one object's pages, from its describe fields (compound fields left out)."""

    def __init__(self, object_name: str, fields: list[dict[str, Any]]) -> None:
        self.object_name = object_name
        self.names = [f["name"] for f in fields]
        self.types = {f["name"]: f["type"] for f in fields}
        self.arrow_types: dict[str, pa.DataType] = {}
        for f in fields:
            sf_type = f["type"]
            if sf_type == "currency":
                precision = int(f.get("precision") or 18)
                scale = int(f["scale"]) if f.get("scale") is not None else 2
                self.arrow_types[f["name"]] = pa.decimal128(precision, scale)
            else:
                self.arrow_types[f["name"]] = _ARROW_TYPES.get(sf_type, pa.string())
        self.currency = [n for n in self.names if self.types[n] == "currency"]
        self.schema = pa.schema(
            [
                pa.field(column_key(n), self.arrow_types[n], nullable=n != settings.PRIMARY_KEY)
                for n in self.names
            ]
        )
        # what the JSON reader parses: the page envelope, records with dates as text (cast afterwards)
        as_read = [
            pa.field(n, pa.string() if t in (TIMESTAMP, pa.date32()) else t)
            for n, t in self.arrow_types.items()
        ]
        self._page_schema = pa.schema(
            [
                ("done", pa.bool_()),
                ("nextRecordsUrl", pa.string()),
                ("records", pa.list_(pa.struct(as_read))),
            ]
        )

    def read(self, body: bytes) -> tuple[pa.Table, bool, str | None]:
        """``(typed table, done, nextRecordsUrl)`` of one page body.

        Raises ``SalesforceTypeError`` for a value that does not fit its field, ``ValueError`` for a body
        that is not JSON (a truncated response).
        """
        try:
            page = pa_json.read_json(
                io.BytesIO(body),
                read_options=pa_json.ReadOptions(use_threads=False, block_size=len(body) + 1),
                parse_options=pa_json.ParseOptions(
                    explicit_schema=self._page_schema,
                    unexpected_field_behavior="ignore",
                    newlines_in_values=True,
                ),
            )
            if page.num_rows != 1:
                raise pa.ArrowInvalid(f"{page.num_rows} JSON objects in one page")
            records = page.column("records").chunk(0)
            values = records.values if records[0].is_valid else pa.array([], records.type.value_type)
            columns = [values.field(i).cast(f.type) for i, f in enumerate(self.schema)]
            table = pa.Table.from_arrays(columns, schema=self.schema)
            done = page.column("done")[0].as_py()
            return table, done is None or done, page.column("nextRecordsUrl")[0].as_py()
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            pass  # parsed again below, slowly, to name what did not fit (or to fail on bad JSON)
        parsed = orjson.loads(body)
        return self.table(parsed, body), bool(parsed.get("done", True)), parsed.get("nextRecordsUrl")

    def table(self, page: dict[str, Any], body: bytes) -> pa.Table:
        """The typed table of one page (parsed with orjson; ``body`` re-parsed exactly if a currency
        value is too large for a float)."""
        records: list[dict[str, Any]] = page["records"]
        exact = None
        if self.currency and _needs_exact_decimals(records, self.currency):
            exact = json.loads(body, parse_float=Decimal)["records"]
        return self.to_table(records, exact)

    def to_table(self, records: list[dict[str, Any]], exact: list[dict[str, Any]] | None = None) -> pa.Table:
        """Records (as the API sends them) as a table with one typed column per describe field.

        ``exact``: the same records parsed with ``Decimal`` numbers, for currency fields too large for a
        float. A field the page carries that describe did not list stays out (the query never selects it).
        """
        columns = []
        for name, field in zip(self.names, self.schema, strict=True):
            source = exact if exact is not None and name in self.currency else records
            values = [r.get(name) for r in source]
            columns.append(self._column(name, values, field.type))
        return pa.Table.from_arrays(columns, schema=self.schema)

    def _column(self, name: str, values: list[Any], arrow_type: pa.DataType) -> pa.Array:
        try:
            return _convert(values, arrow_type)
        except _CONVERT_ERRORS as e:
            bad = next((v for v in values if v is not None and not _fits(v, arrow_type)), None)
            raise SalesforceTypeError(
                f"Salesforce {self.object_name}.{name}: value {bad!r:.80} does not fit the field's describe "
                f"type {self.types[name]!r} ({e.__class__.__name__}); the field's type changed or the value "
                "is malformed: not loaded, never coerced",
                object_name=self.object_name,
            ) from e


_CONVERT_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)


def _convert(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """JSON values as an Arrow column of ``arrow_type``; raises on any value of another JSON type."""
    if arrow_type == TIMESTAMP or arrow_type == pa.date32():
        return pa.array(values, pa.string()).cast(arrow_type)  # ISO text only, parsed by Arrow
    if arrow_type == pa.bool_():
        if any(v is not None and v is not True and v is not False for v in values):
            raise TypeError("not a JSON boolean")
        return pa.array(values, arrow_type)
    if pa.types.is_decimal(arrow_type):
        _refuse_bools(values)
        if any(v.__class__ is Decimal for v in values):
            return pa.array(values, arrow_type)
        return pa.array(values, pa.float64()).cast(arrow_type)
    if arrow_type == pa.float64():
        _refuse_bools(values)
        return pa.array(values, arrow_type)
    if arrow_type == pa.int64():
        _refuse_bools(values)
        if any(v.__class__ is float and not v.is_integer() for v in values):
            raise TypeError("a fractional number")
        return pa.array(values, arrow_type)
    return pa.array(values, arrow_type)


def _fits(value: Any, arrow_type: pa.DataType) -> bool:
    try:
        _convert([value], arrow_type)
    except _CONVERT_ERRORS:
        return False
    return True


def _needs_exact_decimals(records: list[dict[str, Any]], names: list[str]) -> bool:
    for r in records:
        for n in names:
            v = r.get(n)
            if v is None:
                continue
            if (v.__class__ is not float and v.__class__ is not int) or abs(v) >= _FLOAT_EXACT_LIMIT:
                return True
    return False


def _refuse_bools(values: list[Any]) -> None:
    """JSON true/false in a number field is a type change, not 1/0."""
    if any(v is True or v is False for v in values):
        raise TypeError("a boolean in a number field")
