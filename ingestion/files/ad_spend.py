"""Ad-platform spend files (CSV or Parquet; Google Ads, LinkedIn Ads, Meta Ads exports...) as a dlt source.

Files are listed with dlt's filesystem resource (a local folder or object storage: ``bucket_url`` from
``SOURCES__AD_SPEND__BUCKET_URL``, credentials from ``SOURCES__AD_SPEND__CREDENTIALS__*``), incrementally on
their modification date: a run reads only files that are new or changed since the last run.

Platforms restate recent days, so every (platform, date) a file states *replaces* what the warehouse
holds for it: the table merges with the ``delete-insert`` strategy on the merge key ``(platform,
spend_date)``, and within one run the latest file (modification date, then path) wins each key. A row
that vanished from a restated file vanishes from the warehouse; re-reading a file adds nothing. A day
that a restatement drops entirely (no row left for that platform and day) is not stated by it and
keeps its old rows.

Rows are never silently dropped: a malformed row (bad date, cost, count, currency code, no campaign)
goes to ``spend_quarantine`` with its file, line and reason; a well-formed row whose currency has no
exchange rate (seed ``exchange_rates``) loads with ``quarantine_reason`` set. A file without a required
column fails the run with an error naming the file and the column; extra columns load as new columns.

Files are read column by column with Arrow where the rows allow it (``spend_arrow``), each once a run, and
load as Arrow tables (Parquet on DuckDB).

History backfills (``spend_from``/``spend_to``): every file is read (no modification-date cursor), and only
the rows dated in ``[spend_from, spend_to)`` load, each (platform, day) from its latest file as above, so a
window replaces exactly its platform-days and leaves the rest of the table alone. Malformed rows carry no
trustworthy date: ``spend_quarantine`` is rebuilt for every file (merged on the file, rereading adds nothing).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.storages.fsspec_filesystem import FileItemDict
from dlt.sources import DltResource
from dlt.sources.filesystem import filesystem

from ingestion.files import settings, spend_arrow
from ingestion.files.readers import bucket_credentials

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
SPEND_COLUMNS: dict[str, Any] = {
    "spend_date": {"data_type": "date", "nullable": False},
    "platform": {"data_type": "text", "nullable": False},
    "channel": {"data_type": "text"},
    "campaign_id": {"data_type": "text"},
    "campaign_name": {"data_type": "text"},
    "cost": {"data_type": "decimal", "precision": 38, "scale": 6},
    "currency": {"data_type": "text"},
    "clicks": {"data_type": "bigint"},
    "impressions": {"data_type": "bigint"},
    "quarantine_reason": {"data_type": "text"},
    "file_path": {"data_type": "text"},
    "file_modified_at": {"data_type": "timestamp"},
    "line_number": {"data_type": "bigint"},
}
QUARANTINE_COLUMNS: dict[str, Any] = {
    "file_path": {"data_type": "text", "nullable": False},
    "line_number": {"data_type": "bigint", "nullable": False},
    "reason": {"data_type": "text"},
    "raw_row": {"data_type": "text"},
    "file_modified_at": {"data_type": "timestamp"},
}


def known_currencies(path: str | None = None) -> frozenset[str]:
    """Currencies with an exchange rate in the dbt seed (the only ones the warehouse can convert)."""
    with open(path or settings.EXCHANGE_RATES_SEED, newline="") as fh:
        return frozenset(row["currency_code"].strip().upper() for row in csv.DictReader(fh))


@dlt.source(name="ad_spend")
def ad_spend_source(
    bucket_url: str = dlt.config.value,
    credentials: Any = None,
    file_glob: str = settings.AD_SPEND_FILE_GLOB,
    currencies: Sequence[str] | None = None,
    spend_from: str | dt.date | None = None,
    spend_to: str | dt.date | None = None,
) -> Iterable[DltResource]:
    """Daily ad spend per platform and campaign (``daily_spend``) and its malformed rows (``spend_quarantine``).

    ``credentials``: fsspec credentials for object storage (``SOURCES__AD_SPEND__CREDENTIALS__...``), not
    needed for a local folder. ``currencies``: codes that can be converted (default: the exchange_rates seed).
    ``spend_from``/``spend_to`` (ISO dates, both or neither): load the spend dates ``[from, to)`` of every
    file instead of the new or changed files (backfills).
    """
    window = date_window(spend_from, spend_to)
    known = frozenset(c.upper() for c in currencies) if currencies is not None else known_currencies()
    listing_kwargs: dict[str, Any] = {"bucket_url": bucket_url, "file_glob": file_glob}
    credentials = bucket_credentials(bucket_url, "ad_spend", credentials)
    if credentials is not None:
        listing_kwargs["credentials"] = credentials
    files = filesystem(
        **listing_kwargs,
        files_per_page=settings.FILES_PER_PAGE,
        incremental=None if window else dlt.sources.incremental("modification_date"),
    ).with_name("ad_spend_files")

    # Both transformers read the same new files: they are parsed once a run. The first transformer to
    # get a page of files leaves the other what it needs (the spend tables or the malformed rows).
    shared: dict[tuple[Any, ...], tuple[list[pa.Table], list[dict[str, Any]]]] = {}

    def parse(items: list[FileItemDict], part: int) -> Any:
        key = tuple((i["relative_path"], i["modification_date"]) for i in items)
        if key in shared:
            return shared.pop(key)[part]
        tables, quarantined = parse_spend_tables(items, known)
        shared[key] = ([], quarantined) if part == 0 else (tables, [])
        return (tables, quarantined)[part]

    @dlt.transformer(
        name=settings.AD_SPEND_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=["platform", "spend_date"],
        columns=SPEND_COLUMNS,
        file_format="parquet",
    )
    def daily_spend(items: list[FileItemDict]) -> Iterator[pa.Table]:
        for table in parse(items, 0):
            if window is not None:
                days = table.column("spend_date")
                start, end = pa.scalar(window[0], pa.date32()), pa.scalar(window[1], pa.date32())
                table = table.filter(pc.and_(pc.greater_equal(days, start), pc.less(days, end)))
            if table.num_rows:
                yield table

    @dlt.transformer(
        name=settings.AD_SPEND_QUARANTINE_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key="file_path",
        columns=QUARANTINE_COLUMNS,
    )
    def spend_quarantine(items: list[FileItemDict]) -> Iterator[list[dict[str, Any]]]:
        yield parse(items, 1)

    return files | daily_spend, files | spend_quarantine


def date_window(start: str | dt.date | None, end: str | dt.date | None) -> tuple[dt.date, dt.date] | None:
    """``(start, end)`` as dates (ISO strings or dates; a datetime counts by its date), None when both are
    None; a clear error for half a window or an empty one."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValueError("ad spend window: give both spend_from and spend_to, or neither")
    first, last = (
        v.date()
        if isinstance(v, dt.datetime)
        else v
        if isinstance(v, dt.date)
        else dt.date.fromisoformat(v[:10])
        for v in (start, end)
    )
    if first >= last:
        raise ValueError(f"ad spend window [{first}, {last}) is empty")
    return first, last


def parse_spend_tables(
    items: list[FileItemDict], known: frozenset[str]
) -> tuple[list[pa.Table], list[dict[str, Any]]]:
    """The spend rows of the latest file for each (platform, date), a table per file, and the malformed
    rows of every file."""
    ordered = sorted(items, key=lambda i: (i["modification_date"], i["relative_path"]))
    latest: dict[tuple[str, dt.date], str] = {}  # (platform, day) -> path of the latest file stating it
    parsed: list[tuple[str, pa.Table]] = []
    quarantined: list[dict[str, Any]] = []
    for item in ordered:
        table, bad = spend_arrow.parse_file(item, known, _parse_row)
        path = item["relative_path"]
        days = table.select(["platform", "spend_date"]).group_by(["platform", "spend_date"]).aggregate([])
        for platform, day in zip(
            days.column("platform").to_pylist(), days.column("spend_date").to_pylist(), strict=True
        ):
            latest[(platform, day)] = path
        parsed.append((path, table))
        quarantined.extend(bad)
    tables = []
    for path, table in parsed:
        keys = pc.binary_join_element_wise(
            table.column("platform"), pc.cast(table.column("spend_date"), pa.string()), "|"
        )
        owned = pa.array(
            [f"{p}|{d.isoformat()}" for (p, d), owner in latest.items() if owner == path], pa.string()
        )
        kept = table.filter(pc.is_in(keys, value_set=owned))
        if kept.num_rows:
            tables.append(kept)
    return tables, quarantined


def parse_spend_files(
    items: list[FileItemDict], known: frozenset[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the latest file for each (platform, date), and the malformed rows of every file (as dicts)."""
    tables, quarantined = parse_spend_tables(items, known)
    return [row for table in tables for row in table.to_pylist()], quarantined


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _parse_row(row: dict[str, Any], known: frozenset[str]) -> tuple[dict[str, Any] | None, str | None]:
    """(row, None) when clean; (row, reason) when kept but flagged; (None, reason) when malformed."""
    if "__width__" in row:
        return None, f"row has {row['__width__']} fields, the header has {len(row) - 1}"
    reasons: list[str] = []
    day: dt.date | None = None
    raw_day = row.get("date")
    try:  # CSV: text; Parquet: a date or timestamp
        if isinstance(raw_day, dt.datetime):
            day = raw_day.date()
        elif isinstance(raw_day, dt.date):
            day = raw_day
        else:
            day = dt.date.fromisoformat(str(_text(raw_day) or ""))
    except ValueError:
        reasons.append(f"date is not YYYY-MM-DD: {row.get('date')!r}")
    platform = (_text(row.get("platform")) or "").lower()
    if not platform:
        reasons.append("platform is empty")
    campaign_id, campaign_name = _text(row.get("campaign_id")), _text(row.get("campaign_name"))
    if campaign_id is None and campaign_name is None:
        reasons.append("campaign_id and campaign_name are both empty")
    cost: Decimal | None = None
    try:
        cost = Decimal(str(_text(row.get("cost"))).replace(",", ""))
        if not cost.is_finite() or cost < 0:
            raise InvalidOperation
    except InvalidOperation:
        reasons.append(f"cost is not a non-negative number: {row.get('cost')!r}")
    currency = (_text(row.get("currency")) or "").upper()
    if not CURRENCY_CODE.match(currency):
        reasons.append(f"currency is not a 3-letter ISO 4217 code: {row.get('currency')!r}")
    counts: dict[str, int] = {}
    for name in ("clicks", "impressions"):
        text = _text(row.get(name))
        if text is None:
            reasons.append(f"{name} is empty")
        elif not text.replace(",", "").isdigit():
            reasons.append(f"{name} is not a non-negative integer: {row.get(name)!r}")
        else:
            counts[name] = int(text.replace(",", ""))
    if reasons:
        return None, "; ".join(reasons)
    extra = {k: v for k, v in row.items() if k not in _KNOWN_INPUTS}
    parsed = {
        "spend_date": day,
        "platform": platform,
        "channel": (_text(row.get("channel")) or "").lower() or None,
        "campaign_id": campaign_id,
        "campaign_name": campaign_name,
        "cost": cost,
        "currency": currency,
        **counts,
        **extra,
    }
    flag = None if currency in known else f"unknown currency {currency!r} (no rate in seed exchange_rates)"
    return parsed, flag


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
