"""Ad-spend files into raw_ad_spend: restated windows replace, reruns add nothing, bad rows are quarantined
with a reason, a missing column fails naming the file, credentials never leak. Every expected number is
computed by hand from the files written in the test."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from files_support import all_table_text, query, write_csv

from ingestion.files.pipeline import run_ad_spend

JANUARY = [
    ["2025-01-01", "google_ads", "search", "C1", "Brand", "100.00", "USD", "10", "1000"],
    ["2025-01-01", "google_ads", "search", "C2", "Generic", "50.00", "USD", "5", "500"],
    ["2025-01-02", "google_ads", "search", "C1", "Brand", "80.00", "USD", "8", "800"],
    ["2025-01-02", "google_ads", "search", "C2", "Generic", "20.00", "USD", "2", "200"],
    ["2025-01-03", "google_ads", "search", "C1", "Brand", "70.00", "USD", "7", "700"],
]
LINKEDIN = [["2025-01-02", "linkedin_ads", "social", "L1", "ABM", "30.00", "EUR", "3", "300"]]
# Google restates 2025-01-02..03: C2 vanished from the 2nd, C1 changed, C3 appeared on the 3rd.
RESTATEMENT = [
    ["2025-01-02", "google_ads", "search", "C1", "Brand", "85.00", "USD", "9", "850"],
    ["2025-01-03", "google_ads", "search", "C1", "Brand", "72.50", "USD", "7", "720"],
    ["2025-01-03", "google_ads", "search", "C3", "Retargeting", "10.00", "USD", "1", "100"],
]
# by hand: 2025-01-01 google 100 + 50; 01-02 google 85 (C2 gone), linkedin 30; 01-03 google 72.50 + 10
RESTATED = {
    ("google_ads", "2025-01-01"): Decimal("150.00"),
    ("google_ads", "2025-01-02"): Decimal("85.00"),
    ("linkedin_ads", "2025-01-02"): Decimal("30.00"),
    ("google_ads", "2025-01-03"): Decimal("82.50"),
}
SUMS_SQL = (
    "select platform, cast(spend_date as varchar), sum(cost) from raw_ad_spend.daily_spend group by 1, 2"
)
ROWS_SQL = "select platform, spend_date, campaign_id, cost from raw_ad_spend.daily_spend order by 1, 2, 3"


def _run(tmp_path: Path, name: str = "p", **kwargs) -> dict[str, int]:
    return run_ad_spend(
        warehouse=str(tmp_path / f"{name}.duckdb"),
        pipelines_dir=str(tmp_path / f"dlt_{name}"),
        bucket_url=str(tmp_path / "files"),
        **kwargs,
    )


def _sums(warehouse: Path) -> dict[tuple[str, str], Decimal]:
    return {(p, d): Decimal(str(v)).quantize(Decimal("0.01")) for p, d, v in query(warehouse, SUMS_SQL)}


def test_restatement_replaces_its_window_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    files = tmp_path / "files"
    write_csv(files / "google_ads" / "2025-01.csv", JANUARY, mtime=0)
    write_csv(files / "linkedin_ads" / "2025-01.csv", LINKEDIN, mtime=0)
    assert _run(tmp_path)["daily_spend"] == 6
    warehouse = tmp_path / "p.duckdb"
    assert _sums(warehouse)[("google_ads", "2025-01-02")] == Decimal("100.00")  # 80 + 20, before restatement

    write_csv(files / "google_ads" / "restatement_2025-01-03.csv", RESTATEMENT, mtime=3600)
    assert _run(tmp_path)["daily_spend"] == 3  # only the new file is read
    assert _sums(warehouse) == RESTATED
    assert sum(_sums(warehouse).values()) == Decimal("347.50")
    rows = query(warehouse, ROWS_SQL)
    assert ("C2" not in {r[2] for r in rows if str(r[1]) == "2025-01-02"}) and len(rows) == 6

    assert _run(tmp_path) == {}  # nothing new: nothing extracted, nothing changes
    assert query(warehouse, ROWS_SQL) == rows

    # a fresh load reading both files in one run ends the same: the later file wins each (platform, day)
    assert _run(tmp_path, name="fresh")["daily_spend"] == 6
    assert query(tmp_path / "fresh.duckdb", ROWS_SQL) == rows


def test_bad_rows_are_quarantined_with_a_reason_and_extra_columns_load(tmp_path: Path) -> None:
    header = [
        "Date",
        "Platform",
        "Channel",
        "Campaign",
        "Cost",
        "Currency",
        "Clicks",
        "Impressions",
        "Conversions",
    ]
    write_csv(
        tmp_path / "files" / "meta.csv",
        [
            ["2025-01-05", "meta_ads", "social", "Spring", "12.50", "EUR", "4", "400", "1"],  # line 2: clean
            ["2025-01-05", "meta_ads", "social", "Summer", "n/a", "EUR", "4", "400", "0"],  # 3: bad cost
            ["2025-13-01", "meta_ads", "social", "Spring", "1.00", "EUR", "1", "10", "0"],  # 4: bad date
            ["2025-01-06", "meta_ads", "social", "Swiss", "40.00", "CHF", "2", "90", "0"],  # 5: no CHF rate
            ["2025-01-06", "meta_ads", "social", "", "5.00", "US", "x", "1", "0"],  # 6: three problems
        ],
        header=header,
    )
    assert _run(tmp_path) == {"daily_spend": 2, "spend_quarantine": 3}
    warehouse = tmp_path / "p.duckdb"
    quarantined = query(warehouse, "select line_number, reason from raw_ad_spend.spend_quarantine order by 1")
    assert quarantined == [
        (3, "cost is not a non-negative number: 'n/a'"),
        (4, "date is not YYYY-MM-DD: '2025-13-01'"),
        (
            6,
            "campaign_id and campaign_name are both empty; currency is not a 3-letter ISO 4217 code: 'US';"
            " clicks is not a non-negative integer: 'x'",
        ),
    ]
    loaded = query(
        warehouse,
        "select line_number, campaign_name, cost, currency, quarantine_reason, conversions"
        " from raw_ad_spend.daily_spend order by 1",
    )
    assert [(r[0], r[1], r[3], r[5]) for r in loaded] == [(2, "Spring", "EUR", "1"), (5, "Swiss", "CHF", "0")]
    assert loaded[0][4] is None
    assert loaded[1][4] == "unknown currency 'CHF' (no rate in seed exchange_rates)"  # kept, flagged


def test_missing_required_column_fails_naming_the_file(tmp_path: Path) -> None:
    header = ["date", "platform", "channel", "campaign_id", "currency", "clicks", "impressions"]
    write_csv(
        tmp_path / "files" / "google_ads" / "broken_export.csv",
        [["2025-01-01", "g", "s", "C1", "USD", "1", "1"]],
        header,
    )
    with pytest.raises(PipelineStepFailed) as failure:
        _run(tmp_path)
    message = str(failure.value)
    assert "google_ads/broken_export.csv" in message and "missing required column(s) cost" in message


def test_bucket_credentials_never_reach_logs_or_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from dlt.common.configuration.specs import AwsCredentials

    canary_config, canary_given = "canaryCONFIGsecret7Q2", "canaryGIVENsecret9Z4"
    monkeypatch.setenv("SOURCES__AD_SPEND__CREDENTIALS__AWS_ACCESS_KEY_ID", "AKIACANARYCONFIG01")
    monkeypatch.setenv("SOURCES__AD_SPEND__CREDENTIALS__AWS_SECRET_ACCESS_KEY", canary_config)
    given = AwsCredentials()
    given.aws_access_key_id, given.aws_secret_access_key = "AKIACANARYGIVEN02", canary_given
    write_csv(tmp_path / "files" / "google_ads" / "2025-01.csv", JANUARY)
    assert _run(tmp_path)["daily_spend"] == 5  # credentials from config (unused by a local folder)
    write_csv(tmp_path / "files" / "google_ads" / "restatement.csv", RESTATEMENT, mtime=60)
    assert _run(tmp_path, credentials=given)["daily_spend"] == 3  # credentials handed to the filesystem
    output = capfd.readouterr()
    dumped = all_table_text(tmp_path / "p.duckdb")
    state = b"".join(p.read_bytes() for p in (tmp_path / "dlt_p").rglob("*") if p.is_file())
    for canary in (canary_config, canary_given, "AKIACANARY"):
        assert canary not in output.out + output.err
        assert canary not in dumped
        assert canary.encode() not in state
