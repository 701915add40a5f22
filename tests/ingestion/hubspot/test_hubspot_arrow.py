"""The Arrow path (crm_arrow.records_table) types pages exactly as the row path (crm.to_row) does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from ingestion.hubspot.crm import to_row
from ingestion.hubspot.crm_arrow import records_table
from ingestion.sandbox.hubspot_shapes import PROPERTY_TYPES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hubspot"


def _kinds(obj: str) -> dict[str, str]:
    return {
        n: "currency" if n == "amount" else t
        for n, (t, _) in PROPERTY_TYPES[obj].items()
        if n != "hs_object_id"
    }


def _both(obj: str, records: list[dict[str, Any]], kinds: dict[str, str]) -> tuple[Any, ...]:
    q_rows: list[dict[str, Any]] = []
    q_table: list[dict[str, Any]] = []
    rows = [to_row(obj, r, kinds, q_rows) for r in records]
    table = records_table(obj, records, kinds, q_table)
    got = table.to_pylist()
    for q in (*q_rows, *q_table):
        q.pop("detected_at")
    return rows, got, q_rows, q_table, table


@pytest.mark.parametrize(
    ("obj", "name"), [("contacts", "contacts"), ("companies", "companies"), ("deals", "deals")]
)
def test_real_pages_equal_the_row_path(obj: str, name: str) -> None:
    records = json.loads((FIXTURES / f"mock_data.mock_{name}_data.json").read_text())["results"]
    rows, got, q_rows, q_table, table = _both(obj, records, _kinds(obj))
    assert len(got) == len(rows) > 0
    for want, row in zip(rows, got, strict=True):
        assert {k: row[k] for k in want} == want
        assert all(row[k] is None for k in set(row) - set(want))  # a column another record has
    assert q_rows == q_table == []
    assert table.schema.field("id").nullable is False


def test_misfits_are_quarantined_like_the_row_path_and_odd_values_parse_alike() -> None:
    kinds = {
        "amount": "currency",
        "score": "number",
        "closedate": "datetime",
        "renewal": "date",
        "is_vip": "bool",
        "note": "string",
    }
    base = {"createdAt": "2024-01-02T03:04:05.678Z", "updatedAt": "2024-01-03T00:00:00Z", "archived": False}
    props = [
        {
            "amount": "1000.50",
            "score": "1e3",
            "closedate": "1700000000000",
            "renewal": "2024-05-01T00:00:00Z",
        },
        {"amount": "", "score": " 12 ", "closedate": "2024-02-01", "renewal": "2024-05-02", "is_vip": "TRUE"},
        {
            "amount": "lots",
            "score": "-Infinity",
            "closedate": "soon",
            "renewal": "17",
            "is_vip": "yes",
            "note": "",
        },
        {
            "amount": "7",
            "score": "1_000",
            "closedate": None,
            "is_vip": "false",
            "note": "x",
            "new_field": "n",
        },
    ]
    records = [{"id": str(i + 1), "properties": p, **base} for i, p in enumerate(props)]
    rows, got, q_rows, q_table, table = _both("deals", records, kinds)
    for want, row in zip(rows, got, strict=True):
        assert {k: row[k] for k in want} == want
    assert q_table == q_rows
    assert {(q["object_id"], q["property_name"]) for q in q_table} == {
        ("3", "amount"),
        ("3", "closedate"),
        ("3", "is_vip"),
    }
    assert table.schema.field("amount").type == pa.decimal128(38, 9)
    assert table.schema.field("closedate").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("new_field").type == pa.string()  # a new property: a new text column
