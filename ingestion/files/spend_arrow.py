"""Ad-spend files as Arrow tables: CSV read and checked column by column, the rest row by row.

A CSV file is read by Arrow's CSV reader with every column as text, and the rows whose every value has the
plain form (``YYYY-MM-DD`` date, ``123.45`` cost, ``123`` counts, a 3-letter currency, a platform and a
campaign) are converted column by column. Every other row (a thousands separator, a bad date, a missing
campaign...) goes through ``ad_spend._parse_row``, the row-by-row rules, which load it or quarantine it
with its reason: the two paths load the same rows with the same values. A file Arrow cannot map to line
numbers exactly (blank lines, a quoted line break, a row of another width) and Parquet files are read row
by row (``readers.read_rows``), then converted to the same table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from dlt.common.storages.fsspec_filesystem import FileItemDict

from ingestion.files import settings
from ingestion.files.arrow_tables import TIMESTAMP
from ingestion.files.readers import file_format, normalise_header, read_rows

COST = pa.decimal128(38, 6)
_COST_SCALE = Decimal(1).scaleb(-6)
SPEND_SCHEMA = pa.schema(
    [
        pa.field("spend_date", pa.date32(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        ("channel", pa.string()),
        ("campaign_id", pa.string()),
        ("campaign_name", pa.string()),
        ("cost", COST),
        ("currency", pa.string()),
        ("clicks", pa.int64()),
        ("impressions", pa.int64()),
        ("quarantine_reason", pa.string()),
        ("file_path", pa.string()),
        ("file_modified_at", TIMESTAMP),
        ("line_number", pa.int64()),
    ]
)
_BASE = [f.name for f in SPEND_SCHEMA]

ParseRow = Callable[[dict[str, Any], frozenset[str]], tuple[dict[str, Any] | None, str | None]]


def unknown_currency(currency: str) -> str:
    return f"unknown currency {currency!r} (no rate in seed exchange_rates)"


def check_columns(item: FileItemDict, header: list[str]) -> None:
    """A file without a required column fails the run, naming the file and the column."""
    columns = {settings.AD_SPEND_ALIASES.get(c, c) for c in header}
    missing = [c for c in settings.AD_SPEND_REQUIRED if c not in columns]
    if not columns & set(settings.AD_SPEND_CAMPAIGN_COLUMNS):
        missing.append(" or ".join(settings.AD_SPEND_CAMPAIGN_COLUMNS))
    if missing:
        raise ValueError(
            f"ad spend file {item['file_url']}: missing required column(s) {', '.join(missing)}"
            f" (found: {', '.join(header) or 'no header'})"
        )


def parse_file(
    item: FileItemDict, known: frozenset[str], parse_row: ParseRow
) -> tuple[pa.Table, list[dict[str, Any]]]:
    """``(spend rows as a table, malformed rows)`` of one file."""
    if file_format(item["file_name"]) == "csv":
        fast = _read_csv(item)
        if fast is not None:
            header, table = fast
            check_columns(item, header)
            return _csv_table(item, table, known, parse_row)
    header, raw_rows = read_rows(item)
    check_columns(item, header)
    good, bad = [], []
    for line, raw in raw_rows:
        parsed, reason = _row(item, line, raw, known, parse_row)
        if parsed is None:
            bad.append(_bad_row(item, line, raw, reason))
        else:
            good.append(parsed)
    return rows_table(good), bad


def _row(
    item: FileItemDict, line: int, raw: dict[str, Any], known: frozenset[str], parse_row: ParseRow
) -> tuple[dict[str, Any] | None, str | None]:
    row = {settings.AD_SPEND_ALIASES.get(k, k): v for k, v in raw.items()}
    parsed, reason = parse_row(row, known)
    if parsed is None:
        return None, reason
    parsed.update(
        quarantine_reason=reason,
        file_path=item["relative_path"],
        file_modified_at=item["modification_date"],
        line_number=line,
    )
    return parsed, reason


def _bad_row(item: FileItemDict, line: int, raw: dict[str, Any], reason: str | None) -> dict[str, Any]:
    return {
        "file_path": item["relative_path"],
        "line_number": line,
        "reason": reason,
        "raw_row": json.dumps(raw, default=str, sort_keys=True),
        "file_modified_at": item["modification_date"],
    }


def _read_csv(item: FileItemDict) -> tuple[list[str], pa.Table] | None:
    """``(normalised header, every column as text)``, or None when row i is not exactly on line i + 2."""
    with item.open(mode="rb") as fh:
        data = fh.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    first, _, rest = data.partition(b"\n")
    try:
        header = next(csv.reader([first.decode("utf-8").rstrip("\r")]), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    names = [normalise_header(h) for h in header]
    aliased = [settings.AD_SPEND_ALIASES.get(n, n) for n in names]
    if not names or len(set(aliased)) != len(aliased) or not rest.strip():
        return None  # no rows, or two columns for one field: the row-by-row reader decides
    try:
        table = pa_csv.read_csv(
            io.BytesIO(rest),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None  # a row of another width, bad UTF-8...: the row-by-row reader reports it per line
    lines = rest.count(b"\n") + (0 if rest.endswith(b"\n") else 1)
    if table.num_rows != lines or b"\r" in rest.replace(b"\r\n", b""):
        return None
    return names, table


def _csv_table(
    item: FileItemDict, table: pa.Table, known: frozenset[str], parse_row: ParseRow
) -> tuple[pa.Table, list[dict[str, Any]]]:
    raw_names = table.column_names
    names = [settings.AD_SPEND_ALIASES.get(n, n) for n in raw_names]
    table = table.rename_columns(names)
    n = table.num_rows
    trimmed = {
        name: pc.utf8_trim_whitespace(table.column(name))
        for name in (
            "date",
            "platform",
            "channel",
            "campaign_id",
            "campaign_name",
            "cost",
            "currency",
            "clicks",
            "impressions",
        )
        if name in names
    }
    empty = pa.array([""] * n, pa.string())
    campaign_id = trimmed.get("campaign_id", empty)
    campaign_name = trimmed.get("campaign_name", empty)
    platform = pc.utf8_lower(trimmed["platform"])
    currency = pc.utf8_upper(trimmed["currency"])
    dates = pc.strptime(trimmed["date"], format="%Y-%m-%d", unit="s", error_is_null=True)
    checks = [
        pc.match_substring_regex(trimmed["date"], r"^\d{4}-\d{2}-\d{2}$"),
        pc.is_valid(dates),
        # strptime rolls 2025-02-30 over to March: the day must print back as it was written
        pc.equal(pc.cast(pc.cast(dates, pa.date32()), pa.string()), trimmed["date"]),
        pc.not_equal(platform, ""),
        pc.or_(pc.not_equal(campaign_id, ""), pc.not_equal(campaign_name, "")),
        pc.match_substring_regex(trimmed["cost"], r"^[0-9]{1,32}(\.[0-9]{1,6})?$"),
        pc.match_substring_regex(currency, r"^[A-Z]{3}$"),
        pc.match_substring_regex(trimmed["clicks"], r"^[0-9]{1,18}$"),
        pc.match_substring_regex(trimmed["impressions"], r"^[0-9]{1,18}$"),
    ]
    plain = checks[0]
    for check in checks[1:]:
        plain = pc.and_(plain, check)
    plain = pc.fill_null(plain, False)
    # a row of blank values is a blank line, skipped as the row-by-row reader skips it
    blank = pa.array([True] * n)
    for name in names:
        blank = pc.and_(blank, pc.equal(pc.utf8_trim_whitespace(table.column(name)), ""))
    lines = pa.array(range(2, n + 2), pa.int64())
    fast = pc.and_(plain, pc.invert(blank))

    def text_or_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)

    known_set = pa.array(sorted(known), pa.string())
    currency_f = currency.filter(fast)
    count = len(currency_f)
    reason = pc.if_else(
        pc.is_in(currency_f, value_set=known_set),
        pa.scalar(None, pa.string()),
        pc.binary_join_element_wise(
            "unknown currency '", currency_f, "' (no rate in seed exchange_rates)", ""
        ),
    )
    columns: dict[str, Any] = {
        "spend_date": pc.cast(dates.filter(fast), pa.date32()),
        "platform": platform.filter(fast),
        "channel": text_or_null(pc.utf8_lower(trimmed["channel"]).filter(fast)),
        "campaign_id": text_or_null(campaign_id.filter(fast)),
        "campaign_name": text_or_null(campaign_name.filter(fast)),
        "cost": pc.cast(trimmed["cost"].filter(fast), COST),
        "currency": currency_f,
        "clicks": pc.cast(trimmed["clicks"].filter(fast), pa.int64()),
        "impressions": pc.cast(trimmed["impressions"].filter(fast), pa.int64()),
        "quarantine_reason": reason,
        "file_path": pa.array([item["relative_path"]] * count, pa.string()),
        "file_modified_at": pa.array([item["modification_date"]] * count, TIMESTAMP),
        "line_number": lines.filter(fast),
    }
    extras = [n for n in names if n not in _KNOWN_INPUTS]
    for name in extras:  # extra columns load as they are in the file (text), as on the row-by-row path
        columns[name] = table.column(name).filter(fast)
    fast_table = pa.Table.from_arrays(
        [columns[c] for c in _BASE] + [columns[c] for c in extras],
        schema=pa.schema(list(SPEND_SCHEMA) + [pa.field(c, pa.string()) for c in extras]),
    )
    # the other rows, one by one: the row-by-row rules load or quarantine them
    slow = pc.and_(pc.invert(plain), pc.invert(blank))
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    original = dict(zip(names, raw_names, strict=True))
    rest = table.filter(slow)
    for line, values in zip(lines.filter(slow).to_pylist(), rest.to_pylist(), strict=True):
        raw = {original[k]: v for k, v in values.items()}
        parsed, why = _row(item, line, raw, known, parse_row)
        if parsed is None:
            bad.append(_bad_row(item, line, raw, why))
        else:
            good.append(parsed)
    if good:
        fast_table = pa.concat_tables([fast_table, rows_table(good)], promote_options="default")
    return fast_table, bad


def _cost(value: Decimal | None) -> Decimal | None:
    """A cost at the column's scale (6 places; the warehouse column rounds the same way)."""
    if value is None or value.as_tuple().exponent >= -6:  # type: ignore[operator]
        return value
    return value.quantize(_COST_SCALE)


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Parsed spend rows (``ad_spend._parse_row`` plus file columns) as a table of ``SPEND_SCHEMA`` and the
    extra columns (text when every value is text, else JSON text; Parquet files may carry other types)."""
    from ingestion.files.arrow_tables import _extra_column

    columns = [
        pa.array([_cost(r["cost"]) if c == "cost" else r.get(c) for r in rows], f.type)
        for c, f in zip(_BASE, SPEND_SCHEMA, strict=True)
    ]
    extras: list[str] = []
    for r in rows:
        extras += [k for k in r if k not in _BASE_SET and k not in extras]
    fields = list(SPEND_SCHEMA)
    for name in extras:
        column = _extra_column([_plain(r.get(name)) for r in rows])
        columns.append(column)
        fields.append(pa.field(name, column.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | Decimal):
        return str(value)
    return value


_BASE_SET = frozenset(_BASE)
_KNOWN_INPUTS = frozenset(
    {
        "date",
        "platform",
        "channel",
        "campaign_id",
        "campaign_name",
        "cost",
        "currency",
        "clicks",
        "impressions",
    }
)
