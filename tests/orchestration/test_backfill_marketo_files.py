"""History backfills of Marketo (activity-date months), ad spend (spend-date months) and product events
(event-time months): a range runs as one Dagster run under the source's own dlt pipeline and equals a
full load table by table; a one-month window loads exactly that month and leaves the rest alone; and
`make backfill SOURCES=...` serves the sources on the sandbox."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from pipeline_helpers import table_rows, warehouse_env

from ingestion.files import settings as files_settings
from ingestion.files.pipeline import run_ad_spend, run_product_events
from ingestion.marketo import MarketoCredentials
from ingestion.marketo import settings as marketo_settings
from ingestion.marketo.pipeline import run_marketo
from ingestion.sandbox import SandboxCompany, generate_company
from ingestion.sandbox.generator_product import write_product_files
from ingestion.sandbox.generator_spend import write_spend_files
from ingestion.sandbox.marketo_emulator import MarketoEmulator
from ingestion.sandbox.marketo_shapes import MarketoInstance, instance_from_org
from orchestration.backfill import RANGE_END_TAG, RANGE_START_TAG, history_job

SCALE = 0.03
ALL_HISTORY = {RANGE_START_TAG: "2020-01", RANGE_END_TAG: dt.date.today().strftime("%Y-%m")}


@pytest.fixture(scope="module")
def company() -> SandboxCompany:
    return generate_company(seed=42, scale=SCALE)  # what `make backfill --scale 0.03` serves


@pytest.fixture(scope="module")
def files(company: SandboxCompany, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("files")
    write_spend_files(company.ad_spend(), root / "ad_spend", company.end_date)
    write_product_files(company.product_events(), root / "product_events")
    return root


@pytest.fixture(scope="module")
def instance(company: SandboxCompany) -> MarketoInstance:
    return instance_from_org(company.salesforce)


@pytest.fixture(scope="module")
def emulator(instance: MarketoInstance) -> Iterator[MarketoEmulator]:
    with MarketoEmulator(instance) as emu:
        yield emu


@contextlib.contextmanager
def source_env(emulator: MarketoEmulator, files: Path) -> Iterator[None]:
    """The connection settings dlt reads (as a Dagster run sees them)."""
    env = {
        "SOURCES__MARKETO__BASE_URL": emulator.base_url,
        "SOURCES__MARKETO__CREDENTIALS__CLIENT_ID": emulator.client_id,
        "SOURCES__MARKETO__CREDENTIALS__CLIENT_SECRET": emulator.client_secret,
        "SOURCES__AD_SPEND__BUCKET_URL": str(files / "ad_spend"),
        "SOURCES__PRODUCT_EVENTS__BUCKET_URL": str(files / "product_events"),
    }
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


def dataset_tables(warehouse: Path, dataset: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table of ``dataset`` but dlt's own: columns (no load ids) and sorted rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [dataset]
            ).fetchall()
            if not t.startswith("_dlt")
        ]
    return {t: table_rows(warehouse, f"{dataset}.{t}") for t in names}


@pytest.fixture(scope="module")
def loads(emulator: MarketoEmulator, files: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The three sources loaded twice: by their nightly path, and by one backfill run each of every month."""
    root = tmp_path_factory.mktemp("loads")
    out: dict[str, Any] = {"full": root / "full" / "warehouse.duckdb", "runs": {}}
    with source_env(emulator, files):
        with warehouse_env(root / "full") as full:
            kwargs = {"warehouse": str(full), "pipelines_dir": str(root / "full" / "dlt")}
            run_marketo(**kwargs)
            run_ad_spend(**kwargs)
            run_product_events(**kwargs)
        with warehouse_env(root / "backfill") as backfilled:
            for source in ("marketo", "ad_spend", "product_events"):
                instance = dg.DagsterInstance.ephemeral()
                result = history_job(source).execute_in_process(
                    instance=instance, tags=ALL_HISTORY, raise_on_error=False
                )
                assert result.success, source
                out["runs"][source] = (
                    len(instance.get_runs()),
                    {e.partition for e in result.get_asset_materialization_events()},
                )
    out["backfill"] = backfilled
    out["backfill_dlt"] = root / "backfill" / "dlt"
    return out


@pytest.mark.parametrize("dataset", ["raw_marketo", "raw_ad_spend", "raw_product_events"])
def test_a_backfill_of_all_history_equals_a_full_load(loads: dict[str, Any], dataset: str) -> None:
    expected = dataset_tables(loads["full"], dataset)
    backfilled = dataset_tables(loads["backfill"], dataset)
    assert set(backfilled) == set(expected)
    for table, (cols, rows) in expected.items():
        assert backfilled[table] == (cols, rows), table
    main = {"raw_marketo": "activities", "raw_ad_spend": "daily_spend", "raw_product_events": "events"}
    assert expected[main[dataset]][1], f"{dataset}.{main[dataset]} is empty"


def test_each_range_is_one_run_of_every_month(loads: dict[str, Any], company: SandboxCompany) -> None:
    for source, (runs, months) in loads["runs"].items():
        assert runs == 1, source  # the whole range in one run (BackfillPolicy.single_run)
        assert {"2020-01", company.start_date.strftime("%Y-%m"), ALL_HISTORY[RANGE_END_TAG]} <= months
        assert len(months) > 12, source
    pipelines = {p.name for p in loads["backfill_dlt"].iterdir()}
    assert pipelines == {
        marketo_settings.BACKFILL_PIPELINE_NAME,
        files_settings.AD_SPEND_BACKFILL_PIPELINE,
        files_settings.PRODUCT_BACKFILL_PIPELINE,
    }  # no nightly cursor was created or moved


def test_full_loads_hold_the_sandbox_ground_truth(loads: dict[str, Any], company: SandboxCompany) -> None:
    """The loads compared above are not empty or partial: they hold exactly the generated records."""
    warehouse = loads["backfill"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        spend = con.execute(
            "select platform, spend_date, campaign_id, cost from raw_ad_spend.daily_spend "
            "where quarantine_reason is null"
        ).fetchall()
        events = con.execute("select count(*) from raw_product_events.events").fetchone()[0]
        programs = con.execute("select count(*) from raw_marketo.programs").fetchone()[0]
    assert sorted((p, str(d), c, Decimal(v).quantize(Decimal("0.01"))) for p, d, c, v in spend) == sorted(
        (r["platform"], r["date"], r["campaign_id"], Decimal(r["cost"]))
        for r in company.ad_spend().final_rows
    )
    assert events == len(company.product_events())  # at-least-once duplicates included, as on a full load
    assert programs == len(instance_from_org(company.salesforce).programs)


def _month_of(when: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def test_one_marketo_month_loads_exactly_that_months_activities(
    instance: MarketoInstance, emulator: MarketoEmulator, tmp_path: Path
) -> None:
    from ingestion.marketo.fields import parse_datetime
    from orchestration.history import load_marketo_window

    middle = instance.activities[len(instance.activities) // 2]
    start, end = _month_of(parse_datetime(middle["activityDate"]))
    with warehouse_env(tmp_path) as warehouse:
        rows = load_marketo_window(
            start,
            end,
            base_url=emulator.base_url,
            credentials=MarketoCredentials(
                client_id=emulator.client_id, client_secret=emulator.client_secret
            ),
        )
    in_month = [a for a in instance.activities if start <= parse_datetime(a["activityDate"]) < end]
    deleted = [a for a in instance.deleted_leads if start <= parse_datetime(a["activityDate"]) < end]
    assert rows["activities"] == len(in_month) > 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        guids = {g for (g,) in con.execute("select marketo_guid from raw_marketo.activities").fetchall()}
        leads = {i for (i,) in con.execute("select id from raw_marketo.leads").fetchall()}
        programs = con.execute("select count(*) from raw_marketo.programs").fetchone()[0]
    assert guids == {a["marketoGUID"] for a in in_month}
    gone = {a["leadId"] for a in deleted}
    assert leads == {a["leadId"] for a in in_month} - gone  # the leads created or changed in the month
    assert rows.get("deleted_leads", 0) == len(deleted)
    assert programs == len(instance.programs)  # no date filter in the asset API: read whole


def _spend(warehouse: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select platform, spend_date, campaign_id, cost, file_path from raw_ad_spend.daily_spend "
            "order by 1, 2, 3"
        ).fetchall()


def test_a_spend_window_replaces_only_its_platform_days(files: Path, tmp_path: Path) -> None:
    """A late restatement file states days in two months; backfilling one month takes that month's
    restated days and leaves every other row, the other month's restated days included, as it was."""
    from orchestration.history import load_ad_spend_window

    folder = tmp_path / "ad_spend"
    shutil.copytree(files / "ad_spend", folder)
    kwargs = {"warehouse": str(tmp_path / "warehouse.duckdb"), "pipelines_dir": str(tmp_path / "dlt")}
    run_ad_spend(bucket_url=str(folder), **kwargs)
    before = _spend(tmp_path / "warehouse.duckdb")
    google = sorted({r[1] for r in before if r[0] == "google_ads"})
    month_start = dt.date(google[40].year, google[40].month, 1)  # a month of history, not the last
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    restated_days = [month_start + dt.timedelta(days=2), month_end + dt.timedelta(days=2)]  # two months
    path = folder / "google_ads" / "google_ads_late_restatement.csv"
    with open(path, "w") as fh:
        fh.write("date,platform,channel,campaign_id,campaign_name,cost,currency,clicks,impressions\n")
        for day in restated_days:
            fh.write(f"{day},google_ads,paid_search,gads-late-0001,Late,12.34,USD,1,10\n")
    stamp = dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp()  # newer than every other file
    os.utime(path, (stamp, stamp))

    with warehouse_env(tmp_path):
        rows = load_ad_spend_window(
            dt.datetime.combine(month_start, dt.time(), dt.UTC),
            dt.datetime.combine(month_end, dt.time(), dt.UTC),
            bucket_url=str(folder),
        )
    after = _spend(tmp_path / "warehouse.duckdb")
    in_month = [
        r
        for r in before
        if month_start <= r[1] < month_end and (r[0], r[1]) != ("google_ads", restated_days[0])
    ]
    assert rows["daily_spend"] == len(in_month) + 1  # the month's rows, the restated day from the late file
    restated = [r for r in after if r[1] == restated_days[0] and r[0] == "google_ads"]
    assert [(r[2], r[3], r[4]) for r in restated] == [
        ("gads-late-0001", Decimal("12.34"), "google_ads/google_ads_late_restatement.csv")
    ]
    untouched = [r for r in after if not (r[0] == "google_ads" and r[1] == restated_days[0])]
    assert untouched == [r for r in before if not (r[0] == "google_ads" and r[1] == restated_days[0])]
    with warehouse_env(tmp_path):  # rerunning the window adds nothing
        load_ad_spend_window(
            dt.datetime.combine(month_start, dt.time(), dt.UTC),
            dt.datetime.combine(month_end, dt.time(), dt.UTC),
            bucket_url=str(folder),
        )
    assert _spend(tmp_path / "warehouse.duckdb") == after


def test_a_product_events_window_loads_its_month_once(
    company: SandboxCompany, files: Path, tmp_path: Path
) -> None:
    from orchestration.history import load_product_events_window

    events = company.product_events()
    middle = dt.datetime.fromisoformat(events[len(events) // 2]["timestamp"].replace("Z", "+00:00"))
    start, end = _month_of(middle)
    expected = sorted(
        e["event_id"]
        for e in events
        if start <= dt.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) < end
    )
    sql = "select event_id from raw_product_events.events order by 1"
    with warehouse_env(tmp_path) as warehouse:
        for _ in range(2):  # the second read of the window replaces the first
            load_product_events_window(start, end, bucket_url=str(files / "product_events"))
            with duckdb.connect(str(warehouse), read_only=True) as con:
                assert [i for (i,) in con.execute(sql).fetchall()] == expected


def test_make_backfill_serves_marketo_and_the_files_on_the_sandbox(
    company: SandboxCompany,
    instance: MarketoInstance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
) -> None:
    """The default sandbox stack serves neither Marketo nor the files: `make backfill SOURCES=...` starts
    the emulator and writes the files itself, one run per source."""
    from orchestration.backfill import main

    for key in (
        "SOURCES__MARKETO__BASE_URL",
        "SOURCES__AD_SPEND__BUCKET_URL",
        "SOURCES__PRODUCT_EVENTS__BUCKET_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    month = ALL_HISTORY[RANGE_END_TAG]
    sources = "marketo,ad_spend,product_events"
    with warehouse_env(tmp_path) as warehouse:
        argv = [
            "--start",
            "2020-01",
            "--end",
            month,
            "--no-build",
            "--scale",
            str(SCALE),
            "--sources",
            sources,
        ]
        assert main(argv) == 0
    out = capsys.readouterr().out
    for source in sources.split(","):
        assert f"onefunnel backfill {source} 2020-01..{month}: succeeded" in out
    assert "SOURCES__MARKETO__BASE_URL" not in os.environ  # the sandbox's settings are gone afterwards
    with duckdb.connect(str(warehouse), read_only=True) as con:
        guids = {g for (g,) in con.execute("select marketo_guid from raw_marketo.activities").fetchall()}
        spend = con.execute("select count(*) from raw_ad_spend.daily_spend where quarantine_reason is null")
        n_spend = spend.fetchone()[0]
        n_events = con.execute("select count(*) from raw_product_events.events").fetchone()[0]
    assert {a["marketoGUID"] for a in instance.activities} <= guids
    assert n_spend == len(company.ad_spend().final_rows)
    assert n_events == len(company.product_events())
