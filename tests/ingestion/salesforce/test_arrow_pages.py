"""The Arrow path types a real-shaped page exactly as the row path (clean_record) does, and refuses misfits."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from ingestion.salesforce.arrow_pages import PageSchema, SalesforceTypeError
from ingestion.salesforce.helpers import clean_record, column_key

FIXTURES = Path(__file__).parents[2] / "fixtures" / "salesforce"
FIELDS = [
    {"name": "Id", "type": "id"},
    {"name": "IsDeleted", "type": "boolean"},
    {"name": "Name", "type": "string"},
    {"name": "StageName", "type": "picklist"},
    {"name": "Amount", "type": "currency", "precision": 18, "scale": 2},
    {"name": "Probability", "type": "percent"},
    {"name": "CloseDate", "type": "date"},
    {"name": "IsClosed", "type": "boolean"},
    {"name": "IsWon", "type": "boolean"},
    {"name": "Term_Months__c", "type": "double"},
    {"name": "CreatedDate", "type": "datetime"},
    {"name": "SystemModstamp", "type": "datetime"},
]
TYPES = {f["name"]: f["type"] for f in FIELDS}


def _table(body: bytes) -> pa.Table:
    table, done, next_url = PageSchema("Opportunity", FIELDS).read(body)
    page = orjson.loads(body)
    assert (done, next_url) == (page.get("done", True), page.get("nextRecordsUrl"))
    slow = PageSchema("Opportunity", FIELDS).table(page, body)  # the orjson path gives the same table
    assert table.equals(slow)
    return table


def test_real_shaped_page_equals_the_row_path() -> None:
    body = (FIXTURES / "query_opportunity_page.json").read_bytes()
    table = _table(body)
    rows = [clean_record(r, TYPES) for r in json.loads(body, parse_float=Decimal)["records"]]
    assert table.column_names == [column_key(f["name"]) for f in FIELDS]  # Term_Months_c, as in the rows
    assert table.schema.field("Amount").type == pa.decimal128(18, 2)
    assert table.schema.field("SystemModstamp").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("Id").nullable is False
    for got, want in zip(table.to_pylist(), rows, strict=True):
        assert got == {k: want.get(k) for k in got}  # relationship objects and attributes left out
    assert table.column("Amount").to_pylist() == [Decimal("75000.00"), Decimal("270000.55")]


def _page(**values: object) -> bytes:
    record = {"attributes": {"type": "Opportunity"}, "Id": "006000000000001AAA", **values}
    return orjson.dumps({"totalSize": 1, "done": True, "records": [record]})


def test_currency_beyond_a_float_is_exact_and_paging_is_read() -> None:
    body = (
        b'{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v61.0/query/01g-1",'
        b'"records":[{"Id":"006A","Amount":1234567890123456.78}]}'
    )
    assert _table(body).column("Amount").to_pylist() == [Decimal("1234567890123456.78")]
    assert Decimal(repr(1234567890123456.78)) != Decimal("1234567890123456.78")  # a float cannot hold it


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Term_Months__c", "twelve"),  # a number field that now carries text
        ("Term_Months__c", True),
        ("IsWon", "false"),  # the row path's bool("false") would have said True
        ("CloseDate", "next week"),
        ("SystemModstamp", 1700000000000),
        ("Name", 42),  # a text field that now carries a number
        ("Amount", "a lot"),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused(field: str, value: object) -> None:
    with pytest.raises(SalesforceTypeError) as e:
        PageSchema("Opportunity", FIELDS).read(_page(**{field: value}))
    assert f"Opportunity.{field}" in str(e.value) and "never coerced" in str(e.value)
    assert repr(value)[:20] in str(e.value)


def test_empty_and_truncated_pages() -> None:
    table, done, _ = PageSchema("Opportunity", FIELDS).read(b'{"totalSize":0,"done":true,"records":[]}')
    assert table.num_rows == 0 and done is True and table.schema.field("Amount").type == pa.decimal128(18, 2)
    body = (FIXTURES / "query_opportunity_page.json").read_bytes()
    with pytest.raises(ValueError):  # the client turns this into a SalesforceError (truncated JSON)
        PageSchema("Opportunity", FIELDS).read(body[: len(body) // 2])
