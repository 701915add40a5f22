"""The Dagster page assets: wired after their review table, and a review schedule's tag picks the period."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.reports import REVIEWED_PERIOD_TAG, review_page_assets, review_page_key


def test_page_assets_depend_on_their_reviews():
    deps = {}
    for asset in review_page_assets():
        (key,) = asset.keys
        deps[key] = set(asset.asset_deps[key])
    assert deps == {
        review_page_key("weekly"): {dg.AssetKey(["marts", "rpt_weekly_pipeline_review"])},
        review_page_key("monthly"): {dg.AssetKey(["marts", "rpt_monthly_marketing_review"])},
        review_page_key("quarterly"): {dg.AssetKey(["marts", "rpt_quarterly_business_review"])},
    }


def test_a_review_run_writes_the_page_of_its_tagged_period(sandbox_marts, tmp_path, monkeypatch):
    monkeypatch.setenv("ONEFUNNEL_WAREHOUSE", str(sandbox_marts.path))
    monkeypatch.setenv("ONEFUNNEL_REPORTS_DIR", str(tmp_path))
    weekly = next(a for a in review_page_assets() if review_page_key("weekly") in a.keys)
    # the Monday 2026-09-21 tick reviews the week that started on 2026-09-14: ISO week 38
    result = dg.materialize([weekly], tags={REVIEWED_PERIOD_TAG: "2026-09-14"})
    assert result.success
    page = tmp_path / "weekly" / "2026-W38.html"
    assert "Weekly pipeline review 2026-W38" in page.read_text(encoding="utf-8")
    assert "weekly/2026-W38.html" in (tmp_path / "index.html").read_text(encoding="utf-8")
    (materialization,) = result.asset_materializations_for_node(weekly.node_def.name)
    assert materialization.metadata["period"].value == "2026-W38"
