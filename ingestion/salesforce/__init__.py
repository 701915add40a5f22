"""dlt source for Salesforce over the REST API: one merge resource per sObject, incremental on SystemModstamp.

Fixes what the public dlt Salesforce source gets wrong: every resource merges on ``Id``; the cursor uses
``>=`` (boundary ties are re-read and deduplicated by dlt, never skipped); objects with ``IsDeleted`` are
read through ``queryAll`` so deletes arrive as ``is_deleted = true``; column types come from describe.

Throughput: each page (2,000 records, the API's maximum) is yielded as an Arrow table typed from describe
(``arrow_pages``), which dlt writes as Parquet without normalising row by row, and the objects are read
in parallel threads (``parallelized`` resources; the REST API serves concurrent queries).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import dlt
import numpy as np
import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.extract.resource import DltResource

from ingestion.salesforce import settings
from ingestion.salesforce.arrow_pages import PageSchema, SalesforceTypeError
from ingestion.salesforce.helpers import (
    SalesforceApiLimitError,
    SalesforceAuthError,
    SalesforceClient,
    SalesforceCredentials,
    SalesforceError,
    column_hints,
    column_key,
    parse_datetime,
    soql_datetime,
)

__all__ = [
    "SalesforceApiLimitError",
    "SalesforceAuthError",
    "SalesforceClient",
    "SalesforceCredentials",
    "SalesforceError",
    "SalesforceTypeError",
    "salesforce_source",
    "table_name",
]

logger = logging.getLogger(__name__)
_NAMING = NamingConvention()


def table_name(object_name: str) -> str:
    """dlt's default (snake_case) name of an sObject: ``OpportunityContactRole`` -> ``opportunity_contact_role``."""
    return _NAMING.normalize_table_identifier(object_name)


def build_soql(object_name: str, fields: Sequence[str], since: Any, until: Any = None) -> str:
    """The query: ``>=`` on the cursor (and ``< until`` for a window), a total order so paging is stable."""
    c = settings.CURSOR_FIELD
    upper = f" AND {c} < {soql_datetime(until)}" if until is not None else ""
    return (
        f"SELECT {', '.join(fields)} FROM {object_name} WHERE {c} >= {soql_datetime(since)}{upper} "
        f"ORDER BY {c} ASC, {settings.PRIMARY_KEY} ASC"
    )


def _versions(table: pa.Table, rows: Any) -> list[str]:
    """Row versions (Id and content: two saves in one SystemModstamp second differ) of ``rows`` of a page."""
    return [
        hashlib.sha1(repr(sorted(r.items())).encode(), usedforsecurity=False).hexdigest()[:24]
        for r in table.take(pa.array(rows, pa.int64())).to_pylist()
    ]


def _micros(value: Any) -> int:
    """A datetime as integer microseconds since the epoch (how the Arrow cursor column stores it)."""
    return int(parse_datetime(value).timestamp() * 1_000_000)


def _object_resource(
    client: SalesforceClient,
    object_name: str,
    describe: dict[str, Any],
    initial_value: Any,
    window: tuple[Any, Any] | None = None,
    lookback_seconds: float = 0,
    parallel: bool = True,
) -> DltResource:
    fields = [f for f in describe["fields"] if f["type"] not in settings.COMPOUND_TYPES]
    names = [f["name"] for f in fields]
    types = {f["name"]: f["type"] for f in fields}
    if settings.CURSOR_FIELD not in types or settings.PRIMARY_KEY not in types:
        raise SalesforceError(
            f"{object_name} has no {settings.CURSOR_FIELD} or {settings.PRIMARY_KEY} field",
            object_name=object_name,
        )
    include_deleted = "IsDeleted" in types  # queryAll: deleted rows arrive with IsDeleted = true
    name = table_name(object_name)
    pages = PageSchema(object_name, fields)
    c = settings.CURSOR_FIELD
    lookback_us = int(lookback_seconds * 1_000_000)
    # closed range: rows equal to the last cursor value are re-read. Without a look-back dlt drops the
    # ones it already saw (hashes of their primary key in the resource state) and keeps new ties. With one
    # (``lag``), dlt starts ``lookback_seconds`` before the cursor and the versions already loaded in that
    # overlap are dropped here (content hashes in the resource state); late-committed rows come through.
    cursor = dlt.sources.incremental(
        c, initial_value=initial_value, range_start="closed", lag=lookback_seconds or None
    )

    column_types = {column_key(f["name"]): settings.DLT_TYPES.get(f["type"], "text") for f in fields}

    def check_types(state: dict[str, Any]) -> None:
        """Refuse a field whose describe type changed since it was loaded (its column keeps the old type)."""
        loaded = state.get("column_types") or {}
        changed = {k: (was, column_types[k]) for k, was in loaded.items() if column_types.get(k, was) != was}
        if changed:
            what = ", ".join(f"{k} ({was} -> {now})" for k, (was, now) in sorted(changed.items()))
            raise SalesforceTypeError(
                f"Salesforce {object_name}: describe changed the type of {what}; the raw column keeps the "
                "type it was loaded with, so these values would be coerced: not loaded. Revert the field "
                f"type, or drop the column from raw_salesforce.{name} and this resource's state to reload",
                object_name=object_name,
            )

    def records(modstamp: dlt.sources.incremental[Any] = cursor) -> Iterator[pa.Table]:
        since = modstamp.start_value if modstamp.start_value is not None else initial_value
        soql = build_soql(object_name, names, since)
        logger.info("Salesforce %s: %s", object_name, soql)
        state = dlt.current.resource_state()
        check_types(state)
        recent = state.get("recent_versions") or {}
        seen = set(recent.get("hashes", []))
        seen_until = _micros(recent["until"]) if recent.get("until") else None
        tail: deque[tuple[int, str]] = deque()  # (modstamp us, version) of the rows within the look-back
        count = 0
        for table in client.query_pages(object_name, soql, include_deleted, pages.read):
            if not table.num_rows:
                continue  # an empty page (the API may send one before done): nothing to yield
            count += table.num_rows
            if lookback_us:
                stamps = table.column(c).cast(pa.int64()).to_numpy()
                newest = max(int(stamps.max()), tail[-1][0] if tail else 0)
                recent = np.flatnonzero(stamps >= newest - lookback_us)
                tail.extend(zip(stamps[recent].tolist(), _versions(table, recent), strict=True))
                while tail and tail[0][0] < newest - lookback_us:
                    tail.popleft()
                if seen_until is not None and seen:
                    overlap = np.flatnonzero(stamps <= seen_until)
                    if overlap.size:
                        keep = np.ones(table.num_rows, dtype=bool)
                        keep[
                            [i for i, v in zip(overlap, _versions(table, overlap), strict=True) if v in seen]
                        ] = False
                        table = table.filter(pa.array(keep))
            if table.num_rows:
                yield table
        logger.info("Salesforce %s: %d rows read since %s", object_name, count, since.isoformat())
        state["column_types"] = {**(state.get("column_types") or {}), **column_types}
        if tail:  # the versions the next run's overlap will re-read
            until, hashes = tail[-1][0], {v for _, v in tail}
            if seen_until is not None and seen_until >= until:  # only late rows came: keep the old ones
                until, hashes = seen_until, hashes | seen
            if len(hashes) > settings.LOOKBACK_SEEN_MAX:
                logger.info(
                    "Salesforce %s: %d versions in the look-back: not remembered", object_name, len(hashes)
                )
                hashes = set()
            until_text = dt.datetime.fromtimestamp(until / 1_000_000, dt.UTC).isoformat()
            state["recent_versions"] = {"until": until_text, "hashes": sorted(hashes)}

    def window_records() -> Iterator[pa.Table]:
        # a backfill window [from, to): no dlt incremental, so no cursor state is read or written
        assert window is not None
        soql = build_soql(object_name, names, window[0], window[1])
        logger.info("Salesforce %s (window): %s", object_name, soql)
        state = dlt.current.resource_state()
        check_types(state)
        for table in client.query_pages(object_name, soql, include_deleted, pages.read):
            if table.num_rows:
                yield table
        state["column_types"] = {**(state.get("column_types") or {}), **column_types}

    return dlt.resource(
        records if window is None else window_records,
        name=name,
        table_name=name,
        write_disposition="merge",
        primary_key=settings.PRIMARY_KEY,
        columns=column_hints(fields),
        file_format="parquet",  # Arrow tables: written as Parquet without per-row normalising
        parallelized=parallel,
    )


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce_source(
    base_url: str = dlt.config.value,
    credentials: SalesforceCredentials = dlt.secrets.value,
    api_version: str = settings.DEFAULT_API_VERSION,
    objects: list[str] | None = None,
    batch_size: int = settings.DEFAULT_BATCH_SIZE,
    initial_modstamp: str = settings.DEFAULT_INITIAL_MODSTAMP,
    modstamp_from: str | None = None,
    modstamp_to: str | None = None,
    lookback_seconds: float = settings.DEFAULT_LOOKBACK_SECONDS,
    parallel: bool = True,
) -> list[DltResource]:
    """One merge resource per sObject (default: ``settings.DEFAULT_OBJECTS``), fields from describe.

    ``base_url`` is the login host (``https://login.salesforce.com``, a My Domain, or the emulator);
    data calls go to the ``instance_url`` the token endpoint returns. ``modstamp_from``/``modstamp_to``
    (ISO datetimes, both or neither) read only records with ``from <= SystemModstamp < to`` and keep no
    incremental state (backfills; run them under their own dlt pipeline name). ``lookback_seconds``
    (``SOURCES__SALESFORCE__LOOKBACK_SECONDS``, default 300) re-reads that much before the cursor so
    records committed late are not skipped. ``parallel`` (``SOURCES__SALESFORCE__PARALLEL``) reads the
    objects in parallel threads; false reads them one after the other.
    """
    client = SalesforceClient(base_url, credentials, api_version=api_version, batch_size=batch_size)
    initial_value = parse_datetime(initial_modstamp)
    if (modstamp_from is None) != (modstamp_to is None):
        raise ValueError("modstamp_from and modstamp_to go together")
    window = (parse_datetime(modstamp_from), parse_datetime(modstamp_to)) if modstamp_from else None
    if lookback_seconds < 0:
        raise ValueError(f"lookback_seconds must be >= 0, got {lookback_seconds}")
    resources = []
    for object_name in objects or settings.DEFAULT_OBJECTS:
        describe = client.describe(object_name)
        resources.append(
            _object_resource(
                client,
                describe.get("name", object_name),
                describe,
                initial_value,
                window,
                lookback_seconds,
                parallel,
            )
        )
    return resources
