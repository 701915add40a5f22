"""A small warehouse for the data-quality tests, built with portable SQL on DuckDB or PostgreSQL.

``build(conn, dirty=True)`` injects each gap into a known set of rows; :data:`EXPECTED` lists them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from data_quality.connection import Connection, connected
from data_quality.rules import Rule
from data_quality.suites import all_rules

DDL = [
    "CREATE SCHEMA IF NOT EXISTS marts",
    "CREATE SCHEMA IF NOT EXISTS seeds",
    """CREATE TABLE marts.fct_opportunities (opportunity_id VARCHAR(18), account_id VARCHAR(18),
        owner_id VARCHAR(18), owner_name VARCHAR(100), opportunity_type VARCHAR(32), stage_name VARCHAR(64),
        is_closed BOOLEAN, is_won BOOLEAN, currency_code VARCHAR(3), amount DECIMAL(18, 2),
        amount_reporting DECIMAL(18, 2), has_contact_role BOOLEAN, contact_role_count INTEGER,
        close_date DATE, created_at TIMESTAMP)""",
    """CREATE TABLE marts.dim_persons (person_id VARCHAR(18), email VARCHAR(200), account_id VARCHAR(18),
        owner_id VARCHAR(18), owner_name VARCHAR(100))""",
    # empty: no contact touched marketing, so every opportunity lacks a touch (attribution_health warns)
    "CREATE TABLE marts.fct_opportunity_contacts (opportunity_id VARCHAR(18), person_id VARCHAR(32))",
    """CREATE TABLE marts.fct_touchpoints (touchpoint_id VARCHAR(64), person_id VARCHAR(32),
        is_marketing_touch BOOLEAN, touched_at TIMESTAMP)""",
    "CREATE TABLE seeds.exchange_rates (currency_code VARCHAR(3), valid_from DATE, rate_to_reporting DOUBLE PRECISION)",
]
OPP_COLUMNS = (
    "opportunity_id",
    "account_id",
    "owner_id",
    "owner_name",
    "opportunity_type",
    "stage_name",
    "is_closed",
    "is_won",
    "currency_code",
    "amount",
    "amount_reporting",
    "has_contact_role",
    "contact_role_count",
    "close_date",
    "created_at",
)
OWNERS = [("005U1", "Alice Archer"), ("005U2", "Bob Baker"), ("005U3", "Carol Cruz")]
RATES = {"USD": 1.0, "EUR": 1.09, "GBP": 1.2932}
TYPES = ["new_business", "expansion", "renewal", "contraction", "churn"]
N_OPPORTUNITIES, N_PERSONS = 20, 10

# rule -> the ids it must flag on the dirty warehouse (and nothing else).
EXPECTED: dict[str, set[str | None]] = {
    "opportunity_id_not_null": {None},
    "opportunity_id_unique": {"OPP-14"},
    "amount_reporting_non_negative": {"OPP-05"},
    "currency_code_known": {"OPP-08"},
    "won_implies_closed": {"OPP-06"},
    "opportunity_type_known": {"OPP-09", "OPP-15"},
    "close_date_not_null": {"OPP-10"},
    "created_at_not_null": {"OPP-13"},
    "opportunities_without_contact": {"OPP-03", "OPP-07", "OPP-11"},
    "persons_without_account": {"PER-02", "PER-05", "PER-09"},
    "amount_missing_or_unknown_currency": {"OPP-04", "OPP-08", "OPP-12"},
}


def rules() -> list[Rule]:
    """The registered rules this small warehouse has the tables for (those in EXPECTED)."""
    return [r for r in all_rules() if r.name in EXPECTED]


def _opportunity(i: int) -> dict[str, object]:
    owner_id, owner_name = OWNERS[i % 3]
    currency = list(RATES)[i % 3]
    closed, won = i % 3 != 2, i % 3 == 0
    amount = 1000.0 * i
    return {
        "opportunity_id": f"OPP-{i:02d}",
        "account_id": f"ACC-{i % 7:02d}",
        "owner_id": owner_id,
        "owner_name": owner_name,
        "opportunity_type": TYPES[i % 5],
        "stage_name": "Closed Won" if won else "Closed Lost" if closed else "Discovery",
        "is_closed": closed,
        "is_won": won,
        "currency_code": currency,
        "amount": amount,
        "amount_reporting": round(amount * RATES[currency], 2),
        "has_contact_role": True,
        "contact_role_count": 1 + i % 3,
        "close_date": date(2025, 1 + i % 12, 15),
        "created_at": datetime(2024, 1 + i % 12, 3, 9, 30),
    }


def opportunities(dirty: bool) -> list[dict[str, object]]:
    """20 clean opportunities; dirty adds one gap per rule (see EXPECTED), a duplicate and a null id."""
    rows = [_opportunity(i) for i in range(1, N_OPPORTUNITIES + 1)]
    if not dirty:
        return rows
    by_id = {r["opportunity_id"]: r for r in rows}
    for oid in ("OPP-03", "OPP-07", "OPP-11"):
        by_id[oid].update(has_contact_role=False, contact_role_count=0)
    by_id["OPP-04"].update(amount=None, amount_reporting=None)
    by_id["OPP-12"].update(amount=None, amount_reporting=None)
    by_id["OPP-08"].update(currency_code="XYZ", amount_reporting=None)
    by_id["OPP-05"].update(amount=-500.0, amount_reporting=-500.0, currency_code="USD")
    by_id["OPP-06"].update(is_won=True, is_closed=False)
    by_id["OPP-09"].update(opportunity_type="upsell")
    by_id["OPP-15"].update(opportunity_type=None)
    by_id["OPP-10"].update(close_date=None)
    by_id["OPP-13"].update(created_at=None)
    return [*rows, dict(by_id["OPP-14"]), {**_opportunity(1), "opportunity_id": None}]


def persons(dirty: bool) -> list[tuple[object, ...]]:
    """10 persons; dirty leaves three of them without an account."""
    rows = []
    for i in range(1, N_PERSONS + 1):
        owner_id, owner_name = OWNERS[i % 3]
        account = None if dirty and i in (2, 5, 9) else f"ACC-{i % 7:02d}"
        rows.append((f"PER-{i:02d}", f"person{i}@example.com", account, owner_id, owner_name))
    return rows


def build(conn: Connection, dirty: bool) -> None:
    """Create and fill marts.fct_opportunities, marts.dim_persons and seeds.exchange_rates."""
    for statement in DDL:
        conn.execute(statement)
    conn.insert_rows(
        "marts.fct_opportunities",
        OPP_COLUMNS,
        [tuple(r[c] for c in OPP_COLUMNS) for r in opportunities(dirty)],
    )
    conn.insert_rows(
        "marts.dim_persons", ("person_id", "email", "account_id", "owner_id", "owner_name"), persons(dirty)
    )
    conn.insert_rows(
        "seeds.exchange_rates",
        ("currency_code", "valid_from", "rate_to_reporting"),
        [(c, date(2023, 1, 1), r) for c, r in RATES.items()],
    )


def make_duckdb(path: Path, dirty: bool) -> str:
    """Build the test warehouse in a DuckDB file and return its path."""
    with connected(str(path), create=True) as conn:
        build(conn, dirty)
    return str(path)
