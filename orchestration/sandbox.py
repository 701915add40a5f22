"""Start the sandbox company's emulators and point the connectors at them (for `make run` and tests)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration import settings


@dataclass
class SandboxSession:
    company: Any
    salesforce_url: str
    env: dict[str, str]
    ground_truth_path: Path


def sandbox_env(salesforce_url: str, client_id: str, client_secret: str, as_of: str) -> dict[str, str]:
    """The environment a run needs to read the sandbox instead of a real org."""
    return {
        "SOURCES__SALESFORCE__BASE_URL": salesforce_url,
        "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID": client_id,
        "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET": client_secret,
        "ONEFUNNEL_AS_OF_DATE": as_of,
    }


@contextlib.contextmanager
def running_sandbox(
    seed: int = 42, scale: float = 1.0, company: Any = None, port: int = 0
) -> Iterator[SandboxSession]:
    """Generate (or reuse) the sandbox company, serve it on loopback and set the run environment."""
    from ingestion.sandbox import generate_company
    from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

    company = company or generate_company(seed=seed, scale=scale)
    truth_path = Path(settings.warehouse()).parent / "sandbox" / "ground_truth.json"
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(json.dumps(company.ground_truth(), indent=2, sort_keys=True, default=str))
    with SalesforceEmulator(company.salesforce, port=port) as emulator:
        env = sandbox_env(
            emulator.base_url,
            emulator.client_id,
            emulator.client_secret,
            company.end_date.isoformat(),
        )
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield SandboxSession(company, emulator.base_url, env, truth_path)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
