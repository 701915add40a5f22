"""The Marketo emulator speaks the REST API's shapes and errors, and serves tens of thousands of records a second."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from ingestion.marketo import MarketoClient
from ingestion.sandbox.marketo_emulator import MarketoEmulator, decode_token
from ingestion.sandbox.marketo_shapes import MarketoInstance


def _token(emu: MarketoEmulator) -> str:
    resp = requests.post(
        f"{emu.base_url}/identity/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        },
        timeout=5,
    )
    body = resp.json()
    assert resp.status_code == 200 and body["token_type"] == "bearer" and body["expires_in"] == 3599
    return body["access_token"]


def _get(emu: MarketoEmulator, path: str, token: str, **params: object) -> dict:
    resp = requests.get(
        f"{emu.base_url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert resp.status_code == 200  # Marketo answers errors with HTTP 200 and success: false
    return resp.json()


def test_auth_and_error_envelopes(emulator: MarketoEmulator) -> None:
    bad = requests.get(
        f"{emulator.base_url}/identity/oauth/token",
        params={"grant_type": "client_credentials", "client_id": emulator.client_id, "client_secret": "nope"},
        timeout=5,
    )
    assert bad.status_code == 401 and bad.json() == {
        "error": "unauthorized",
        "error_description": "Bad client credentials",
    }
    token = _token(emulator)
    assert _get(emulator, "/rest/v1/leads/describe.json", "not-a-token")["errors"] == [
        {"code": "601", "message": "Access token invalid"}
    ]
    emulator.expire_tokens()
    body = _get(emulator, "/rest/v1/leads/describe.json", token)
    assert body["success"] is False and body["errors"][0]["code"] == "602" and "requestId" in body
    token = _token(emulator)
    too_many = ",".join(str(i) for i in range(1, 12))
    assert (
        _get(emulator, "/rest/v1/activities.json", token, nextPageToken="x", activityTypeIds="1")["errors"][
            0
        ]["code"]
        == "1003"
    )
    paging = _get(
        emulator, "/rest/v1/activities/pagingtoken.json", token, sinceDatetime="2024-01-01T00:00:00Z"
    )
    assert (
        _get(
            emulator,
            "/rest/v1/activities.json",
            token,
            nextPageToken=paging["nextPageToken"],
            activityTypeIds=too_many,
        )["errors"][0]["code"]
        == "1003"
    )
    ids = ",".join(str(i) for i in range(1, 302))
    assert (
        _get(emulator, "/rest/v1/leads.json", token, filterType="id", filterValues=ids)["errors"][0]["code"]
        == "1003"
    )
    assert (
        _get(emulator, "/rest/v1/leads.json", token, filterType="id", filterValues="1", fields="nope")[
            "errors"
        ][0]["code"]
        == "1006"
    )
    past = _get(emulator, "/rest/asset/v1/programs.json", token, offset=10_000, maxReturn=200)
    assert (
        past["success"]
        and "result" not in past
        and past["warnings"] == ["No assets found for the given search criteria."]
    )


def test_daily_quota_and_rate_limit_codes(instance: MarketoInstance) -> None:
    with MarketoEmulator(instance, daily_quota=2, rate_limit=1) as emu:
        token = _token(emu)
        assert _get(emu, "/rest/v1/activities/types.json", token)["success"]
        assert _get(emu, "/rest/v1/activities/types.json", token)["errors"][0]["code"] == "606"
        assert _get(emu, "/rest/v1/activities/types.json", token)["errors"][0]["code"] == "607"
        emu.reset_quota()
        emu.rate_limit = None
        assert _get(emu, "/rest/v1/activities/types.json", token)["success"]


def test_paging_token_is_date_based(instance: MarketoInstance, emulator: MarketoEmulator) -> None:
    token = _token(emulator)
    middle = instance.activities[len(instance.activities) // 2]["activityDate"]
    paging = _get(emulator, "/rest/v1/activities/pagingtoken.json", token, sinceDatetime=middle)
    assert decode_token(paging["nextPageToken"]) == (middle, 0)
    page = _get(
        emulator,
        "/rest/v1/activities.json",
        token,
        nextPageToken=paging["nextPageToken"],
        activityTypeIds="12,2,11,104",
    )
    assert page["moreResult"] is True and all(a["activityDate"] >= middle for a in page["result"])
    assert page["result"][0]["attributes"] is not None and isinstance(page["result"][0]["marketoGUID"], str)


def test_serves_tens_of_thousands_of_records_per_second() -> None:
    """30,000 activities through the source's client (HTTP + JSON both ways): over 20,000 a second of CPU.

    Emulator and client run in this process, so its CPU time measures both without counting the time
    other processes on a busy machine take (wall time is reported in the message)."""
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    inst = MarketoInstance(now=start)
    inst.activity_types = [{"id": 1, "name": "Visit Webpage"}]
    inst.activities = [
        {
            "id": i,
            "marketoGUID": str(i),
            "leadId": i % 5000 + 1,
            "activityDate": f"2025-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",  # i < 86,400
            "activityTypeId": 1,
            "primaryAttributeValueId": 7,
            "primaryAttributeValue": "pricing",
            "attributes": [{"name": "Webpage URL", "value": "/pricing"}],
        }
        for i in range(1, 30_001)
    ]
    with MarketoEmulator(inst) as emu:
        client = MarketoClient(emu.base_url, emu.client_id, emu.client_secret)
        token = client.paging_token("2024-12-31T00:00:00Z")
        began, wall = time.process_time(), time.perf_counter()
        n = sum(
            len(p)
            for p in client.token_pages(
                "/rest/v1/activities.json", "activities", token, {"activityTypeIds": "1"}
            )
        )
        cpu, wall = time.process_time() - began, time.perf_counter() - wall
    assert n == 30_000
    assert n / cpu > 20_000, f"{n / cpu:.0f} records per CPU second ({n / wall:.0f} per wall second)"


def test_long_lead_query_goes_as_post_with_method_get(
    instance: MarketoInstance, emulator: MarketoEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the URL limit the client POSTs a form body with ``_method=GET``: the same leads come back."""
    from ingestion.marketo import settings

    ids = sorted(instance.leads)[:300]
    fields = list(instance.fields)
    client = MarketoClient(emulator.base_url, emulator.client_id, emulator.client_secret)
    as_get = [lead for page in client.leads(ids, fields) for lead in page]
    monkeypatch.setattr(settings, "MAX_URL_LENGTH", 100)
    as_post = [lead for page in client.leads(ids, fields) for lead in page]
    assert emulator.count_requests("/rest/v1/leads.json", "POST") == 1
    assert as_post == as_get and [lead["id"] for lead in as_get] == ids
    assert as_get[0] == {f: instance.leads[ids[0]][f] for f in fields}
