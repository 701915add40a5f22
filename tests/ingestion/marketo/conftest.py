"""Fixtures: the sandbox company as a Marketo instance, the emulator on a free loopback port, a runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mk_support import Runner

from ingestion.marketo import settings
from ingestion.sandbox import SandboxCompany, generate_company
from ingestion.sandbox.marketo_emulator import MarketoEmulator
from ingestion.sandbox.marketo_shapes import MarketoInstance, instance_from_org

SEED, SCALE = 7, 0.1


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "BACKOFF_BASE_SECONDS", 0.01)
    monkeypatch.setattr(settings, "BACKOFF_MAX_SECONDS", 0.05)
    monkeypatch.setattr(settings, "RATE_LIMIT_WAIT_SECONDS", 0.02)


@pytest.fixture(scope="session")
def loaded_template(
    company: SandboxCompany, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, int]]:
    """One full load of the instance (warehouse + dlt state), made once; tests start from a copy."""
    work = tmp_path_factory.mktemp("marketo_template")
    with MarketoEmulator(instance_from_org(company.salesforce)) as emu:
        counts = Runner(emu, work)()
    return work, counts


@pytest.fixture
def loaded(loaded_template: tuple[Path, dict[str, int]], runner: Runner, tmp_path: Path) -> dict[str, int]:
    """``runner``'s warehouse and dlt state as after a full load of the (same, deterministic) instance."""
    import shutil

    work, counts = loaded_template
    shutil.copy(work / "warehouse.duckdb", runner.warehouse)
    shutil.copytree(work / "dlt_pipelines", runner.pipelines_dir)
    return dict(counts)


@pytest.fixture(scope="session")
def company() -> SandboxCompany:
    """The sandbox company, generated once: tests read it and never change it (they change the instance)."""
    return generate_company(seed=SEED, scale=SCALE)


@pytest.fixture
def instance(company: SandboxCompany) -> MarketoInstance:
    return instance_from_org(company.salesforce)


@pytest.fixture
def emulator(instance: MarketoInstance) -> Iterator[MarketoEmulator]:
    with MarketoEmulator(instance) as emu:
        yield emu


@pytest.fixture
def runner(emulator: MarketoEmulator, tmp_path: Path) -> Runner:
    return Runner(emulator, tmp_path)
