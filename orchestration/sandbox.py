"""Start the sandbox company's emulators and point the connectors at them (for `make run` and tests).

``running_sandbox(profile=...)`` serves the company as one stack of ``ingestion/sandbox/profiles.py``: it
starts the emulators the profile needs (Salesforce, HubSpot, Marketo), sets their connection environment
(``SOURCES__<SOURCE>__...`` as dlt reads it) and, for a profile other than the default, ``ONEFUNNEL_SOURCES``
(the sources to load) and ``ONEFUNNEL_SANDBOX_PROFILE`` (whose dbt vars, ``SandboxProfile.vars()``, switch
the warehouse onto the stack). The default profile, ``salesforce``, is today's ``make run``, unchanged.
"""

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
    salesforce_url: str | None
    env: dict[str, str]
    ground_truth_path: Path
    profile: str = "salesforce"
    hubspot_url: str | None = None
    marketo_url: str | None = None


def sandbox_env(salesforce_url: str, client_id: str, client_secret: str, as_of: str) -> dict[str, str]:
    """The environment a run needs to read the sandbox instead of a real org."""
    return {
        "SOURCES__SALESFORCE__BASE_URL": salesforce_url,
        "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID": client_id,
        "SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET": client_secret,
        "ONEFUNNEL_AS_OF_DATE": as_of,
    }


def hubspot_env(hubspot_url: str, access_token: str) -> dict[str, str]:
    """The environment the HubSpot connector reads (a private-app token)."""
    return {
        "SOURCES__HUBSPOT__BASE_URL": hubspot_url,
        "SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN": access_token,
    }


def marketo_env(marketo_url: str, client_id: str, client_secret: str) -> dict[str, str]:
    """The environment the Marketo connector reads (a LaunchPoint service's client credentials)."""
    return {
        "SOURCES__MARKETO__BASE_URL": marketo_url,
        "SOURCES__MARKETO__CREDENTIALS__CLIENT_ID": client_id,
        "SOURCES__MARKETO__CREDENTIALS__CLIENT_SECRET": client_secret,
    }


@contextlib.contextmanager
def _patched_environ(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def running_sandbox(
    seed: int = 42,
    scale: float = 1.0,
    company: Any = None,
    port: int = 0,
    profile: str = "salesforce",
    file_sources: tuple[str, ...] = (),
) -> Iterator[SandboxSession]:
    """Generate (or reuse) the sandbox company, serve it on loopback as the stack of ``profile`` and set
    the run environment. ``port`` is the Salesforce emulator's (0: any free port); the others take free
    ports. ``file_sources`` (``ad_spend``, ``product_events``) also writes the company's spend files and
    product events beside the warehouse and enables those sources (``make run`` does)."""
    from ingestion.sandbox import generate_company
    from ingestion.sandbox.profiles import DEFAULT_PROFILE, get_profile

    stack = get_profile(profile)  # fails on an unknown profile before anything starts
    company = company or generate_company(seed=seed, scale=scale)
    # beside the warehouse file; for a PostgreSQL warehouse beside dlt's local state (data/)
    base = (
        Path(settings.dlt_pipelines_dir()).parent
        if settings.is_postgres()
        else Path(settings.warehouse()).parent
    )
    truth_path = base / "sandbox" / "ground_truth.json"
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(json.dumps(company.ground_truth(), indent=2, sort_keys=True, default=str))
    env: dict[str, str] = {"ONEFUNNEL_AS_OF_DATE": company.end_date.isoformat()}
    unknown = set(file_sources) - {"ad_spend", "product_events"}
    if unknown:
        raise ValueError(f"unknown file sources {sorted(unknown)}; choose from ad_spend, product_events")
    if stack.name != DEFAULT_PROFILE:  # the default run keeps the caller's ONEFUNNEL_SOURCES, as before
        env["ONEFUNNEL_SOURCES"] = ",".join(stack.sources)
        env["ONEFUNNEL_SANDBOX_PROFILE"] = stack.name
    if file_sources:
        from orchestration.defs.files import sandbox_files_env

        env["ONEFUNNEL_SOURCES"] = ",".join((*stack.sources, *file_sources))
        env.update(sandbox_files_env(company, truth_path.parent / "files"))
    urls: dict[str, str | None] = {"salesforce": None, "hubspot": None, "marketo": None}
    with contextlib.ExitStack() as emulators:
        if stack.salesforce_objects:
            from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

            sf = emulators.enter_context(SalesforceEmulator(company.salesforce, port=port))
            env.update(sandbox_env(sf.base_url, sf.client_id, sf.client_secret, env["ONEFUNNEL_AS_OF_DATE"]))
            urls["salesforce"] = sf.base_url
        if stack.hubspot_portal:
            from ingestion.sandbox.hubspot_emulator import HubSpotEmulator
            from ingestion.sandbox.hubspot_shapes import portal_from_org

            portal = portal_from_org(company.salesforce, marketing_only=stack.hubspot_portal == "marketing")
            hs = emulators.enter_context(HubSpotEmulator(portal))
            env.update(hubspot_env(hs.base_url, hs.token))
            urls["hubspot"] = hs.base_url
        if stack.marketo:
            from ingestion.sandbox.marketo_emulator import MarketoEmulator
            from ingestion.sandbox.marketo_shapes import instance_from_org

            mk = emulators.enter_context(MarketoEmulator(instance_from_org(company.salesforce)))
            env.update(marketo_env(mk.base_url, mk.client_id, mk.client_secret))
            urls["marketo"] = mk.base_url
        with _patched_environ(env):
            yield SandboxSession(
                company,
                urls["salesforce"],
                env,
                truth_path,
                profile=stack.name,
                hubspot_url=urls["hubspot"],
                marketo_url=urls["marketo"],
            )
