"""Full and incremental loads from the emulator into DuckDB: counts, exact values, types, merges, deletes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sf_support import Runner

from ingestion.salesforce import table_name
from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS


def _columns(runner: Runner, table: str) -> dict[str, str]:
    rows = runner.sql(
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = 'raw_salesforce' and table_name = '{table}'"
    )
    return dict(rows)


def test_full_load_equals_org(org: SalesforceOrg, runner: Runner) -> None:
    counts = runner()
    expected = {table_name(o): len(org.records(o)) for o in SALESFORCE_OBJECTS}
    assert counts == expected
    assert {t: runner.count(t) for t in expected} == expected

    opp = org.records("Opportunity")[1]
    row = runner.sql(
        "select amount, close_date, is_won, is_closed, probability, term_months_c, system_modstamp, "
        f"created_date, is_deleted from raw_salesforce.opportunity where id = '{opp['Id']}'"
    )[0]
    assert row[0] == opp["Amount"] == Decimal("1002.02")
    assert row[1] == opp["CloseDate"] and row[2] is opp["IsWon"] and row[3] is opp["IsClosed"]
    assert row[4] == opp["Probability"] and row[5] == opp["Term_Months__c"]
    assert row[6] == opp["SystemModstamp"] and row[7] == opp["CreatedDate"] and row[8] is False

    cols = _columns(runner, "opportunity")
    assert cols["amount"].startswith("DECIMAL") and cols["close_date"] == "DATE"
    assert cols["system_modstamp"] == "TIMESTAMP WITH TIME ZONE" and cols["is_won"] == "BOOLEAN"
    assert cols["probability"] == "DOUBLE" and cols["term_months_c"] == "DOUBLE"
    assert {"_dlt_load_id", "_dlt_id"} <= set(cols)
    account_cols = _columns(runner, "account")
    assert not any("address" in c for c in account_cols)  # compound BillingAddress skipped
    assert account_cols["number_of_employees"] == "BIGINT" and account_cols["billing_city"] == "VARCHAR"
    # all-null columns still exist with their describe type
    assert account_cols["parent_id"] == "VARCHAR" and cols["account_id"] == "VARCHAR"
    assert "is_deleted" not in _columns(runner, "user")


def test_all_null_typed_columns(org: SalesforceOrg, runner: Runner) -> None:
    for rec in org.records("Opportunity"):
        rec.update(Amount=None, CloseDate=None, IsWon=None, Term_Months__c=None, LastModifiedDate=None)
    runner(objects=["Opportunity"])
    cols = _columns(runner, "opportunity")
    assert (
        cols["amount"].startswith("DECIMAL") and cols["close_date"] == "DATE" and cols["is_won"] == "BOOLEAN"
    )
    assert cols["term_months_c"] == "DOUBLE" and cols["last_modified_date"] == "TIMESTAMP WITH TIME ZONE"
    assert runner.sql("select count(*) from raw_salesforce.opportunity where amount is null")[0][0] == 3


def test_incremental_insert_update_delete(org: SalesforceOrg, runner: Runner) -> None:
    runner()
    again = runner()
    assert again == {}  # nothing changed: nothing extracted
    assert runner.count("opportunity") == 3 and runner.count("account") == 3

    opps = org.records("Opportunity")
    org.update("Opportunity", opps[0]["Id"], {"StageName": "Closed Won", "Amount": Decimal("55555.55")})
    org.delete("Opportunity", opps[1]["Id"])
    new = org.insert(
        "Opportunity",
        {
            "Name": "New deal",
            "Amount": Decimal("10.10"),
            "SystemModstamp": org.tick(),
            "CloseDate": dt.date(2026, 3, 31),
        },
    )
    org.update("Account", org.records("Account")[0]["Id"], {"Name": "Renamed"})
    counts = runner()
    assert counts == {"opportunity": 3, "account": 1}
    rows = {
        r[0]: r[1:]
        for r in runner.sql("select id, stage_name, amount, is_deleted from raw_salesforce.opportunity")
    }
    assert len(rows) == 4 and runner.count("opportunity") == 4  # no duplicate ids
    assert rows[opps[0]["Id"]] == ("Closed Won", Decimal("55555.55"), False)
    assert rows[opps[1]["Id"]][2] is True
    assert rows[new["Id"]] == (None, Decimal("10.10"), False)
    assert runner.sql(
        f"select name from raw_salesforce.account where id = '{org.records('Account')[0]['Id']}'"
    ) == [("Renamed",)]
    assert runner() == {}
