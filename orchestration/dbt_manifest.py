"""The dbt manifest, prepared once (``make manifest`` or the first load), not parsed on every load."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration import settings


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)


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
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=settings.REPO_ROOT)
    if proc.returncode != 0:
        raise RuntimeError(
            "dbt parse failed; fix the dbt project and run `make manifest`.\n" + proc.stdout + proc.stderr
        )
    return dbt_project().manifest_path


def ensure_manifest() -> Path:
    """The manifest path, parsing only when it does not exist yet."""
    path = dbt_project().manifest_path
    if not Path(path).exists():
        prepare_manifest()
    return path
