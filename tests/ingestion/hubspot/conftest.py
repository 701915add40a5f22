"""Fixtures: the sandbox company as a HubSpot portal, the emulator on a free loopback port, a runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hs_support import SCALE, SEED, Runner

from ingestion.hubspot import settings
from ingestion.sandbox import SandboxCompany, generate_company
from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
from ingestion.sandbox.hubspot_portal import HubSpotPortal
from ingestion.sandbox.hubspot_shapes import portal_from_org


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(settings, "BACKOFF_MAX_SECONDS", 0.05)


@pytest.fixture
def company() -> SandboxCompany:
    return generate_company(seed=SEED, scale=SCALE)


@pytest.fixture
def portal(company: SandboxCompany) -> HubSpotPortal:
    return portal_from_org(company.salesforce)


@pytest.fixture
def emulator(portal: HubSpotPortal) -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator(portal) as emu:
        yield emu


@pytest.fixture
def runner(emulator: HubSpotEmulator, tmp_path: Path) -> Runner:
    return Runner(emulator, tmp_path)
