"""Fixtures: hand-built sandbox orgs, the Salesforce emulator on a free loopback port, a tmp warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sf_support import T0, Runner, add_records

from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator
from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS


@pytest.fixture
def make_org() -> Callable[..., SalesforceOrg]:
    """Factory: an org with ``counts[obj]`` records per object (default 3 of each)."""

    def _make(counts: dict[str, int] | None = None) -> SalesforceOrg:
        org = SalesforceOrg(T0)
        for obj in SALESFORCE_OBJECTS:
            add_records(org, obj, (counts or {}).get(obj, 3))
        return org

    return _make


@pytest.fixture
def org(make_org: Callable[..., SalesforceOrg]) -> SalesforceOrg:
    return make_org()


@pytest.fixture
def emulator(org: SalesforceOrg) -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator(org) as emu:
        yield emu


@pytest.fixture
def runner(emulator: SalesforceEmulator, tmp_path: Path) -> Runner:
    return Runner(emulator, tmp_path)


@pytest.fixture
def make_runner(tmp_path: Path) -> Callable[[SalesforceEmulator], Runner]:
    return lambda emu: Runner(emu, tmp_path)
