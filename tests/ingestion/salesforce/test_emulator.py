"""Salesforce emulator: OAuth, describe, SOQL subset, paging, query vs queryAll, faults, formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sf_support import T0, add_records, api

from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator, format_value
from ingestion.sandbox.salesforce_soql import SoqlError, parse_soql

V = "/services/data/v61.0"


@pytest.mark.parametrize(
    "literal",
    [
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T01:00:00+0100",
    ],
)
def test_soql_datetime_literals(literal: str) -> None:
    q = parse_soql(
        f"select Id, systemmodstamp from Opportunity where SystemModstamp >= {literal} "
        "order by SystemModstamp asc, Id asc limit 5"
    )
    assert q.obj == "Opportunity" and q.fields == ["Id", "SystemModstamp"] and q.limit == 5
    assert q.where[0].value == dt.datetime(2024, 1, 1, tzinfo=dt.UTC) and q.where[0].op == ">="
    assert q.order_by == [("SystemModstamp", False), ("Id", False)]


def test_soql_conditions_and_errors() -> None:
    q = parse_soql(
        "SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00Z "
        "AND SystemModstamp < 2024-02-01T00:00:00Z AND IsDeleted = false"
    )
    assert [(c.field, c.op) for c in q.where] == [
        ("SystemModstamp", ">"),
        ("SystemModstamp", "<"),
        ("IsDeleted", "="),
    ]
    assert parse_soql("SELECT Id, BillingAddress FROM Account").fields == ["Id", "BillingAddress"]
    for soql, code in [
        ("SELECT Id, Nope__c FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELEC Id FROM Account", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00 00:00",
            "MALFORMED_QUERY",
        ),  # '+' unescaped
        ("SELECT Id FROM Account WHERE SystemModstamp >= '2024-01-01'", "INVALID_FIELD"),
    ]:
        with pytest.raises(SoqlError) as e:
            parse_soql(soql)
        assert e.value.code == code, soql


def test_format_value() -> None:
    assert (
        format_value(dt.datetime(2020, 10, 22, 21, 3, 23, 456789, tzinfo=dt.UTC))
        == "2020-10-22T21:03:23.456+0000"
    )
    assert format_value(dt.date(2020, 10, 22)) == "2020-10-22"
    assert format_value(Decimal("1234.56")) == 1234.56


def test_oauth_and_session(emulator: SalesforceEmulator) -> None:
    url = f"{emulator.base_url}/services/oauth2/token"
    bad = requests.post(
        url, data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    ok = requests.post(
        url,
        data={
            "grant_type": "password",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "username": "u",
            "password": "p",
        },
    ).json()
    assert ok["instance_url"] == emulator.base_url and ok["token_type"] == "Bearer"
    assert api(emulator, f"{V}/sobjects/", ok["access_token"]).status_code == 200
    assert requests.get(f"{emulator.base_url}{V}/sobjects/").status_code == 401
    emulator.expire_tokens()
    r = api(emulator, f"{V}/sobjects/", ok["access_token"])
    assert r.status_code == 401 and r.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_describe_and_versions(emulator: SalesforceEmulator) -> None:
    assert api(emulator, "/services/data/").json()[0]["version"] == "61.0"
    fields = {f["name"]: f for f in api(emulator, f"{V}/sobjects/Account/describe").json()["fields"]}
    assert fields["BillingAddress"]["type"] == "address" and fields["AnnualRevenue"]["type"] == "currency"
    r = api(emulator, f"{V}/sobjects/Nope/describe")
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"
    assert r.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_paging_snapshot_and_formats() -> None:
    org = SalesforceOrg(T0)
    recs = add_records(org, "Opportunity", 450)
    with SalesforceEmulator(org) as emu:
        token = requests.post(
            f"{emu.base_url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": emu.client_id,
                "client_secret": emu.client_secret,
            },
        ).json()["access_token"]
        soql = "SELECT Id, Amount, CloseDate, IsWon, AccountId, SystemModstamp FROM Opportunity ORDER BY Id"
        page = api(
            emu, f"{V}/query", token, params={"q": soql}, headers={"Sforce-Query-Options": "batchSize=200"}
        ).json()
        assert page["totalSize"] == 450 and not page["done"] and len(page["records"]) == 200
        assert page["nextRecordsUrl"].startswith(f"{V}/query/01g") and page["nextRecordsUrl"].endswith("-200")
        first = page["records"][0]
        assert first["attributes"] == {
            "type": "Opportunity",
            "url": f"{V}/sobjects/Opportunity/{recs[0]['Id']}",
        }
        assert first["Amount"] == 1001.01 and first["CloseDate"] == "2025-01-02" and first["IsWon"] is False
        assert first["AccountId"] is None and first["SystemModstamp"].endswith(".000+0000")
        org.update("Opportunity", recs[-1]["Id"], {"Name": "changed after the query started"})
        org.delete("Opportunity", recs[-2]["Id"])
        seen = [r["Id"] for r in page["records"]]
        while not page["done"]:
            page = api(emu, page["nextRecordsUrl"], token).json()
            seen += [r["Id"] for r in page["records"]]
        assert seen == sorted(r["Id"] for r in recs)  # the snapshot still has the deleted row
        live = api(emu, f"{V}/query", token, params={"q": "SELECT Id FROM Opportunity"}).json()
        every = api(emu, f"{V}/queryAll", token, params={"q": "SELECT Id, IsDeleted FROM Opportunity"}).json()
        assert live["totalSize"] == 449 and every["totalSize"] == 450
        assert sum(r["IsDeleted"] for r in every["records"]) == 1
        limited = api(
            emu,
            f"{V}/query",
            token,
            params={
                "q": f"SELECT Id FROM Opportunity WHERE SystemModstamp >= {recs[10]['SystemModstamp']:%Y-%m-%dT%H:%M:%SZ} "
                "ORDER BY SystemModstamp DESC LIMIT 3"
            },
        ).json()
        ids = [r["Id"] for r in limited["records"]]
        assert ids[0] == recs[-1]["Id"] and recs[-2]["Id"] not in ids and len(ids) == 3  # latest first
        bad = api(emu, f"{V}/query", token, params={"q": "SELECT Id, Bogus FROM Opportunity"})
        assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


def test_fault_injection(emulator: SalesforceEmulator) -> None:
    emulator.inject_fault(
        f"{V}/sobjects",
        503,
        [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}],
        {"Retry-After": "0"},
        skip=1,
    )
    assert api(emulator, f"{V}/sobjects/").status_code == 200
    r = api(emulator, f"{V}/sobjects/")
    assert r.status_code == 503 and r.headers["Retry-After"] == "0"
    assert api(emulator, f"{V}/sobjects/").status_code == 200 and emulator.faults == []


def test_serve_forever_starts_and_stops(org: SalesforceOrg, capsys: pytest.CaptureFixture[str]) -> None:
    import threading
    import time

    from ingestion.sandbox.serve import serve_forever

    stop = threading.Event()
    thread = threading.Thread(target=serve_forever, args=(org, "127.0.0.1", 0), kwargs={"stop_event": stop})
    thread.start()
    for _ in range(50):
        if "listening on http://127.0.0.1:" in capsys.readouterr().out:
            break
        time.sleep(0.05)
    else:
        pytest.fail("emulator did not report its URL")
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_warehouse_destination_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.pipelines import REPO_ROOT, warehouse_destination

    monkeypatch.delenv("ONEFUNNEL_WAREHOUSE", raising=False)
    assert str(warehouse_destination(str(tmp_path / "w.duckdb")).config_params["credentials"]).endswith(
        "w.duckdb"
    )
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", "postgresql://u:p@localhost:5432/onefunnel")
    assert warehouse_destination().destination_name == "postgres"
    assert str(REPO_ROOT / "data") in str(warehouse_destination("data/x.duckdb").config_params["credentials"])
