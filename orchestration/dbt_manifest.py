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
    return DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)


def dbt_vars() -> dict[str, object]:
    """dbt vars that follow the enabled sources (``ONEFUNNEL_SOURCES``), for parse and build alike."""
    from orchestration.defs.hubspot import dbt_vars as hubspot_vars

    return {**hubspot_vars()}


def dbt_vars_args() -> list[str]:
    values = dbt_vars()
    return ["--vars", json.dumps(values, sort_keys=True)] if values else []


def _vars_stamp() -> Path:
    return Path(dbt_project().manifest_path).with_name("onefunnel_vars.json")


def prepare_manifest() -> Path:
    """Run ``dbt parse`` to (re)write ``target/manifest.json``; fails loudly with dbt's own output."""
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [
        str(dbt),
        "parse",
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        "--quiet",
        *dbt_vars_args(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=settings.REPO_ROOT)
    if proc.returncode != 0:
        raise RuntimeError(
            "dbt parse failed; fix the dbt project and run `make manifest`.\n" + proc.stdout + proc.stderr
        )
    _vars_stamp().write_text(json.dumps(dbt_vars(), sort_keys=True))
    return dbt_project().manifest_path


def ensure_manifest() -> Path:
    """The manifest path, parsing only when it does not exist yet or the enabled sources changed."""
    path = dbt_project().manifest_path
    stamp = _vars_stamp()
    current = json.dumps(dbt_vars(), sort_keys=True)
    if not Path(path).exists() or not stamp.exists() or stamp.read_text() != current:
        prepare_manifest()
    return path
