"""Fixtures: a dirty and a clean DuckDB warehouse in ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

import pytest
from dq_warehouse import make_duckdb


@pytest.fixture
def dirty_warehouse(tmp_path: Path) -> str:
    return make_duckdb(tmp_path / "dirty.duckdb", dirty=True)


@pytest.fixture
def clean_warehouse(tmp_path: Path) -> str:
    return make_duckdb(tmp_path / "clean.duckdb", dirty=False)
