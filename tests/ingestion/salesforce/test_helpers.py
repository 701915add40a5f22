"""Record clean-up on a real-shaped REST page, column hints, SOQL building, naming."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from ingestion.salesforce import build_soql, table_name
from ingestion.salesforce.helpers import clean_record, column_hints, column_key, parse_datetime, soql_datetime

FIXTURES = Path(__file__).parents[2] / "fixtures" / "salesforce"
TYPES = {
    "Id": "id",
    "IsDeleted": "boolean",
    "Name": "string",
    "StageName": "picklist",
    "Amount": "currency",
    "Probability": "percent",
    "CloseDate": "date",
    "IsClosed": "boolean",
    "IsWon": "boolean",
    "Term_Months__c": "double",
    "CreatedDate": "datetime",
    "SystemModstamp": "datetime",
}


def test_clean_real_shaped_page() -> None:
    page = json.loads((FIXTURES / "query_opportunity_page.json").read_text(), parse_float=Decimal)
    won, deleted = (clean_record(r, TYPES) for r in page["records"])
    assert "attributes" not in won and "Account" not in won  # relationship objects dropped
    assert won["Amount"] == Decimal("75000.0") and deleted["Amount"] == Decimal("270000.55")
    assert won["CloseDate"] == dt.date(2024, 3, 14) and deleted["CloseDate"] is None
    assert won["SystemModstamp"] == dt.datetime(2024, 3, 14, 9, 5, 41, tzinfo=dt.UTC)
    assert won["Term_Months_c"] == 12.0 and isinstance(won["Term_Months_c"], float)
    assert won["Probability"] == 100.0 and deleted["IsDeleted"] is True


def test_hints_naming_and_soql() -> None:
    hints = column_hints(
        [{"name": n, "type": t} for n, t in TYPES.items()]
        + [{"name": "Amount2", "type": "currency", "precision": 18, "scale": 2}]
    )
    assert hints["Amount"]["data_type"] == "decimal" and hints["Amount2"]["scale"] == 2
    assert hints["SystemModstamp"] == {
        "name": "SystemModstamp",
        "data_type": "timestamp",
        "nullable": True,
        "timezone": True,
    }
    assert hints["Term_Months_c"]["data_type"] == "double" and hints["Id"]["nullable"] is False
    assert column_key("Buying_Role__c") == "Buying_Role_c" and column_key("StageName") == "StageName"
    assert table_name("OpportunityContactRole") == "opportunity_contact_role"
    since = parse_datetime("2024-03-14T09:05:41.789+0000")
    assert soql_datetime(since) == "2024-03-14T09:05:41Z"  # floored: >= re-reads, never skips
    assert build_soql("Lead", ["Id", "SystemModstamp"], since) == (
        "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp >= 2024-03-14T09:05:41Z "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )
