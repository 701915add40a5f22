"""The rule abstraction: one targeted SQL query + one Great Expectations expectation.

A :class:`Rule` is declarative and imports nothing heavy: the expectation is named by its GX class
and keyword arguments, resolved at run time (``Lookup`` runs a query, ``Param`` reads the config).
Helpers build the common shapes in a few lines:

* :func:`column_rule` - project a few columns of a table and apply any column expectation.
* :func:`flag_rule` - "records matching this SQL predicate are gaps": the worklist shape of every
  attribution-health rule (object id, owner, details, ``is_gap``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from data_quality.config import Severity

# Columns a rule's query may project to feed the worklist (all optional).
OBJECT_ID, OWNER_ID, OWNER_NAME, DETAILS = "object_id", "owner_id", "owner_name", "details"


@dataclass(frozen=True)
class Lookup:
    """An expectation argument computed in the warehouse at run time: the first column of ``sql``."""

    sql: str


@dataclass(frozen=True)
class Param:
    """An expectation argument read from the rule's settings (``thresholds.toml`` or rule defaults)."""

    name: str


@dataclass(frozen=True)
class Previous:
    """An expectation bound from this rule's history: its last observed value in ``marts.dq_results``
    times ``1 - <drop_param>`` (0 when there is no history yet: the first run passes)."""

    rule: str
    drop_param: str


@dataclass(frozen=True)
class Expect:
    """A GX 1.x expectation by class name, e.g. ``Expect("ExpectColumnValuesToNotBeNull", column="x")``.

    ``mostly`` is added from the rule's settings when the expectation supports it.
    """

    type: str
    kwargs: Mapping[str, Any]

    def __init__(self, type: str, **kwargs: Any) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "kwargs", kwargs)

    @property
    def column(self) -> str | None:
        """The column the expectation is about (for worklist details), if any."""
        return self.kwargs.get("column") or self.kwargs.get("column_A")


@dataclass(frozen=True)
class Rule:
    """One data-quality rule.

    ``sql`` runs in the warehouse and returns only what the expectation needs (one row per
    evaluated record or group). To feed the worklist, it projects ``object_id`` and optionally
    ``owner_id``, ``owner_name`` and ``details``; rows the expectation marks unexpected are the
    flagged records. ``object_type`` set means flagged records go to ``marts.dq_attribution_gaps``.
    ``worklist_sql``, when set, lists the flagged records instead (same columns, flagged rows only),
    so ``sql`` can stay a single narrow column however big the table.
    """

    name: str
    suite: str
    asset: str
    description: str
    sql: str
    expect: Expect
    severity: Severity = "error"
    mostly: float = 1.0
    object_type: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    worklist_sql: str | None = None
    family: str | None = None  # rules generated per table share one [rules.<family>] TOML table
    # Run instead of ``sql`` when ``asset`` does not exist: a raw table dlt creates only once the source
    # returned rows for it (a HubSpot portal without deals, a Marketo instance without programs) is
    # checked as an empty table, so a row-count drop to nothing still fails. None: a missing table errors.
    if_missing: str | None = None


def column_rule(
    name: str,
    suite: str,
    asset: str,
    description: str,
    expect: Expect,
    *,
    id_column: str,
    columns: Sequence[str],
    where: str | None = None,
    with_owner: bool = False,
    **options: Any,
) -> Rule:
    """A rule over ``columns`` of ``asset`` plus the id (and the owner columns when ``with_owner``:
    every evaluated row carries them, so leave it off for structural rules on big tables)."""
    owner = [OWNER_ID, OWNER_NAME] if with_owner else []
    projected = ", ".join([f"{id_column} AS {OBJECT_ID}", *owner, *[c for c in columns if c != id_column]])
    sql = f"SELECT {projected} FROM {asset}" + (f" WHERE {where}" if where else "")
    return Rule(
        name=name, suite=suite, asset=asset, description=description, sql=sql, expect=expect, **options
    )


def flag_rule(
    name: str,
    suite: str,
    asset: str,
    description: str,
    *,
    object_type: str,
    id_column: str,
    gap_when: str,
    details: str = "NULL",
    owner_id: str = OWNER_ID,
    owner_name: str = OWNER_NAME,
    from_sql: str | None = None,
    severity: Severity = "warn",
    mostly: float = 1.0,
    params: Mapping[str, Any] | None = None,
    family: str | None = None,
) -> Rule:
    """A worklist rule: every record of ``asset`` where the SQL predicate ``gap_when`` holds is a gap.

    ``from_sql`` replaces the ``FROM`` target (a join or subquery) when the rule needs more than one
    table; ``details`` is a SQL text expression shown to the owner.
    """
    source = from_sql or asset
    # GX sees one boolean per record (a few bytes a row); only flagged records travel with their
    # id, owner and details, through a second query filtered in the warehouse.
    sql = f"SELECT CASE WHEN {gap_when} THEN TRUE ELSE FALSE END AS is_gap FROM {source}"
    worklist_sql = (
        f"SELECT CAST({id_column} AS VARCHAR) AS {OBJECT_ID}, CAST({owner_id} AS VARCHAR) AS {OWNER_ID}, "
        f"CAST({owner_name} AS VARCHAR) AS {OWNER_NAME}, CAST({details} AS VARCHAR) AS {DETAILS} "
        f"FROM {source} WHERE {gap_when} ORDER BY 1"
    )
    return Rule(
        name=name,
        suite=suite,
        asset=asset,
        description=description,
        sql=sql,
        expect=Expect("ExpectColumnValuesToBeInSet", column="is_gap", value_set=[False]),
        worklist_sql=worklist_sql,
        severity=severity,
        mostly=mostly,
        object_type=object_type,
        params=params or {},
        family=family,
    )


def metric_rule(
    name: str,
    suite: str,
    asset: str,
    description: str,
    *,
    value_sql: str,
    min_value: float | Param | Previous | None = None,
    max_value: float | Param | None = None,
    severity: Severity = "warn",
    params: Mapping[str, Any] | None = None,
    family: str | None = None,
    if_missing: str | None = None,
) -> Rule:
    """An aggregate rule: ``value_sql`` computes one row with a ``value`` column in the warehouse
    (an attributed share, hours since the last load, today's / yesterday's row count) that must lie
    within ``[min_value, max_value]``; bounds may be ``Param`` names configured in the TOML."""
    return Rule(
        name=name,
        suite=suite,
        asset=asset,
        description=description,
        sql=value_sql,
        expect=Expect("ExpectColumnMinToBeBetween", column="value", min_value=min_value, max_value=max_value),
        severity=severity,
        params=params or {},
        family=family,
        if_missing=if_missing,
    )
