"""Injected faults: each run either loads exactly the instance or fails clearly with the cursor unmoved;
607 stops cleanly (what was read stays loaded, the cursor stays); no credential is ever logged or stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mk_support import Runner, assert_matches_instance

from ingestion.marketo import MarketoAuthError, MarketoClient, MarketoError, MarketoQuotaExceeded
from ingestion.sandbox.marketo_emulator import MarketoEmulator
from ingestion.sandbox.marketo_shapes import MarketoInstance

ACTIVITIES = "/rest/v1/activities.json"
TYPES = "1,2,3,6,7,8,9,10,11,12"


def _duplicate_first_of_previous_page(emulator: MarketoEmulator) -> Callable[[Any], Any]:
    """A transform putting a record already served on the previous page on this page too."""
    first = emulator.instance.activities[0]

    def transform(page: dict[str, Any]) -> dict[str, Any]:
        return {**page, "result": [first, *(page.get("result") or [])]}

    return transform


def _faults(emulator: MarketoEmulator) -> dict[str, dict[str, Any]]:
    return {
        "429_retry_after": {
            "status": 429,
            "body": {"error": "Too Many Requests"},
            "headers": {"Retry-After": "0"},
            "times": 2,
        },
        "500": {"status": 500, "body": {"error": "internal"}},
        "503": {"status": 503, "body": "<html>Service Unavailable</html>", "times": 3},
        "slow_response_timeout": {"delay": 0.6},
        "truncated_json": {"raw": b'{"requestId":"1#2","success":true,"result":[{"id":1,"leadId'},
        "expired_token_602": {"action": emulator.expire_tokens},
        "invalid_token_601": {"code": "601"},
        "timeout_604": {"code": "604"},
        "rate_limit_606": {"code": "606", "times": 2},
        "unavailable_608": {"code": "608"},
        "system_error_611": {"code": "611"},
        "concurrency_615": {"code": "615"},
        "transient_713": {"code": "713"},
        "same_record_on_two_pages": {"transform": _duplicate_first_of_previous_page(emulator)},
    }


FAULT_NAMES = [
    "429_retry_after",
    "500",
    "503",
    "slow_response_timeout",
    "truncated_json",
    "expired_token_602",
    "invalid_token_601",
    "timeout_604",
    "rate_limit_606",
    "unavailable_608",
    "system_error_611",
    "concurrency_615",
    "transient_713",
    "same_record_on_two_pages",
]


@pytest.mark.parametrize("fault", FAULT_NAMES)
def test_transient_fault_is_absorbed_by_the_client(
    fault: str, instance: MarketoInstance, emulator: MarketoEmulator
) -> None:
    """Each fault alone, on the third activities page: every activity of the types still comes back."""
    emulator.inject_fault(ACTIVITIES, **{**_faults(emulator)[fault], "skip": 2})
    client = MarketoClient(emulator.base_url, emulator.client_id, emulator.client_secret, timeout=0.3)
    token = client.paging_token("2000-01-01T00:00:00Z")
    pages = list(client.token_pages(ACTIVITIES, "activities", token, {"activityTypeIds": TYPES}))
    assert not emulator.faults, "the fault was never hit"
    guids = [a["marketoGUID"] for page in pages for a in page]
    wanted = {int(t) for t in TYPES.split(",")}
    assert set(guids) == {a["marketoGUID"] for a in instance.activities if a["activityTypeId"] in wanted}
    assert len(guids) == len(set(guids)) + (fault == "same_record_on_two_pages")


def test_empty_pages_with_more_result_are_paged_through(
    instance: MarketoInstance, emulator: MarketoEmulator
) -> None:
    """A type seen only at the very end: every earlier page is empty with moreResult true."""
    lead = next(iter(instance.leads))
    moment = instance.add_activity(lead, "Interesting Moment", instance.tick(), 1, "Pricing page visit")
    client = MarketoClient(emulator.base_url, emulator.client_id, emulator.client_secret)
    pages = list(
        client.token_pages(
            ACTIVITIES, "activities", client.paging_token("2000-01-01T00:00:00Z"), {"activityTypeIds": "46"}
        )
    )
    assert [a["marketoGUID"] for page in pages for a in page] == [moment["marketoGUID"]]
    assert len(pages) == -(-len(instance.activities) // 300)  # one call per 300 activities scanned
    assert sum(1 for p in pages if not p) == len(pages) - 1


def _chain(emulator: MarketoEmulator, path: str, specs: list[dict[str, Any]], gap: int = 2) -> None:
    """Inject ``specs`` one after another, ``gap`` normal requests apart: each fault, when hit, queues the
    next (so the retries of one call never meet two faults, as "retry once after re-auth" requires)."""
    if not specs:
        return
    spec, rest = dict(specs[0]), specs[1:]
    own = spec.pop("action", None)

    def action() -> None:
        if own is not None:
            own()
        _chain(emulator, path, rest, gap)

    emulator.inject_fault(path, **{**spec, "skip": gap, "times": 1, "action": action})


def test_all_faults_in_one_run_load_exactly(
    instance: MarketoInstance, emulator: MarketoEmulator, runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every fault in one pipeline run (activities and leads calls): the warehouse equals the instance."""
    import ingestion.marketo.settings as mk_settings

    monkeypatch.setattr(mk_settings, "REQUEST_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(mk_settings, "ACTIVITY_PAGE_SIZE", 100)  # ~60 activity calls: room for every fault
    hits: list[str] = []
    specs = [
        {**spec, "action": _noting(hits, name, spec.get("action"))}
        for name, spec in _faults(emulator).items()
    ]
    _chain(emulator, ACTIVITIES, specs)
    _chain(emulator, "/rest/v1/leads.json", [{"code": "606"}, {"status": 503, "body": "busy"}], gap=0)
    emulator.inject_fault("/rest/asset/v1/programs.json", raw=b'{"success":true,"result":[{"id"')
    runner()
    assert hits == FAULT_NAMES and not emulator.faults, "a fault was never hit"
    assert_matches_instance(runner, instance)


def _noting(hits: list[str], name: str, action: Callable[[], None] | None) -> Callable[[], None]:
    def note() -> None:
        hits.append(name)
        if action is not None:
            action()

    return note


def test_hard_failure_keeps_cursor_then_clean_run_is_exact(
    instance: MarketoInstance, emulator: MarketoEmulator, runner: Runner, loaded: dict[str, int]
) -> None:
    before = runner.state()
    lead = sorted(instance.leads)[0]
    instance.update_lead(lead, {"title": "Changed"})
    # 611 on every attempt of leads.json: retries run out after the activities were read
    emulator.inject_fault("/rest/v1/leads.json", code="611", times=50)
    with pytest.raises(
        MarketoError, match=r"Marketo leads failed after \d+ attempts: error 611 System error"
    ):
        runner()
    assert runner.state() == before
    assert runner.rows("leads")[lead]["title"] != "Changed"
    emulator.faults.clear()
    counts = runner()
    assert counts["leads"] == 1 and counts["activities"] == 1  # the lead and its Change Data Value
    assert_matches_instance(runner, instance)


def test_unknown_error_code_fails_clearly(emulator: MarketoEmulator, runner: Runner) -> None:
    emulator.inject_fault("/rest/v1/activities/pagingtoken.json", code="1003")
    with pytest.raises(MarketoError, match=r"Marketo paging token failed: error 1003: Invalid value") as err:
        runner()
    assert err.value.endpoint == "/rest/v1/activities/pagingtoken.json" and err.value.code == "1003"
    assert runner.state() == {}


def test_daily_quota_607_stops_cleanly_then_rerun_is_exact(
    instance: MarketoInstance, emulator: MarketoEmulator, runner: Runner, loaded: dict[str, int]
) -> None:
    before_state, before_activities = runner.state(), runner.count("activities")
    changed = sorted(instance.leads)[:40]
    for lead in changed:
        instance.update_lead(lead, {"title": "Quota Tester"})  # 40 Change Data Value activities

    def exhaust() -> None:
        emulator.daily_quota = 0  # from here on every call answers 607, as on a real subscription

    # the quota runs out on the leads call, after the new activities were read
    emulator.inject_fault("/rest/v1/leads.json", code="607", action=exhaust)
    with pytest.raises(MarketoQuotaExceeded, match="daily API quota exhausted .*rerun tomorrow") as err:
        runner()
    assert err.value.code == "607" and err.value.endpoint == "/rest/v1/leads.json"
    assert runner.count("activities") == before_activities + 40  # what was read is loaded
    assert runner.rows("leads")[changed[0]]["title"] != "Quota Tester"  # what was not read is not
    state = runner.state()
    assert state["activity_cursor"] == before_state["activity_cursor"]  # the cursor did not move
    emulator.daily_quota = 50_000  # tomorrow
    emulator.reset_quota()
    counts = runner()
    assert counts["leads"] == 40 and counts["activities"] == 40  # re-read from the unmoved cursor...
    assert runner.count("activities") == before_activities + 40  # ...and merged, not duplicated
    assert_matches_instance(runner, instance)
    assert "quota_exhausted" not in runner.state()


def test_bad_credentials_fail_clearly(emulator: MarketoEmulator, runner: Runner) -> None:
    from ingestion.marketo import MarketoCredentials

    with pytest.raises(MarketoAuthError, match="HTTP 401: Bad client credentials"):
        runner(credentials=MarketoCredentials(client_id=emulator.client_id, client_secret="wrong"))
    with pytest.raises(MarketoAuthError, match="needs base_url, client_id and client_secret"):
        MarketoClient(emulator.base_url, emulator.client_id, "")


def test_canary_credentials_never_logged_or_stored(
    instance: MarketoInstance,
    emulator: MarketoEmulator,
    runner: Runner,
    loaded: dict[str, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = {
        "client_id": "CANARY-ID-5f0c1d2e-0000-4abc",
        "client_secret": "CANARY-SECRET-9def-123456789abc",
        "token": "CANARY-TOKEN-77aa-",
    }
    emulator.client_id, emulator.client_secret = canaries["client_id"], canaries["client_secret"]
    emulator.token_prefix = canaries["token"]
    monkeypatch.setenv("SOURCES__MARKETO__BASE_URL", emulator.base_url)
    monkeypatch.setenv("SOURCES__MARKETO__CREDENTIALS__CLIENT_ID", canaries["client_id"])
    monkeypatch.setenv("SOURCES__MARKETO__CREDENTIALS__CLIENT_SECRET", canaries["client_secret"])
    lead = sorted(instance.leads)[0]
    instance.update_lead(lead, {"title": canaries["client_id"][:6]})  # data may say CANARY, not the secret
    emulator.inject_fault(ACTIVITIES, 429, {"error": "x"}, headers={"Retry-After": "0"})
    emulator.inject_fault("/rest/v1/leads.json", action=emulator.expire_tokens)
    counts = runner(from_env=True)
    assert counts["leads"] == 1
    emulator.client_secret = "rotated"  # the old secret is refused: a clear auth error, still no secret in it
    emulator.expire_tokens()
    with pytest.raises(MarketoAuthError, match="HTTP 401") as err:
        runner(from_env=True)
    out, errs = capfd.readouterr()
    tables = runner.sql("select table_name from information_schema.tables where table_schema = 'raw_marketo'")
    for canary in canaries.values():
        for text in (caplog.text, out, errs, str(err.value), repr(err.value)):
            assert canary not in text
        for (table,) in tables:
            assert not runner.sql(
                f"select 1 from raw_marketo.{table} t where cast(t as varchar) like '%{canary}%' limit 1"
            ), table
        for path in tmp_path.rglob("*"):
            if path.is_file() and path.suffix != ".duckdb":
                assert canary.encode() not in path.read_bytes(), path
        assert canary not in json.dumps(runner.state())
