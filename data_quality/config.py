"""Configuration: where the warehouse is, where reports go, and per-rule thresholds.

Nothing here runs at import time; every function reads the environment or files when called.
Thresholds live in ``thresholds.toml`` next to this file (documented there); a rule's code carries its
defaults, the TOML overrides them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warn"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn")
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_REPORTS_DIR = "reports"
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")


def warehouse_from_env() -> str:
    """``ONEFUNNEL_WAREHOUSE`` or the default DuckDB file (relative to the working directory)."""
    return os.environ.get("ONEFUNNEL_WAREHOUSE", "").strip() or DEFAULT_WAREHOUSE


def datasets_from_env() -> set[str] | None:
    """The raw datasets of the sources ``ONEFUNNEL_SOURCES`` enables (``hubspot`` -> ``raw_hubspot``);
    None when the variable is unset (then the datasets present in the warehouse are checked)."""
    raw = os.environ.get("ONEFUNNEL_SOURCES", "").strip()
    if not raw:
        return None
    return {f"raw_{name.strip().lower()}" for name in raw.split(",") if name.strip()}


def reports_dir_from_env() -> str:
    """``ONEFUNNEL_REPORTS_DIR`` (shared with orchestration) or ``reports``."""
    return os.environ.get("ONEFUNNEL_REPORTS_DIR", "").strip() or DEFAULT_REPORTS_DIR


@dataclass(frozen=True)
class RuleSettings:
    """The effective settings of one rule after merging code defaults and the TOML."""

    severity: Severity
    mostly: float
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """Per-rule overrides, keyed by rule name (``[rules.<name>]`` tables in the TOML)."""

    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def settings(
        self,
        rule: str,
        severity: Severity,
        mostly: float,
        params: Mapping[str, Any],
        family: str | None = None,
    ) -> RuleSettings:
        """Merge a rule's code defaults with its overrides (its family's table, then its own) and validate."""
        override = {**self.rules.get(family or "", {}), **self.rules.get(rule, {})}
        sev = override.pop("severity", severity)
        share = float(override.pop("mostly", mostly))
        if sev not in SEVERITIES:
            raise ValueError(f"rule {rule}: severity must be one of {SEVERITIES}, got {sev!r}")
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"rule {rule}: mostly must be within [0, 1], got {share}")
        return RuleSettings(severity=sev, mostly=share, params={**params, **override})


def load_config(path: str | Path | None = None) -> Config:
    """Read the thresholds TOML (default: ``data_quality/thresholds.toml``); missing file = no overrides."""
    file = Path(path) if path else THRESHOLDS_FILE
    if not file.exists():
        return Config()
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    return Config(rules=data.get("rules", {}))
