"""dlt source for Salesforce over the REST API: one merge resource per sObject, incremental on SystemModstamp.

Fixes what the public dlt Salesforce source gets wrong: every resource merges on ``Id``; the cursor uses
``>=`` (boundary ties are re-read and deduplicated by dlt, never skipped); objects with ``IsDeleted`` are
read through ``queryAll`` so deletes arrive as ``is_deleted = true``; column types come from describe.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.extract.resource import DltResource

from ingestion.salesforce import settings
from ingestion.salesforce.helpers import (
    SalesforceApiLimitError,
    SalesforceAuthError,
    SalesforceClient,
    SalesforceCredentials,
    SalesforceError,
    clean_record,
    column_hints,
    parse_datetime,
    soql_datetime,
)

__all__ = [
    "SalesforceApiLimitError",
    "SalesforceAuthError",
    "SalesforceClient",
    "SalesforceCredentials",
    "SalesforceError",
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


def _version(row: dict[str, Any]) -> str:
    """A row version: its Id and content (two saves in one SystemModstamp second differ)."""
    return hashlib.sha1(repr(sorted(row.items())).encode(), usedforsecurity=False).hexdigest()[:24]


def _object_resource(
    client: SalesforceClient,
    object_name: str,
    describe: dict[str, Any],
    initial_value: Any,
    window: tuple[Any, Any] | None = None,
    lookback_seconds: float = 0,
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
    # closed range: rows equal to the last cursor value are re-read. Without a look-back dlt drops the
    # ones it already saw (hashes of their primary key in the resource state) and keeps new ties. With one
    # (``lag``), dlt starts ``lookback_seconds`` before the cursor and the versions already loaded in that
    # overlap are dropped here (content hashes in the resource state); late-committed rows come through.
    cursor = dlt.sources.incremental(
        settings.CURSOR_FIELD, initial_value=initial_value, range_start="closed", lag=lookback_seconds or None
    )

    def records(modstamp: dlt.sources.incremental[Any] = cursor) -> Iterator[list[dict[str, Any]]]:
        since = modstamp.start_value if modstamp.start_value is not None else initial_value
        soql = build_soql(object_name, names, since)
        logger.info("Salesforce %s: %s", object_name, soql)
        c, state = settings.CURSOR_FIELD, dlt.current.resource_state()
        recent = state.get("recent_versions") or {}
        seen = set(recent.get("hashes", []))
        seen_until = parse_datetime(recent["until"]) if recent.get("until") else None
        tail: deque[dict[str, Any]] = deque()  # rows read within lookback_seconds of the newest
        count = 0
        for page in client.query(object_name, soql, include_deleted):
            count += len(page)
            rows = [clean_record(r, types) for r in page]
            if lookback_seconds:
                tail.extend(rows)
                while tail and (tail[-1][c] - tail[0][c]).total_seconds() > lookback_seconds:
                    tail.popleft()
                rows = [r for r in rows if seen_until is None or r[c] > seen_until or _version(r) not in seen]
            if rows:
                yield rows
        logger.info("Salesforce %s: %d rows read since %s", object_name, count, since.isoformat())
        if tail:  # the versions the next run's overlap will re-read
            until, hashes = tail[-1][c], {_version(r) for r in tail}
            if seen_until is not None and seen_until >= until:  # only late rows came: keep the old ones
                until, hashes = seen_until, hashes | seen
            if len(hashes) > settings.LOOKBACK_SEEN_MAX:
                logger.info(
                    "Salesforce %s: %d versions in the look-back: not remembered", object_name, len(hashes)
                )
                hashes = set()
            state["recent_versions"] = {"until": until.isoformat(), "hashes": sorted(hashes)}

    def window_records() -> Iterator[list[dict[str, Any]]]:
        # a backfill window [from, to): no dlt incremental, so no cursor state is read or written
        assert window is not None
        soql = build_soql(object_name, names, window[0], window[1])
        logger.info("Salesforce %s (window): %s", object_name, soql)
        for page in client.query(object_name, soql, include_deleted):
            yield [clean_record(r, types) for r in page]

    return dlt.resource(
        records if window is None else window_records,
        name=name,
        table_name=name,
        write_disposition="merge",
        primary_key=settings.PRIMARY_KEY,
        columns=column_hints(fields),
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
) -> list[DltResource]:
    """One merge resource per sObject (default: ``settings.DEFAULT_OBJECTS``), fields from describe.

    ``base_url`` is the login host (``https://login.salesforce.com``, a My Domain, or the emulator);
    data calls go to the ``instance_url`` the token endpoint returns. ``modstamp_from``/``modstamp_to``
    (ISO datetimes, both or neither) read only records with ``from <= SystemModstamp < to`` and keep no
    incremental state (backfills; run them under their own dlt pipeline name). ``lookback_seconds``
    (``SOURCES__SALESFORCE__LOOKBACK_SECONDS``, default 300) re-reads that much before the cursor so
    records committed late are not skipped.
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
                client, describe.get("name", object_name), describe, initial_value, window, lookback_seconds
            )
        )
    return resources
