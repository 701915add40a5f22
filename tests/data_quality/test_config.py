"""Configuration: thresholds from TOML, environment read at call time, cheap import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from data_quality.config import Config, load_config, warehouse_from_env


def test_thresholds_file_documents_every_rule() -> None:
    from data_quality import suite_names, suite_rules

    config = load_config()
    names = {r.family or r.name for s in suite_names() for r in suite_rules(s)}
    assert set(config.rules) == names  # each rule, or its family for rules generated per table


def test_overrides_and_validation(tmp_path: Path) -> None:
    file = tmp_path / "t.toml"
    file.write_text('[rules.x]\nseverity = "warn"\nmostly = 0.5\nlimit = 3\n')
    settings = load_config(file).settings("x", "error", 1.0, {"limit": 1, "other": 2})
    assert (settings.severity, settings.mostly, dict(settings.params)) == (
        "warn",
        0.5,
        {"limit": 3, "other": 2},
    )
    with pytest.raises(ValueError, match="mostly"):
        Config(rules={"x": {"mostly": 2}}).settings("x", "error", 1.0, {})
    with pytest.raises(ValueError, match="severity"):
        Config(rules={"x": {"severity": "fatal"}}).settings("x", "error", 1.0, {})


def test_warehouse_is_read_from_env_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEFUNNEL_WAREHOUSE", raising=False)
    assert warehouse_from_env() == "data/warehouse.duckdb"
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", "postgresql://u@h/db")
    assert warehouse_from_env() == "postgresql://u@h/db"


def test_import_does_not_load_great_expectations_or_pandas() -> None:
    code = "import sys, data_quality; print('great_expectations' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_missing_duckdb_file_is_reported(tmp_path: Path) -> None:
    from data_quality import run_suites

    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_suites(str(tmp_path / "nope.duckdb"), reports_dir=str(tmp_path))
    assert not (tmp_path / "nope.duckdb").exists()


def test_password_is_redacted_from_reports() -> None:
    from data_quality.runner import _redact

    assert _redact("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert _redact("postgresql://u@h/db") == "postgresql://u@h/db"
    assert _redact("data/warehouse.duckdb") == "data/warehouse.duckdb"
