"""Marketo pages as Arrow tables type every value as the row-by-row casting rules (``fields.cast``) do:
no value coerced, a value that does not fit its field quarantined, a bad activity refused by name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from ingestion.marketo import snake
from ingestion.marketo.arrow_pages import ActivityPageError, TableBatches, activity_tables, lead_table
from ingestion.marketo.fields import BadValue, cast

KINDS = {
    "id": "integer",
    "email": "email",
    "numberOfEmployees": "integer",
    "annualRevenue": "currency",
    "score": "float",
    "unsubscribed": "boolean",
    "birthday": "date",
    "updatedAt": "datetime",
}
LEADS: list[dict[str, Any]] = [
    {
        "id": 1,
        "email": "a@example.com",
        "numberOfEmployees": 50,
        "annualRevenue": 1234.5,
        "score": 0.25,
        "unsubscribed": False,
        "birthday": "1990-05-01",
        "updatedAt": "2025-01-02T03:04:05Z",
    },
    {
        "id": 2,
        "email": "",
        "numberOfEmployees": "75",
        "annualRevenue": 0.1234567891234,
        "score": "1.5",
        "unsubscribed": "true",
        "birthday": None,
        "updatedAt": "2025-01-02T03:04:05+0100",
    },
    {
        "id": 3,
        "email": 7,
        "numberOfEmployees": "about fifty",
        "annualRevenue": True,
        "score": 3,
        "unsubscribed": "maybe",
        "birthday": "soon",
        "updatedAt": "2025-01-02T03:04:05",
        "newField": "hello",
    },
]


def test_lead_table_casts_as_fields_cast_and_quarantines_the_rest() -> None:
    quarantine: list[dict[str, Any]] = []
    table = lead_table(LEADS, KINDS, snake, quarantine)
    rows = table.to_pylist()
    for lead, row in zip(LEADS, rows, strict=True):
        for name, value in lead.items():
            kind = KINDS.get(name, "string")
            try:
                expected = cast(value, kind)
            except BadValue:
                expected = None
            if isinstance(expected, Decimal):
                expected = expected.quantize(Decimal("1e-9"))  # the column's scale
            assert row[snake(name)] == expected, (lead["id"], name)
    assert rows[1]["number_of_employees"] == 75 and rows[1]["unsubscribed"] is True
    assert rows[1]["updated_at"] == dt.datetime(2025, 1, 2, 2, 4, 5, tzinfo=dt.UTC)
    assert rows[2]["updated_at"] == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # no offset: UTC
    assert rows[2]["new_field"] == "hello" and rows[0]["new_field"] is None  # a field describe lacks: text
    assert sorted((q["object_id"], q["field_name"], q["value"], q["loaded_type"]) for q in quarantine) == [
        ("3", "annualRevenue", "True", "currency"),
        ("3", "birthday", "soon", "date"),
        ("3", "numberOfEmployees", "about fifty", "integer"),
        ("3", "unsubscribed", "maybe", "boolean"),
    ]
    assert table.schema.field("annual_revenue").type == pa.decimal128(38, 9)
    assert table.schema.field("updated_at").type == pa.timestamp("us", tz="UTC")


def _activity(guid: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": 10,
        "marketoGUID": guid,
        "leadId": 5,
        "activityDate": "2025-03-01T10:00:00Z",
        "activityTypeId": 2,
        "campaignId": None,
        "primaryAttributeValueId": 7001,
        "primaryAttributeValue": "Form",
        "attributes": [],
        **extra,
    }


def test_activity_tables_type_dates_and_attribute_values() -> None:
    page = [
        _activity(
            "10",
            attributes=[
                {"name": "Success", "value": True},
                {"name": "Program Member ID", "value": 12},
                {"name": "Form Fields", "value": {"email": "x"}},
                {"name": "Referrer URL", "value": None},
            ],
        ),
        _activity(11, activityDate="2025-03-01T12:00:00+0200", campaignId=5001),
        _activity("12", activityDate="2025-03-01 09:30:00"),  # no offset: UTC, as parse_datetime
    ]
    activities, attributes = activity_tables(page)
    rows = activities.to_pylist()
    assert [r["marketo_guid"] for r in rows] == ["10", "11", "12"]
    assert [r["activity_date"].isoformat() for r in rows] == [
        "2025-03-01T10:00:00+00:00",
        "2025-03-01T10:00:00+00:00",
        "2025-03-01T09:30:00+00:00",
    ]
    assert rows[0]["primary_attribute_value_id"] == "7001" and rows[1]["campaign_id"] == 5001
    assert attributes.to_pylist() == [
        {"marketo_guid": "10", "name": "Success", "value": "true"},
        {"marketo_guid": "10", "name": "Program Member ID", "value": "12"},
        {"marketo_guid": "10", "name": "Form Fields", "value": '{"email": "x"}'},
        {"marketo_guid": "10", "name": "Referrer URL", "value": None},
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"activityDate": None}, "no activityDate"),
        ({"activityDate": "yesterday"}, "activityDate 'yesterday' is not ISO 8601"),
        ({"leadId": None}, "leadId is missing"),
        ({"id": 1.5}, "id 1.5 is not a whole number"),
    ],
)
def test_a_bad_activity_is_refused_by_name(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ActivityPageError, match=message):
        activity_tables([_activity("1"), _activity("2", **change)])


def test_table_batches_join_pages_per_table() -> None:
    batches = TableBatches(rows=3)
    one = pa.table({"a": [1, 2]})
    assert list(batches.add("t", one)) == []
    [item] = list(batches.add("t", one))
    assert item.meta.table_name == "t" and item.data.num_rows == 4
    assert list(batches.add("u", one)) == []
    [rest] = list(batches.flush())
    assert rest.meta.table_name == "u" and rest.data.num_rows == 2
