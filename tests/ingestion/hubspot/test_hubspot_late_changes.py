"""Late-arriving changes: HubSpot's search index lags writes, so a record modified just before the last
run's cursor can become searchable only after that run. The look-back re-reads the minutes before the
cursor: the late record is picked up by the next run, nothing is duplicated, and versions already loaded
are not even re-extracted. Without the look-back (config key set to 0) the same record is lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hs_support import Runner, assert_matches_portal

from ingestion.hubspot import settings
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal

CONTACTS = {"objects": ["contacts"], "include_marketing": False}


def test_record_indexed_after_the_run_is_picked_up_by_the_next(
    portal: HubSpotPortal, emulator: HubSpotEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looking_back = Runner(emulator, tmp_path / "lookback")
    not_looking_back = Runner(emulator, tmp_path / "no_lookback")
    looking_back(**CONTACTS)
    cursor_ms = looking_back.state()["cursors"]["contacts"]
    with monkeypatch.context() as env:  # the documented config key turns the look-back off
        env.setenv("SOURCES__HUBSPOT__LOOKBACK_SECONDS", "0")
        not_looking_back(**CONTACTS)
    assert not_looking_back.state()["cursors"]["contacts"] == cursor_ms
    assert not_looking_back.state()["recent_versions"]["contacts"] == []

    cursor = dt.datetime.fromtimestamp(cursor_ms / 1000, dt.UTC)
    late_at = cursor - dt.timedelta(minutes=2)  # modified before the cursor, searchable only now
    assert late_at > cursor - dt.timedelta(seconds=settings.DEFAULT_LOOKBACK_SECONDS)
    late = min(portal.live("contacts"), key=lambda r: r.updated_at)  # last touched long before
    assert late.updated_at < late_at
    portal.update("contacts", late.id, {"firstname": "Late"}, at=late_at)
    fresh = portal.update("contacts", portal.live("contacts")[1].id, {"firstname": "Fresh"})
    assert fresh.updated_at > cursor  # an ordinary change after the cursor, for comparison

    counts = looking_back(**CONTACTS)
    assert counts["contacts"] == 2  # the late one and the fresh one; the overlap's old versions skipped
    rows = looking_back.rows("contacts")
    assert rows[late.id]["firstname"] == "Late" and rows[fresh.id]["firstname"] == "Fresh"
    assert_matches_portal(
        looking_back, portal, ("contacts",)
    )  # every record once, each as the portal holds it
    assert looking_back.state()["cursors"]["contacts"] > cursor_ms  # moved on with the fresh change
    assert "contacts" not in looking_back(**CONTACTS)  # nothing twice

    with monkeypatch.context() as env:
        env.setenv("SOURCES__HUBSPOT__LOOKBACK_SECONDS", "0")
        counts = not_looking_back(**CONTACTS)
    assert counts["contacts"] == 1  # only the fresh one: the late record is lost without a look-back
    assert not_looking_back.rows("contacts")[late.id]["firstname"] != "Late"


def test_negative_look_back_is_refused(emulator: HubSpotEmulator, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="lookback_seconds must be >= 0"):
        Runner(emulator, tmp_path)(lookback_seconds=-1, **CONTACTS)
