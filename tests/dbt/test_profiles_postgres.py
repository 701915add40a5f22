"""Every non-default stack of issue #3 reconciles with the sandbox ground truth on PostgreSQL too.

The DuckDB twin is ``test_profiles_ground_truth.py``. Here the same sandbox company is served as each
non-default profile of ``ingestion/sandbox/profiles.py`` and loaded by the real connectors (Salesforce, HubSpot,
Marketo, from their emulators) through dlt's postgres destination into a throwaway database per profile on
the local server, built once per profile with the profile's dbt vars on the ``postgres`` target, and its
headline marts compared with ``company.ground_truth()`` (plain Python over the Salesforce org) per quarter
and to the cent: persons and accounts, learned stage win rates, qualified and created pipeline, attributed
pipeline per channel and model, funnel persons per stage, ending and net new ARR, NRR, GRR, new customers
(``profile_reconcile``). The databases are dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from profile_reconcile import (
    SELECT,
    check_attributed_pipeline,
    check_funnel,
    check_persons_accounts_pipeline,
    check_revenue,
    postgres_query,
)
from sandbox_warehouse import build_sandbox_warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SEED, SCALE = 7, 0.1
PROFILES = ("hubspot", "salesforce_hubspot", "salesforce_marketo")
HOST = os.environ.get("ONEFUNNEL_PG_HOST", "127.0.0.1")
USER = os.environ.get("ONEFUNNEL_PG_USER", "postgres")


@pytest.fixture(scope="module")
def databases() -> Iterator[dict[str, str]]:
    """One throwaway database per profile on the local server ({profile: postgresql:// URL}), dropped after."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(host=HOST, user=USER, dbname="postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"local PostgreSQL at {HOST}:5432 unreachable: {exc}")
    admin.autocommit = True
    suffix = uuid.uuid4().hex[:8]
    names = {profile: f"onefunnel_profiles_{profile}_{suffix}" for profile in PROFILES}
    try:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(f'create database "{name}"')
        yield {profile: f"postgresql://{USER}@{HOST}:5432/{name}" for profile, name in names.items()}
    finally:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.fixture(scope="module")
def builds(databases, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Every profile loaded and built once ({profile: ground truth}); loads take turns, the dbt builds
    (subprocesses, mostly waiting on the server) overlap."""
    works = {profile: tmp_path_factory.mktemp(f"pg_{profile}") for profile in PROFILES}  # not thread-safe

    def build(profile: str) -> dict[str, Any]:
        _, truth = build_sandbox_warehouse(
            works[profile],
            seed=SEED,
            scale=SCALE,
            select=SELECT,
            profile=profile,
            warehouse_url=databases[profile],
        )
        return truth

    with ThreadPoolExecutor(max_workers=len(PROFILES)) as pool:
        return dict(zip(PROFILES, pool.map(build, PROFILES), strict=True))


@pytest.fixture(params=PROFILES)
def stack(request, databases, builds) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(profile, query on its database, ground truth) of the sandbox built as the profile."""
    with postgres_query(databases[request.param]) as query:
        yield request.param, query, builds[request.param]


def test_raw_datasets_are_the_profiles_sources(stack) -> None:
    """Each enabled source landed in its raw_<source> schema, and no other source did."""
    from ingestion.sandbox.profiles import get_profile

    profile, query, _ = stack
    rows = query(
        "select table_schema, count(*) from information_schema.tables "
        "where table_schema like 'raw\\_%' and table_schema not like '%\\_staging' "  # dlt's merge staging
        "and table_name not like '\\_dlt%' group by table_schema"
    )
    assert {schema for schema, _ in rows} == {f"raw_{s}" for s in get_profile(profile).sources}


def test_persons_accounts_and_pipeline(stack) -> None:
    profile, query, truth = stack
    check_persons_accounts_pipeline(query, profile, truth)


def test_attributed_pipeline(stack) -> None:
    _, query, truth = stack
    check_attributed_pipeline(query, truth)


def test_funnel(stack) -> None:
    _, query, truth = stack
    check_funnel(query, truth)


def test_revenue(stack) -> None:
    _, query, truth = stack
    check_revenue(query, truth)
