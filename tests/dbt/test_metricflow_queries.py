"""The semantic layer answers by metric name: MetricFlow's ``mf`` over a built sandbox warehouse.

A small sandbox company (Salesforce raw tables, product events loaded by the product-events source) is built
with dbt in a private copy of the project (``mf`` reads ``<project>/target/semantic_manifest.json`` and has no
option to look elsewhere, and the shared ``dbt_project/target`` is not touched). ``mf validate-configs`` checks
the semantic models and metrics against the warehouse, then ``mf query`` asks for the headline metrics of
``/work/shared/METRICS.md`` by name: qualified pipeline, win rate, CAC and new customers, net new ARR per
quarter; NRR and GRR at the as-of month; activated signups per month; first-touch and linear attributed
pipeline per quarter and channel. Each answer is compared with ``company.ground_truth()`` (plain Python over
the org and the product events) or, for the win rate by close date, with a count over the org's records here.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR
from profile_reconcile import duckdb_query
from sandbox_warehouse import load_org

pytestmark = pytest.mark.slow

SEED, SCALE = 7, 0.05
CENT = Decimal("0.01")
VARS = {"product_events_enabled": True}
# the marts the semantic models read, and fct_revenue_retention's per-quarter customer counts
SELECT = [
    "+fct_opportunities",
    "+fct_arr",
    "+fct_revenue_retention",
    "+fct_cac",
    "+fct_attribution",
    "+fct_plg_activation",
    "metricflow_time_spine",
]


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _quarter(value: str) -> str:
    """A MetricFlow quarter ('2025-10-01 00:00:00') as the marts' label (2025-Q4)."""
    day = dt.date.fromisoformat(value[:10])
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _cents(value: str) -> Decimal:
    return Decimal(value).quantize(CENT)


class Workspace:
    """A private copy of the dbt project over one DuckDB warehouse; ``mf`` runs in it."""

    def __init__(self, root: Path, warehouse: Path, as_of: str) -> None:
        self.project = root / "project"
        self.root = root
        self.env = {
            **os.environ,
            "ONEFUNNEL_WAREHOUSE": str(warehouse),
            "ONEFUNNEL_DBT_TARGET": "duckdb",
            "ONEFUNNEL_AS_OF_DATE": as_of,
            "DBT_PROFILES_DIR": str(self.project),
            "DBT_PROJECT_DIR": str(self.project),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_COLOR": "1",
        }
        self.env.pop("DBT_TARGET_PATH", None)  # mf reads target/ of the project, so dbt must write there

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(args), cwd=self.project, env=self.env, capture_output=True, text=True, timeout=600
        )

    def query(self, name: str, metrics: list[str], group_by: list[str], where: str | None = None):
        """Rows of ``mf query`` as dicts (CSV output)."""
        out = self.root / f"{name}.csv"
        args = ["query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by), "--csv", str(out)]
        result = self.run(_tool("mf"), *args, *(["--where", where] if where else []))
        assert result.returncode == 0 and out.exists(), (result.stdout + result.stderr)[-4000:]
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Workspace, dict[str, Any], Any]:
    """(workspace, JSON-shaped ground truth, company) of the sandbox built in a private project copy."""
    from ingestion.files.pipeline import run_product_events
    from ingestion.sandbox import generate_company
    from ingestion.sandbox.generator_product import write_product_files

    root = tmp_path_factory.mktemp("metricflow")
    shutil.copytree(
        PROJECT_DIR, root / "project", ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    company = generate_company(seed=SEED, scale=SCALE)
    truth = json.loads(json.dumps(company.ground_truth(), default=str))
    warehouse = root / "warehouse.duckdb"
    load_org(company.salesforce, warehouse)
    write_product_files(company.product_events(), root / "product_events")
    run_product_events(str(warehouse), str(root / "dlt"), bucket_url=str(root / "product_events"))
    work = Workspace(root, warehouse, truth["as_of_date"])
    result = work.run(
        _tool("dbt"),
        "build",  # seeds and models; the data and unit tests of these models run in the other tests/dbt files
        "--select",
        *SELECT,
        "--exclude-resource-type",
        "test",
        "unit_test",
        "--vars",
        json.dumps(VARS),
        "--no-use-colors",
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    # mf reads the semantic manifest of the last parse: it must carry the same vars (the PLG metrics)
    assert (work.project / "target" / "semantic_manifest.json").exists()
    return work, truth, company


def test_semantic_manifest_validates_against_the_warehouse(built) -> None:
    work, _, _ = built
    result = work.run(_tool("mf"), "validate-configs")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "ERRORS: 0" in output and "ERRORS: 1" not in output
    manifest = json.loads((work.project / "target" / "semantic_manifest.json").read_text())
    metrics = {m["name"] for m in manifest["metrics"]}
    headline = {"qualified_pipeline", "win_rate", "cac", "cost_per_lead", "net_new_arr", "nrr"}
    assert headline | {"activated_signups", "attributed_pipeline"} <= metrics


def test_quarterly_metrics_equal_the_ground_truth(built) -> None:
    work, truth, company = built
    rows = work.query(
        "quarterly",
        [
            "qualified_pipeline",
            "win_rate",
            "won_opportunity_count",
            "cac",
            "new_customer_count",
            "net_new_arr",
        ],
        ["metric_time__quarter"],
    )
    by_quarter = {_quarter(r["metric_time__quarter"]): r for r in rows if r["metric_time__quarter"]}

    qualified = {q: _cents(r["qualified_pipeline"]) for q, r in by_quarter.items() if r["qualified_pipeline"]}
    assert truth["qualified_pipeline_by_quarter"]
    assert {q: v for q, v in qualified.items() if v} == {
        q: Decimal(v) for q, v in truth["qualified_pipeline_by_quarter"].items() if Decimal(v)
    }

    # win rate by close date: won / closed live opportunities per quarter of their close date, from the org
    closed: dict[str, list[int]] = {}
    for opp in company.salesforce.records("Opportunity"):
        if opp.get("IsDeleted") or not opp.get("IsClosed"):
            continue
        close = opp["CloseDate"]
        close = close if isinstance(close, dt.date) else dt.date.fromisoformat(str(close)[:10])
        counts = closed.setdefault(f"{close.year}-Q{(close.month - 1) // 3 + 1}", [0, 0])
        counts[0] += bool(opp.get("IsWon"))
        counts[1] += 1
    assert closed
    for quarter, (won, total) in closed.items():
        assert int(Decimal(by_quarter[quarter]["won_opportunity_count"])) == won, quarter
        assert float(by_quarter[quarter]["win_rate"]) == pytest.approx(won / total, abs=1e-12), quarter

    new_customers = {q: int(Decimal(r["new_customer_count"] or "0")) for q, r in by_quarter.items()}
    assert truth["cac_by_quarter"]
    for quarter, cac in truth["cac_by_quarter"].items():
        assert new_customers.get(quarter, 0) == truth["new_customers_by_quarter"].get(quarter, 0), quarter
        # no new customer in the quarter: no CAC (the ground truth's None, MetricFlow's empty ratio)
        got = by_quarter[quarter]["cac"]
        assert (_cents(got) if got else None) == (Decimal(cac) if cac is not None else None), quarter
    assert any(cac is not None for cac in truth["cac_by_quarter"].values())

    with duckdb_query(work.env["ONEFUNNEL_WAREHOUSE"]) as query:
        customers = dict(
            query(
                "select period_label, customer_count from marts.fct_revenue_retention where period_grain = 'quarter'"
            )
        )
    assert truth["net_new_arr_by_quarter"]
    for quarter, amount in truth["net_new_arr_by_quarter"].items():
        # per-account ARR is rounded to the cent on both sides, as in profile_reconcile.check_revenue
        tolerance = 2 * CENT * max(customers[quarter], 1)
        assert abs(_cents(by_quarter[quarter]["net_new_arr"]) - Decimal(amount)) <= tolerance, quarter


def test_retention_and_activation_by_month_equal_the_ground_truth(built) -> None:
    work, truth, _ = built
    retention = work.query("retention", ["nrr", "grr"], ["metric_time__month"])
    as_of_month = truth["as_of_date"][:7]
    (at_as_of,) = [r for r in retention if r["metric_time__month"][:7] == as_of_month]
    assert float(at_as_of["nrr"]) == pytest.approx(truth["nrr_as_of"], abs=1e-9)
    assert float(at_as_of["grr"]) == pytest.approx(truth["grr_as_of"], abs=1e-9)

    signups = work.query("signups", ["activated_signups", "signup_count"], ["metric_time__month"])
    activated = {r["metric_time__month"][:7]: int(Decimal(r["activated_signups"] or "0")) for r in signups}
    counted = {r["metric_time__month"][:7]: int(Decimal(r["signup_count"] or "0")) for r in signups}
    expected_activated = truth["plg_activated_signups_by_month"]
    assert sum(expected_activated.values()) > 0
    assert {m: activated.get(m, 0) for m in expected_activated} == expected_activated
    assert {m: n for m, n in counted.items() if n} == {
        m: n for m, n in truth["plg_signups_by_month"].items() if n
    }


def test_attributed_pipeline_by_model_quarter_and_channel_equals_the_ground_truth(built) -> None:
    work, truth, _ = built
    rows = work.query(
        "attributed",
        ["attributed_pipeline"],
        ["metric_time__quarter", "attribution__attribution_model", "attribution__channel"],
        where="{{ Dimension('attribution__attribution_model') }} in ('first_touch', 'linear')",
    )
    actual = {
        (
            r["attribution__attribution_model"],
            _quarter(r["metric_time__quarter"]),
            r["attribution__channel"] or "(unmapped)",
        ): _cents(r["attributed_pipeline"])
        for r in rows
        if r["attributed_pipeline"]
    }
    expected = {
        (model, quarter, channel): Decimal(amount)
        for model, quarters in truth["attributed_pipeline_by_quarter"].items()
        if model in ("first_touch", "linear")
        for quarter, channels in quarters.items()
        for channel, amount in channels.items()
    }
    assert expected, "the sandbox should attribute some pipeline"
    assert {k for k, v in actual.items() if v or k in expected} == set(expected)
    off = {k: (actual[k], v) for k, v in expected.items() if abs(actual[k] - v) > CENT}
    assert not off
