"""A tiny hand-made ``raw_salesforce`` warehouse shaped like dlt's load (see docs/contracts.md).

Mess on purpose: a deleted row per object, an older duplicate version of an account and of an
opportunity, a same-stage repeat in opportunity history, a non-UTC timestamp, an unknown currency,
and columns missing from two tables (``account.annual_revenue``, ``opportunity_history.expected_revenue``)
to prove staging tolerates drift. Expected mart values are computed by hand in ``test_dbt_build.py``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# fmt: off  (hand-written data tables read best one record per line)
DLT = "_dlt_load_id text, _dlt_id text"

DDL: dict[str, str] = {
    "user": """id text, username text, name text, first_name text, last_name text, email text, title text,
        department text, is_active boolean, created_date timestamptz, last_modified_date timestamptz,
        system_modstamp timestamptz""",
    # annual_revenue missing on purpose (drift)
    "account": """id text, is_deleted boolean, name text, type text, industry text, number_of_employees bigint,
        website text, billing_city text, billing_country text, currency_iso_code text, owner_id text,
        parent_id text, created_date timestamptz, last_modified_date timestamptz, system_modstamp timestamptz""",
    "contact": """id text, is_deleted boolean, account_id text, first_name text, last_name text, name text,
        email text, title text, department text, lead_source text, mailing_country text, buying_role_c text,
        owner_id text, created_date timestamptz, last_modified_date timestamptz, system_modstamp timestamptz""",
    "lead": """id text, is_deleted boolean, first_name text, last_name text, name text, email text, company text,
        title text, website text, country text, status text, lead_source text, disqualified_reason_c text,
        is_converted boolean, converted_date date, converted_account_id text, converted_contact_id text,
        converted_opportunity_id text, owner_id text, created_date timestamptz, last_modified_date timestamptz,
        system_modstamp timestamptz""",
    "campaign": """id text, is_deleted boolean, name text, type text, status text, start_date date, end_date date,
        budgeted_cost decimal(38, 9), actual_cost decimal(38, 9), currency_iso_code text, is_active boolean,
        parent_id text, owner_id text, created_date timestamptz, last_modified_date timestamptz,
        system_modstamp timestamptz""",
    "campaign_member": """id text, is_deleted boolean, campaign_id text, lead_id text, contact_id text,
        status text, has_responded boolean, first_responded_date date, created_date timestamptz,
        last_modified_date timestamptz, system_modstamp timestamptz""",
    "opportunity": """id text, is_deleted boolean, account_id text, name text, type text, stage_name text,
        amount decimal(38, 9), currency_iso_code text, probability double, close_date date, is_closed boolean,
        is_won boolean, forecast_category_name text, lead_source text, campaign_id text, owner_id text,
        term_months_c double, loss_reason_c text, created_date timestamptz, last_modified_date timestamptz,
        system_modstamp timestamptz""",
    "opportunity_contact_role": """id text, is_deleted boolean, opportunity_id text, contact_id text, role text,
        is_primary boolean, created_date timestamptz, last_modified_date timestamptz,
        system_modstamp timestamptz""",
    # expected_revenue missing on purpose (drift)
    "opportunity_history": """id text, is_deleted boolean, opportunity_id text, stage_name text,
        amount decimal(38, 9), close_date date, probability double, forecast_category text,
        created_by_id text, created_date timestamptz, system_modstamp timestamptz""",
}

L1, L2 = "1700000000.000001", "1700086400.000002"  # two dlt loads
TS = "2025-10-14 12:00:00+00"  # a system_modstamp later than the older versions

ROWS: dict[str, list[tuple]] = {
    "user": [
        (
            "005U1",
            "ada@corp.test",
            "Ada Owner",
            "Ada",
            "Owner",
            "ada@corp.test",
            "AE",
            "Sales",
            True,
            "2024-01-01 00:00:00+00",
            TS,
            TS,
            L1,
            "d1",
        ),
        (
            "005U2",
            "bo@corp.test",
            "Bo Rep",
            "Bo",
            "Rep",
            "bo@corp.test",
            "SDR",
            "Sales",
            True,
            "2024-01-01 00:00:00+00",
            TS,
            TS,
            L1,
            "d2",
        ),
    ],
    "account": [
        (
            "001A1",
            False,
            "Acme",
            "Customer",
            "Software",
            500,
            "https://www.Acme.com/about",
            "Berlin",
            "Germany",
            "EUR",
            "005U1",
            None,
            "2024-01-05 00:00:00+00",
            TS,
            TS,
            L1,
            "a1",
        ),
        # older version of 001A2, superseded by the next row
        (
            "001A2",
            False,
            "Beta Old",
            "Prospect",
            "Retail",
            1000,
            "beta.io",
            None,
            "USA",
            "USD",
            "005U2",
            None,
            "2024-02-01 00:00:00+00",
            "2024-02-01 00:00:00+00",
            "2024-02-01 00:00:00+00",
            L1,
            "a2",
        ),
        (
            "001A2",
            False,
            "Beta",
            "Prospect",
            "Retail",
            1000,
            "beta.io",
            None,
            "USA",
            "USD",
            "005U2",
            None,
            "2024-02-01 00:00:00+00",
            TS,
            TS,
            L2,
            "a2b",
        ),
        (
            "001A3",
            True,
            "Gone",
            "Prospect",
            "Software",
            300,
            "gone.test",
            None,
            "USA",
            "USD",
            "005U1",
            None,
            "2024-02-02 00:00:00+00",
            TS,
            TS,
            L1,
            "a3",
        ),
        # same domain as 001A1, created later: resolves to 001A1
        (
            "001A4",
            False,
            "Acme Dup",
            "Prospect",
            "Software",
            6000,
            "http://acme.com",
            None,
            "Germany",
            "EUR",
            "005U1",
            None,
            "2024-03-01 00:00:00+00",
            TS,
            TS,
            L1,
            "a4",
        ),
    ],
    "contact": [
        (
            "003C1",
            False,
            "001A1",
            "Jane",
            "Doe",
            "Jane Doe",
            "jane@acme.com",
            "CTO",
            None,
            "Web",
            "Germany",
            "Champion",
            "005U1",
            "2024-05-01 00:00:00+00",
            TS,
            TS,
            L1,
            "c1",
        ),
        (
            "003C2",
            False,
            None,
            "Bob",
            "Bee",
            "Bob Bee",
            "bob@beta.io",
            None,
            None,
            "Event",
            "USA",
            None,
            "005U2",
            "2024-05-02 00:00:00+00",
            TS,
            TS,
            L1,
            "c2",
        ),
        (
            "003C3",
            False,
            None,
            "Gil",
            "Mail",
            "Gil Mail",
            "x@gmail.com",
            None,
            None,
            None,
            None,
            None,
            "005U2",
            "2024-05-03 00:00:00+00",
            TS,
            TS,
            L1,
            "c3",
        ),
        (
            "003C4",
            True,
            "001A1",
            "Del",
            "Eted",
            "Del Eted",
            "del@acme.com",
            None,
            None,
            None,
            None,
            None,
            "005U1",
            "2024-05-04 00:00:00+00",
            TS,
            TS,
            L1,
            "c4",
        ),
    ],
    "lead": [
        # converted into 003C1, email differs in case and spaces
        (
            "00QL1",
            False,
            "Jane",
            "Doe",
            "Jane Doe",
            " Jane@Acme.com ",
            "Acme",
            None,
            None,
            None,
            "Closed - Converted",
            "Web",
            None,
            True,
            "2024-05-01",
            "001A1",
            "003C1",
            "006O1",
            "005U1",
            "2024-04-01 00:00:00+00",
            TS,
            TS,
            L1,
            "l1",
        ),
        # not converted duplicate of contact 003C2 (case and spaces)
        (
            "00QL2",
            False,
            "Bob",
            "Bee",
            "Bob Bee",
            "BOB@beta.io ",
            "Beta",
            None,
            None,
            None,
            "Working - Contacted",
            "Event",
            None,
            False,
            None,
            None,
            None,
            None,
            "005U2",
            "2024-04-02 00:00:00+00",
            TS,
            TS,
            L1,
            "l2",
        ),
        (
            "00QL3",
            False,
            "No",
            "Mail",
            "No Mail",
            None,
            "Anon",
            None,
            None,
            None,
            "Open - Not Contacted",
            None,
            None,
            False,
            None,
            None,
            None,
            None,
            "005U2",
            "2024-04-03 00:00:00+00",
            TS,
            TS,
            L1,
            "l3",
        ),
        (
            "00QL4",
            False,
            "Also",
            "Nomail",
            "Also Nomail",
            "  ",
            "Anon",
            None,
            None,
            None,
            "Open - Not Contacted",
            None,
            None,
            False,
            None,
            None,
            None,
            None,
            "005U2",
            "2024-04-04 00:00:00+00",
            TS,
            TS,
            L1,
            "l4",
        ),
        (
            "00QL5",
            True,
            "Del",
            "Lead",
            "Del Lead",
            "dl@zeta.test",
            "Zeta",
            None,
            None,
            None,
            "Open - Not Contacted",
            None,
            None,
            False,
            None,
            None,
            None,
            None,
            "005U2",
            "2024-04-05 00:00:00+00",
            TS,
            TS,
            L1,
            "l5",
        ),
    ],
    "campaign": [
        (
            "701K1",
            False,
            "Webinar Q1",
            "Webinar",
            "Completed",
            "2025-01-01",
            "2025-01-31",
            1000,
            900,
            "USD",
            False,
            None,
            "005U2",
            "2024-12-01 00:00:00+00",
            TS,
            TS,
            L1,
            "k1",
        ),
    ],
    "campaign_member": [
        (
            "00vM1",
            False,
            "701K1",
            "00QL2",
            None,
            "Attended",
            True,
            "2025-01-15",
            "2025-01-10 00:00:00+00",
            TS,
            TS,
            L1,
            "m1",
        ),
        (
            "00vM2",
            True,
            "701K1",
            None,
            "003C1",
            "Sent",
            False,
            None,
            "2025-01-10 00:00:00+00",
            TS,
            TS,
            L1,
            "m2",
        ),
    ],
}

# (id, account, name, type, stage, amount, currency, close_date, is_closed, is_won, created)
OPPS = [
    (
        "006O1",
        "001A1",
        "Acme new",
        "New Business",
        "Closed Won",
        10000,
        "USD",
        "2025-03-15",
        True,
        True,
        "2025-01-10 09:00:00+00",
    ),
    (
        "006O2",
        "001A2",
        "Beta new",
        "New Business",
        "Closed Lost",
        20000,
        "USD",
        "2025-05-10",
        True,
        False,
        "2025-02-01 09:00:00+00",
    ),
    (
        "006O3",
        "001A2",
        "Beta more",
        "Existing Business - Expansion",
        "Closed Lost",
        30000,
        "USD",
        "2025-06-01",
        True,
        False,
        "2025-02-15 09:00:00+00",
    ),
    (
        "006O4",
        "001A1",
        "Acme EU",
        "Existing Business - Expansion",
        "Closed Lost",
        40000,
        "EUR",
        "2025-08-01",
        True,
        False,
        "2025-04-01 09:00:00+00",
    ),
    (
        "006O5",
        "001A4",
        "Acme dup",
        "Renewal",
        "Closed Lost",
        5000,
        "USD",
        "2025-09-01",
        True,
        False,
        "2025-07-01 09:00:00+00",
    ),
    (
        "006O6",
        "001A1",
        "Acme open",
        "Existing Business - Downgrade",
        "Needs Analysis",
        1000,
        "EUR",
        "2025-12-15",
        False,
        False,
        "2025-10-02 08:00:00+00",
    ),
    (
        "006O7",
        "001A2",
        "Beta CHF",
        "Weird Type",
        "Prospecting",
        500,
        "CHF",
        "2025-12-31",
        False,
        False,
        "2025-10-03 08:00:00+00",
    ),
    (
        "006O8",
        "001A1",
        "Deleted",
        "New Business",
        "Needs Analysis",
        99999,
        "USD",
        "2025-12-31",
        False,
        False,
        "2025-06-01 08:00:00+00",
    ),
    (
        "006O9",
        "001A1",
        "Acme first",
        "New Business",
        "Closed Won",
        7000,
        "USD",
        "2024-09-20",
        True,
        True,
        "2024-08-01 09:00:00+00",
    ),
]

# (opportunity, stage, created)
HISTORY = [
    ("006O1", "Prospecting", "2025-01-10 09:00:00+00"),
    ("006O1", "Needs Analysis", "2025-02-01 10:00:00+00"),
    ("006O1", "Proposal/Price Quote", "2025-03-01 10:00:00+00"),
    ("006O1", "Closed Won", "2025-03-15 10:00:00+00"),
    ("006O2", "Prospecting", "2025-02-01 09:00:00+00"),
    ("006O2", "Needs Analysis", "2025-03-20 10:00:00+00"),
    ("006O2", "Closed Lost", "2025-05-10 10:00:00+00"),
    ("006O3", "Prospecting", "2025-02-15 09:00:00+00"),
    ("006O3", "Needs Analysis", "2025-03-31 22:00:00-04"),  # = 2025-04-01 02:00 UTC: Q2, not Q1
    ("006O3", "Closed Lost", "2025-06-01 10:00:00+00"),
    ("006O4", "Prospecting", "2025-04-01 09:00:00+00"),
    ("006O4", "Needs Analysis", "2025-05-05 10:00:00+00"),
    ("006O4", "Proposal/Price Quote", "2025-06-10 10:00:00+00"),
    ("006O4", "Closed Lost", "2025-08-01 10:00:00+00"),
    ("006O5", "Prospecting", "2025-07-01 09:00:00+00"),
    ("006O5", "Closed Lost", "2025-09-01 10:00:00+00"),
    ("006O6", "Prospecting", "2025-10-02 08:00:00+00"),
    ("006O6", "Prospecting", "2025-10-03 08:00:00+00"),  # amount change, same stage: not an entry
    ("006O6", "Needs Analysis", "2025-10-05 08:00:00+00"),
    ("006O7", "Prospecting", "2025-10-03 08:00:00+00"),
    ("006O8", "Prospecting", "2025-06-01 08:00:00+00"),
    ("006O8", "Needs Analysis", "2025-06-02 08:00:00+00"),
    ("006O9", "Prospecting", "2024-08-01 09:00:00+00"),
    ("006O9", "Closed Won", "2024-09-20 10:00:00+00"),
]

# fmt: on


def _opportunity_rows() -> list[tuple]:
    rows = []
    for oid, acc, name, typ, stage, amount, cur, close, closed, won, created in OPPS:
        rows.append(
            (
                oid,
                oid == "006O8",
                acc,
                name,
                typ,
                stage,
                amount,
                cur,
                None,
                close,
                closed,
                won,
                None,
                "Web",
                "701K1" if oid == "006O1" else None,
                "005U1",
                12.0,
                None,
                created,
                TS,
                TS,
                L2,
                "o" + oid,
            )
        )
    # an older version of 006O2, still open: dedupe must keep the newer closed one
    rows.append(
        (
            "006O2",
            False,
            "001A2",
            "Beta new",
            "New Business",
            "Negotiation/Review",
            25000,
            "USD",
            None,
            "2025-04-30",
            False,
            False,
            None,
            "Web",
            None,
            "005U1",
            12.0,
            None,
            "2025-02-01 09:00:00+00",
            "2025-04-01 00:00:00+00",
            "2025-04-01 00:00:00+00",
            L1,
            "oldO2",
        )
    )
    return rows


def _history_rows() -> list[tuple]:
    return [
        (f"008H{i:02d}", False, opp, stage, None, None, None, None, "005U1", created, created, L1, f"h{i}")
        for i, (opp, stage, created) in enumerate(HISTORY, start=1)
    ]


CONTACT_ROLES = [
    ("00KR1", False, "006O1", "003C1", "Decision Maker", True, "2025-01-11 00:00:00+00", TS, TS, L1, "r1"),
    ("00KR2", False, "006O2", "003C2", "Champion", True, "2025-02-02 00:00:00+00", TS, TS, L1, "r2"),
    ("00KR3", True, "006O4", "003C1", "Influencer", False, "2025-04-02 00:00:00+00", TS, TS, L1, "r3"),
]


def build_raw_warehouse(path: Path) -> Path:
    """Create ``raw_salesforce`` in a new DuckDB file at ``path`` and return the path."""
    rows = dict(ROWS)
    rows["opportunity"] = _opportunity_rows()
    rows["opportunity_history"] = _history_rows()
    rows["opportunity_contact_role"] = CONTACT_ROLES
    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema raw_salesforce")
        for table, columns in DDL.items():
            con.execute(f'create table raw_salesforce."{table}" ({columns}, {DLT})')
            data = rows.get(table, [])
            if data:
                marks = ", ".join("?" * len(data[0]))
                con.executemany(f'insert into raw_salesforce."{table}" values ({marks})', data)
    finally:
        con.close()
    return path


def build_raw_postgres(dsn: str) -> None:
    """Create the same ``raw_salesforce`` schema and rows in a PostgreSQL database (dropping it first)."""
    import re

    import psycopg2

    rows = dict(ROWS)
    rows["opportunity"] = _opportunity_rows()
    rows["opportunity_history"] = _history_rows()
    rows["opportunity_contact_role"] = CONTACT_ROLES
    con = psycopg2.connect(dsn)
    try:
        with con, con.cursor() as cur:
            cur.execute("drop schema if exists raw_salesforce cascade")
            cur.execute("create schema raw_salesforce")
            for table, columns in DDL.items():
                pg_columns = re.sub(r"\bdouble\b", "double precision", columns)
                cur.execute(f'create table raw_salesforce."{table}" ({pg_columns}, {DLT})')
                data = rows.get(table, [])
                if data:
                    marks = ", ".join(["%s"] * len(data[0]))
                    cur.executemany(f'insert into raw_salesforce."{table}" values ({marks})', data)
    finally:
        con.close()
