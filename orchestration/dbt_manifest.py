"""The dbt manifest, prepared once (``make manifest`` or the first load), not parsed on every load."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

from orchestration import (
    dbt_import,  # noqa: F401  (before dagster_dbt: see its docstring)
    settings,
)

from dagster_dbt import DbtProject  # isort: skip


@cache
def dbt_project() -> DbtProject:
    """The dbt project; its target directory is ``DBT_TARGET_PATH`` when set (as for dbt and dagster-dbt,
    which copies ``partial_parse.msgpack`` from there into each run's own target directory)."""
    import os

    target = os.environ.get("DBT_TARGET_PATH", "").strip() or "target"
    return DbtProject(
        project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR, target_path=Path(target)
    )


def dbt_env() -> dict[str, str]:
    """Environment variables that parse and build must share so a build reuses the prepared parse.

    dbt re-parses the whole project when the rendered connection fields of the profile differ from the
    parse's ("Unable to do partial parsing because profile has changed"): the DuckDB path is rendered
    from ``ONEFUNNEL_WAREHOUSE``, so both get the same resolved (absolute) warehouse. The per-run as-of
    date is not read at parse time at all (dbt_project.yml renders it only when executing).
    """
    return {"ONEFUNNEL_WAREHOUSE": settings.warehouse()}


def dbt_target_args() -> list[str]:
    """``--target`` of every dbt invocation (part of dbt's partial-parse check, with ``--vars``)."""
    return ["--target", "postgres"] if settings.is_postgres() else []


def dbt_vars() -> dict[str, object]:
    """dbt vars that follow the enabled sources (``ONEFUNNEL_SOURCES``), for parse and build alike."""
    from orchestration.defs.files import dbt_vars as files_vars
    from orchestration.defs.hubspot import dbt_vars as hubspot_vars
    from orchestration.defs.marketo import dbt_vars as marketo_vars
    from orchestration.defs.salesforce import dbt_vars as salesforce_vars

    values = {**salesforce_vars(), **hubspot_vars(), **marketo_vars(), **files_vars()}
    stack = stack_name()
    if stack:  # which system is the CRM of record and which the marketing one (ingestion/sandbox/profiles.py)
        from ingestion.sandbox.profiles import get_profile

        values.update(get_profile(stack).vars())
    return values


def stack_name() -> str | None:
    """``ONEFUNNEL_STACK`` (salesforce, hubspot, salesforce_hubspot, salesforce_marketo), else the sandbox
    profile a sandbox run sets (``ONEFUNNEL_SANDBOX_PROFILE``); None: Salesforce holds CRM and campaigns."""
    import os

    for name in ("ONEFUNNEL_STACK", "ONEFUNNEL_SANDBOX_PROFILE"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def dbt_vars_args() -> list[str]:
    values = dbt_vars()
    return ["--vars", json.dumps(values, sort_keys=True)] if values else []


def _vars_stamp() -> Path:
    return Path(dbt_project().manifest_path).with_name("onefunnel_vars.json")


def prepare_manifest() -> Path:
    """Run ``dbt parse`` to (re)write ``target/manifest.json``; fails loudly with dbt's own output.

    dbt parses into a private directory and the manifest is swapped in by rename, so a process loading
    the definitions meanwhile (the UI, a run, a parallel test worker) never reads a half-written file.
    """
    import os
    import shutil
    import uuid

    manifest = Path(dbt_project().manifest_path)
    target = manifest.parent
    target.mkdir(parents=True, exist_ok=True)
    work = target / f".parse-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        if (target / "partial_parse.msgpack").exists():  # keep dbt's partial parsing fast
            shutil.copy2(target / "partial_parse.msgpack", work / "partial_parse.msgpack")
        dbt = Path(sys.executable).with_name("dbt")
        cmd = [
            str(dbt),
            "parse",
            "--project-dir",
            str(settings.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            "--target-path",
            str(work),
            "--quiet",
            *dbt_target_args(),
            *dbt_vars_args(),
        ]
        env = {**os.environ, **dbt_env()}
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=settings.REPO_ROOT, env=env)
        if proc.returncode != 0:
            raise RuntimeError(
                "dbt parse failed; fix the dbt project and run `make manifest`.\n" + proc.stdout + proc.stderr
            )
        stamp = work / "onefunnel_vars.json"
        stamp.write_text(json.dumps(dbt_vars(), sort_keys=True))
        for name in ("partial_parse.msgpack", "manifest.json", "onefunnel_vars.json"):
            if (work / name).exists():
                os.replace(work / name, target / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def ensure_manifest() -> Path:
    """The manifest path, parsing only when it does not exist yet or the enabled sources changed."""
    path = dbt_project().manifest_path
    stamp = _vars_stamp()
    current = json.dumps(dbt_vars(), sort_keys=True)
    if not Path(path).exists() or not stamp.exists() or stamp.read_text() != current:
        prepare_manifest()
    return path


if __name__ == "__main__":  # `make manifest`
    print(f"dbt manifest: {prepare_manifest()}")
