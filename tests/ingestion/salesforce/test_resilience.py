"""Token expiry, retries, clear 4xx errors, API limits, and a cursor that only moves with a completed load."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sf_support import Runner

from ingestion.salesforce import SalesforceClient, SalesforceCredentials
from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

V = "/services/data/v61.0"
TOKEN = "/services/oauth2/token"


def test_token_expiry_mid_run_reauthenticates(
    emulator: SalesforceEmulator, runner: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # the 4th query request first expires every token, then is answered normally: a real 401
    emulator.inject_fault(f"{V}/query", None, skip=3, action=emulator.expire_tokens)
    counts = runner()
    assert sum(counts.values()) == 27
    assert emulator.count_requests(TOKEN, "POST") == 2
    assert emulator.client_secret not in caplog.text and "Bearer" not in caplog.text


def test_injected_503_and_429_are_retried(emulator: SalesforceEmulator, runner: Runner) -> None:
    emulator.inject_fault(
        f"{V}/queryAll",
        503,
        [{"errorCode": "SERVER_UNAVAILABLE", "message": "busy"}],
        {"Retry-After": "0"},
        skip=2,
    )
    emulator.inject_fault(f"{V}/queryAll", 429, "", {"Retry-After": "0"}, skip=4)
    assert sum(runner().values()) == 27
    assert emulator.count_requests(f"{V}/queryAll") == 8 + 2  # 8 objects with IsDeleted + 2 retries
    assert emulator.count_requests(f"{V}/query/") == 1  # User has no IsDeleted: plain query


def test_invalid_field_is_clear_and_cursor_stays(
    org: SalesforceOrg, emulator: SalesforceEmulator, runner: Runner
) -> None:
    runner()
    before = runner.state()
    opp = org.records("Opportunity")[0]
    org.update("Opportunity", opp["Id"], {"Amount": Decimal("1.23")})
    org.update("Account", org.records("Account")[0]["Id"], {"Name": "changed"})
    body = [{"errorCode": "INVALID_FIELD", "message": "No such column 'Foo__c' on entity 'X'"}]
    emulator.inject_fault(f"{V}/queryAll", 400, body, skip=5)
    with pytest.raises(Exception, match="INVALID_FIELD") as e:
        runner()
    message = str(e.value)
    assert re.search(
        r"query\w* for (\w+) failed: HTTP 400 INVALID_FIELD.*FROM \1 WHERE SystemModstamp >=", message
    )
    assert runner.state() == before  # no resource cursor moved, even those extracted before the failure
    assert runner.sql(f"select amount from raw_salesforce.opportunity where id = '{opp['Id']}'") != [
        (Decimal("1.23"),)
    ]
    assert runner() == {"opportunity": 1, "account": 1}  # the next run picks the changes up
    assert runner.sql(f"select amount from raw_salesforce.opportunity where id = '{opp['Id']}'") == [
        (Decimal("1.23"),)
    ]


def test_failed_first_run_leaves_no_cursor(emulator: SalesforceEmulator, runner: Runner) -> None:
    emulator.inject_fault(f"{V}/queryAll", 400, [{"errorCode": "MALFORMED_QUERY", "message": "bad"}], skip=3)
    with pytest.raises(Exception, match="MALFORMED_QUERY"):
        runner()
    assert runner.state() == {}
    assert sum(runner().values()) == 27


def test_api_limit_exceeded(org: SalesforceOrg, tmp_path: Path) -> None:
    with SalesforceEmulator(org, api_limit=4) as emu:
        with pytest.raises(Exception, match="REQUEST_LIMIT_EXCEEDED") as e:
            Runner(emu, tmp_path)()
        assert "api-usage=5/4" in str(e.value)


def test_bad_credentials_error_has_no_secret(emulator: SalesforceEmulator) -> None:
    creds = SalesforceCredentials()
    creds.client_id, creds.client_secret = "sandbox-client", "wrong-secret-value"
    client = SalesforceClient(emulator.base_url, creds)
    with pytest.raises(Exception, match="invalid_client") as e:
        client.describe("Account")
    assert "wrong-secret-value" not in str(e.value)
    creds.username, creds.password = "someone", "pw-123"
    creds.client_secret = emulator.client_secret
    client = SalesforceClient(emulator.base_url, creds)
    assert client.describe("Account")["name"] == "Account"  # password grant


def test_preissued_access_token(emulator: SalesforceEmulator) -> None:
    token = requests.post(
        f"{emulator.base_url}{TOKEN}",
        data={
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        },
    ).json()["access_token"]
    creds = SalesforceCredentials()
    creds.access_token, creds.instance_url = token, emulator.base_url
    client = SalesforceClient("https://login.invalid", creds)
    pages = list(client.query("Lead", "SELECT Id FROM Lead", include_deleted=False))
    assert len(pages[0]) == 3


def test_backoff_respects_retry_after_and_jitters() -> None:
    client = SalesforceClient("http://127.0.0.1:9", SalesforceCredentials(), backoff_base=1.0, backoff_max=30)
    resp = requests.Response()
    resp.headers["Retry-After"] = "7"
    assert client._wait(0, resp) == 7
    delays = {client._wait(3, None) for _ in range(20)}
    assert all(8 <= d <= 12 for d in delays) and len(delays) > 1
