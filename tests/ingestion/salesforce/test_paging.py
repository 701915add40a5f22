"""Paging at the 2,000-row batch boundary with SystemModstamp ties, and ties at the incremental cursor."""

from __future__ import annotations

from pathlib import Path

import pytest
from sf_support import T0, Runner, add_records

from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator

V = "/services/data/v61.0"


@pytest.mark.parametrize(
    ("total", "tie_start", "tie_size", "pages"),
    [(2000, 1500, 500, 1), (2001, 1000, 1001, 2), (4000, 1000, 2500, 2)],
)
def test_every_row_once_across_pages(
    tmp_path: Path, total: int, tie_start: int, tie_size: int, pages: int
) -> None:
    org = SalesforceOrg(T0)
    add_records(org, "Opportunity", tie_start)
    tie_stamp = org.tick()
    add_records(
        org, "Opportunity", tie_size, modstamp=tie_stamp
    )  # one SystemModstamp across the page boundary
    add_records(org, "Opportunity", total - tie_start - tie_size)
    with SalesforceEmulator(org) as emu:
        runner = Runner(emu, tmp_path)
        assert runner(objects=["Opportunity"], batch_size=2000) == {"opportunity": total}
        assert emu.count_requests(f"{V}/queryAll") == 1
        assert emu.count_requests(f"{V}/query/01g") == pages - 1
        assert runner.sql("select count(*), count(distinct id) from raw_salesforce.opportunity") == [
            (total, total)
        ]
        ties = runner.sql(
            f"select count(*) from raw_salesforce.opportunity where system_modstamp = '{tie_stamp}'"
        )
        assert ties == [(tie_size,)]

        # later rows stamped with the *same* SystemModstamp as the cursor are still picked up
        last = max(r["SystemModstamp"] for r in org.records("Opportunity"))
        add_records(org, "Opportunity", 3, modstamp=last)
        assert runner(objects=["Opportunity"], batch_size=2000) == {"opportunity": 3}
        assert runner.sql("select count(*), count(distinct id) from raw_salesforce.opportunity") == [
            (total + 3, total + 3)
        ]
        state = runner.state()["opportunity"]["incremental"]["SystemModstamp"]
        assert state["last_value"] == last


def test_small_batches_and_tie_at_cursor(tmp_path: Path) -> None:
    """batchSize 200 pages a 1,000-row tie; the next run re-reads the tie and adds nothing."""
    org = SalesforceOrg(T0)
    stamp = org.tick()
    add_records(org, "Account", 1000, modstamp=stamp)
    with SalesforceEmulator(org) as emu:
        runner = Runner(emu, tmp_path)
        assert runner(objects=["Account"], batch_size=200) == {"account": 1000}
        assert emu.count_requests(f"{V}/query/01g") == 4
        assert runner(objects=["Account"], batch_size=200) == {}
        assert runner.sql("select count(distinct id), count(*) from raw_salesforce.account") == [(1000, 1000)]
