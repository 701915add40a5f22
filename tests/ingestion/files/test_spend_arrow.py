"""The column-by-column CSV path of ad-spend files loads exactly what the row-by-row rules load: the same rows,
values and quarantine reasons, whichever rows a file mixes (expected values written by hand below)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from files_support import write_csv

from ingestion.files import spend_arrow
from ingestion.files.ad_spend import _parse_row

HEADER = [
    "Date",
    "Platform",
    "Channel",
    "Campaign",
    "Cost",
    "Currency",
    "Clicks",
    "Impressions",
    "Conversions",
]
ROWS = [
    ["2025-01-05", "Meta_Ads", "Social", "Spring", "12.50", "EUR", "4", "400", "1"],  # 2: plain
    ["2025-01-05", "meta_ads", "social", "Summer", "1,234.5", "usd", "1,200", "40,000", "2"],  # 3: separators
    [" 2025-01-06 ", " meta_ads ", "", " Swiss ", " 40.00 ", "CHF", "2", "90", "0"],  # 4: spaces, no channel
    ["2025-02-30", "meta_ads", "social", "Spring", "1.00", "EUR", "1", "10", "0"],  # 5: no such day
    ["2025-01-06", "meta_ads", "social", "", "5.00", "US", "x", "1", "0"],  # 6: three problems
    ["", " ", "", "", "", "", "", "", ""],  # 7: blank values: skipped like a blank line
    ["2025-01-07", "meta_ads", "social", "Tiny", "0.1234567", "EUR", "0", "0", "0"],  # 8: 7 decimals
]


def _item(path: Path) -> dict[str, Any]:
    from dlt.common.storages.fsspec_filesystem import FileItemDict
    from fsspec.implementations.local import LocalFileSystem

    return FileItemDict(
        {
            "file_url": path.as_uri(),
            "file_name": path.name,
            "relative_path": path.name,
            "modification_date": dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
            "mime_type": "text/csv",
            "encoding": None,
            "size_in_bytes": path.stat().st_size,
        },
        LocalFileSystem(),
    )


def _rows(table: Any) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: r["line_number"])


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("spend") / "meta.csv", ROWS, header=HEADER)


def test_column_path_equals_row_path(csv_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    known = frozenset({"EUR", "USD"})
    fast_table, fast_bad = spend_arrow.parse_file(_item(csv_file), known, _parse_row)
    monkeypatch.setattr(spend_arrow, "_read_csv", lambda item: None)  # every row through _parse_row
    slow_table, slow_bad = spend_arrow.parse_file(_item(csv_file), known, _parse_row)
    assert _rows(fast_table) == _rows(slow_table)
    assert fast_bad == slow_bad
    assert fast_table.schema.field("cost").type == slow_table.schema.field("cost").type


def test_values_and_reasons_by_hand(csv_file: Path) -> None:
    table, bad = spend_arrow.parse_file(_item(csv_file), frozenset({"EUR", "USD"}), _parse_row)
    rows = {r["line_number"]: r for r in table.to_pylist()}
    assert sorted(rows) == [2, 3, 4, 8]
    assert (rows[2]["platform"], rows[2]["channel"], rows[2]["cost"], rows[2]["clicks"]) == (
        "meta_ads",
        "social",
        Decimal("12.50"),
        4,
    )
    assert (rows[3]["cost"], rows[3]["currency"], rows[3]["clicks"], rows[3]["impressions"]) == (
        Decimal("1234.5"),
        "USD",
        1200,
        40000,
    )
    assert rows[4]["spend_date"] == dt.date(2025, 1, 6) and rows[4]["channel"] is None
    assert rows[4]["campaign_name"] == "Swiss" and rows[4]["cost"] == Decimal("40.00")
    assert rows[4]["quarantine_reason"] == "unknown currency 'CHF' (no rate in seed exchange_rates)"
    assert rows[2]["quarantine_reason"] is None and rows[2]["conversions"] == "1"
    assert rows[8]["cost"] == Decimal("0.123457")  # the column's 6 places, as the warehouse rounds
    assert [(b["line_number"], b["reason"]) for b in bad] == [
        (5, "date is not YYYY-MM-DD: '2025-02-30'"),
        (
            6,
            "campaign_id and campaign_name are both empty; currency is not a 3-letter ISO 4217 code: 'US';"
            " clicks is not a non-negative integer: 'x'",
        ),
    ]
