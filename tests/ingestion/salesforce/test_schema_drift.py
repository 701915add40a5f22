"""Schema drift on the Arrow path: a new custom field becomes a column; a changed type is refused, not coerced."""

from __future__ import annotations

import pytest
from sf_support import Runner

from ingestion.sandbox import salesforce_schema
from ingestion.sandbox.org import SalesforceOrg


def test_new_custom_field_becomes_a_column(
    org: SalesforceOrg, runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner(objects=["Opportunity"])
    assert "region_c" not in {r[0] for r in runner.sql("describe raw_salesforce.opportunity")}
    monkeypatch.setitem(
        salesforce_schema.SALESFORCE_OBJECTS,
        "Opportunity",
        {**salesforce_schema.SALESFORCE_OBJECTS["Opportunity"], "Region__c": "string"},
    )
    for rec in org.records("Opportunity"):
        rec.setdefault("Region__c", None)  # the field exists on every record from now on
    opp = org.records("Opportunity")[0]["Id"]
    org.update("Opportunity", opp, {"Region__c": "EMEA"})
    # the three records are within the 300 s look-back, and each one's content now has the new field: all
    # three are new versions (merged on Id), not only the one changed
    assert runner(objects=["Opportunity"]) == {"opportunity": 3}
    assert runner.sql("select id, region_c from raw_salesforce.opportunity where region_c is not null") == [
        (opp, "EMEA")
    ]
    assert runner.count("opportunity") == 3


def test_changed_field_type_is_refused_and_cursor_stays(
    org: SalesforceOrg, runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner(objects=["Opportunity"])
    before = runner.state()
    loaded = runner.sql("select id, probability from raw_salesforce.opportunity order by id")
    fields = dict(salesforce_schema.SALESFORCE_OBJECTS["Opportunity"])
    fields["Probability"] = "string"  # percent -> text in describe
    monkeypatch.setitem(salesforce_schema.SALESFORCE_OBJECTS, "Opportunity", fields)
    opp = org.records("Opportunity")[0]["Id"]
    org.update("Opportunity", opp, {"Probability": "likely"})
    with pytest.raises(Exception, match=r"changed the type of Probability \(double -> text\)") as e:
        runner(objects=["Opportunity"])
    assert "not loaded" in str(e.value)
    assert runner.state() == before  # the cursor did not move
    assert runner.sql("select id, probability from raw_salesforce.opportunity order by id") == loaded
    column = runner.sql(
        "select data_type from information_schema.columns where table_schema = 'raw_salesforce' "
        "and table_name = 'opportunity' and column_name = 'probability'"
    )
    assert column == [("DOUBLE",)]
