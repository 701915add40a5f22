"""dlt source for Marketo (REST, client credentials): leads, activities, deleted leads, programs and
their period costs; dataset ``raw_marketo``.

How it reads (and why):

- Activities: ``/rest/v1/activities/pagingtoken.json?sinceDatetime=<cursor>`` then
  ``/rest/v1/activities.json`` with at most 10 ``activityTypeIds`` per call (every type the instance has,
  from ``/rest/v1/activities/types.json``, except Delete Lead), following ``nextPageToken`` while
  ``moreResult`` is true (pages may be empty). Merged on ``marketoGUID``; attributes go to
  ``activity_attributes`` (one row per name).
- Deleted leads: ``/rest/v1/activities/deletedleads.json`` from the same cursor.
- Leads: the REST lead API cannot list leads by ``updatedAt``, and the Bulk Extract API (asynchronous
  jobs, 2 running / 10 queued, 500 MB daily export quota, 31-day windows) is heavy machinery for a
  database this size; so leads are read by id (``filterType=id``, 300 per call) for every lead with an
  activity since the cursor. Marketo logs a New Lead activity for every new lead and a Change Data Value
  activity for every field change, so the leads read are exactly those created or changed in the window:
  an incremental ``updatedAt`` window without the bulk API. (Limit: a change Marketo does not log as an
  activity, e.g. a formula field recomputed, arrives with the lead's next activity.) Every field of ``/rest/v1/leads/describe.json``
  is requested, so a new custom field becomes a column; a field whose type changes keeps its loaded type
  and values that no longer fit go to ``field_quarantine`` (never coerced).
- Programs: ``/rest/asset/v1/programs.json`` (offset/maxReturn), all of them each run (a few hundred at
  most), with their period ``costs`` and ``tags``; a program no longer listed gets a ``deleted_programs`` row.
- History windows (``activities_from``/``activities_to``, for backfills): the paging token starts at the
  window's start and paging stops at the first page past its end (Marketo has no end parameter; the token
  is date-based); activities and deleted leads dated in ``[from, to)`` load, the leads they name are read
  by id as above (the leads created or changed in the window), and the undated rest (types, fields,
  programs with costs and tags, smart campaigns) is read whole. No cursor is read or moved.

Speed: pages are 300 records (the API's maximum for activities, deleted leads and leads by id); the
activity type chunks and the deleted leads, then the lead batches, are read ``settings.MAX_PARALLEL_CALLS``
calls at a time (Marketo allows 10 concurrent calls); every page becomes an Arrow table typed as the
row-by-row rules type it (``arrow_pages``), pages are joined into large tables and written as Parquet, so dlt
never normalises a value at a time.

Cursors move only after everything they cover was read; dlt commits them with the load. On error 607
(daily quota) the source stops reading, what was read is loaded, cursors stay, and ``run_marketo`` raises
``MarketoQuotaExceeded`` after the load.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.typing import TSecretStrValue
from dlt.extract.resource import DltResource

from ingestion.marketo import arrow_pages, settings
from ingestion.marketo.fields import column_hint, drift, effective_kinds, iso, parse_datetime, ts
from ingestion.marketo.helpers import MarketoAuthError, MarketoClient, MarketoError, MarketoQuotaExceeded
from ingestion.marketo.parallel import run_parallel
from ingestion.marketo.programs import programs, smart_campaigns
from ingestion.marketo.settings import QUOTA_STATE_KEY

__all__ = [
    "MarketoAuthError",
    "MarketoClient",
    "MarketoCredentials",
    "MarketoError",
    "MarketoQuotaExceeded",
    "QUOTA_STATE_KEY",
    "marketo_source",
    "snake",
]

logger = logging.getLogger(__name__)
_NAMING = NamingConvention()
QUARANTINE_TABLE = "field_quarantine"


def snake(name: str) -> str:
    """The warehouse column name dlt gives a Marketo field name (``sfdcContactId`` -> ``sfdc_contact_id``)."""
    return _NAMING.normalize_identifier(name)


@configspec
class MarketoCredentials(CredentialsConfiguration):
    """A LaunchPoint custom service's client id and secret (``SOURCES__MARKETO__CREDENTIALS__*``)."""

    client_id: TSecretStrValue | None = None
    client_secret: TSecretStrValue | None = None


@dlt.source(name="marketo", max_table_nesting=0)
def marketo_source(
    base_url: str = dlt.config.value,
    credentials: MarketoCredentials = dlt.secrets.value,
    initial_since: str = settings.DEFAULT_INITIAL_SINCE,
    include_programs: bool = True,
    activities_from: str | None = None,
    activities_to: str | None = None,
) -> list[DltResource]:
    """activity_types, lead_fields, leads (+ activities, activity_attributes, deleted_leads,
    field_quarantine), programs (+ program_costs, program_tags, deleted_programs).

    ``activities_from`` / ``activities_to`` (ISO 8601, both or neither): read the activity-date window
    ``[from, to)`` instead of the incremental cursor (history backfills): the activities and deleted leads
    of the window, the leads they name, everything else whole; the cursor state is neither read nor moved.
    """
    if (activities_from is None) != (activities_to is None):
        raise ValueError("Marketo activity window: give both activities_from and activities_to, or neither")
    window = None
    if activities_from is not None and activities_to is not None:
        window = (parse_datetime(activities_from), parse_datetime(activities_to))
        if window[0] is None or window[1] is None or window[0] >= window[1]:
            raise ValueError(f"Marketo activity window [{activities_from}, {activities_to}) is empty")
    client = MarketoClient(base_url, str(credentials.client_id or ""), str(credentials.client_secret or ""))
    types = client.get("/rest/v1/activities/types.json", "activity types").get("result") or []
    describe = client.get("/rest/v1/leads/describe.json", "lead fields").get("result") or []
    fields = {f["rest"]["name"]: str(f.get("dataType") or "string") for f in describe if f.get("rest")}
    if "id" not in fields:
        raise MarketoError("Marketo lead fields: describe has no 'id' field")
    stored: dict[str, str] = dict(dlt.current.source_state().get("field_types", {}))
    resources = [
        dlt.resource(
            [_type_row(t) for t in types],
            name="activity_types",
            write_disposition="replace",
            primary_key="id",
        ),
        dlt.resource(
            [
                {
                    "name": snake(f["rest"]["name"]),
                    "rest_name": f["rest"]["name"],
                    "display_name": f.get("displayName"),
                    "data_type": f.get("dataType"),
                    "length": f.get("length"),
                    "read_only": bool(f["rest"].get("readOnly")),
                }
                for f in describe
                if f.get("rest")
            ],
            name="lead_fields",
            write_disposition="replace",
            primary_key="name",
        ),
        lead_database(client, types, fields, stored, initial_since, window),
    ]
    if include_programs:
        resources += [programs(client), smart_campaigns(client)]
    return resources


def _type_row(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(t["id"]),
        "name": t.get("name"),
        "description": t.get("description"),
        "primary_attribute_name": (t.get("primaryAttribute") or {}).get("name"),
        "primary_attribute_data_type": (t.get("primaryAttribute") or {}).get("dataType"),
    }


def lead_database(
    client: MarketoClient,
    types: list[dict[str, Any]],
    current: dict[str, str],
    stored: dict[str, str],
    initial_since: str,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> DltResource:
    """Activities since the cursor (or of the activity-date ``window``), deleted leads, and the leads
    those activities name."""
    kinds = effective_kinds(stored, current)
    for name, (was, now) in drift(stored, current).items():
        logger.warning(
            "Marketo lead field %s changed type from %s to %s: still loaded as %s; values that do not "
            "fit go to %s, never coerced",
            name,
            was,
            now,
            was,
            QUARANTINE_TABLE,
        )
    type_ids = [int(t["id"]) for t in types if t.get("name") != settings.DELETE_LEAD_TYPE_NAME]
    fields = list(current)

    def activity_stream(path: str, what: str, since: str, params: dict[str, Any]) -> Iterator[Any]:
        """One paging-token sequence (a worker thread): ``(activities, attributes)`` tables per page of
        the window (all of them without one), until the last page or the first past the window's end."""
        token = client.paging_token(since)
        for page in client.token_pages(path, what, token, params):
            if not page:
                continue
            activities, attributes = arrow_pages.activity_tables(page)
            activities, attributes, past_end = arrow_pages.in_window(activities, attributes, window)
            yield activities, attributes
            if past_end:
                return

    def lead_batch(ids: list[int]) -> Iterator[Any]:
        """One ``leads.json`` call (a worker thread): the typed table and its quarantined values."""
        for page in client.leads(ids, fields):
            quarantine: list[dict[str, Any]] = []
            yield arrow_pages.lead_table(page, kinds, snake, quarantine), quarantine

    def items() -> Iterator[Any]:
        state = dlt.current.source_state()
        state.pop(QUOTA_STATE_KEY, None)
        cursor = state.get("activity_cursor") or {"since": initial_since, "seen": []}
        if window is not None:  # a backfill window: from its start, no cursor
            cursor = {"since": iso(window[0]), "seen": []}
        since, seen = str(cursor["since"]), set(cursor["seen"])
        newest = parse_datetime(since)
        newest_ids = set(seen)
        lead_ids: set[int] = set()
        deleted: set[int] = set()
        counts = {"activities": 0, "deleted_leads": 0, "leads": 0}
        step = settings.ACTIVITY_TYPE_IDS_PER_CALL
        chunks = [",".join(str(t) for t in type_ids[i : i + step]) for i in range(0, len(type_ids), step)]
        page_size = settings.ACTIVITY_PAGE_SIZE
        streams = [
            functools.partial(
                activity_stream,
                "/rest/v1/activities.json",
                "activities",
                since,
                {"activityTypeIds": chunk, "batchSize": page_size},
            )
            for chunk in chunks
        ]
        streams.append(
            functools.partial(
                activity_stream,
                "/rest/v1/activities/deletedleads.json",
                "deleted leads",
                since,
                {"batchSize": page_size},
            )
        )
        is_deleted = len(chunks)  # the index of the deleted-leads stream
        batch = arrow_pages.TableBatches(
            settings.ARROW_BATCH_ROWS
        )  # few, large items: dlt's cost is per item
        try:
            for index, (activities, attributes) in run_parallel(streams, settings.MAX_PARALLEL_CALLS):
                activities, attributes = arrow_pages.without_guids(activities, attributes, seen)
                if activities.num_rows == 0:
                    continue
                top = arrow_pages.newest(activities)
                assert top is not None
                if top[0] > newest:
                    newest, newest_ids = top[0], set(top[1])
                elif top[0] == newest:
                    newest_ids.update(top[1])
                ids = activities.column("lead_id").to_pylist()
                if index == is_deleted:
                    deleted.update(ids)
                    counts["deleted_leads"] += activities.num_rows
                    deletions = activities.append_column("deleted_at", activities.column("activity_date"))
                    yield from batch.add("deleted_leads", deletions)
                    continue
                lead_ids.update(ids)
                counts["activities"] += activities.num_rows
                yield from batch.add("activities", activities)
                yield from batch.add("activity_attributes", attributes)
            yield from batch.flush()
            print(
                f"marketo: {counts['activities']} activities ({len(chunks)} type chunks) and "
                f"{counts['deleted_leads']} deleted leads read",
                flush=True,
            )
            wanted = sorted(lead_ids - deleted)
            size = settings.LEAD_BATCH_SIZE
            batches = [
                functools.partial(lead_batch, wanted[i : i + size]) for i in range(0, len(wanted), size)
            ]
            for _, (table, quarantine) in run_parallel(batches, settings.MAX_PARALLEL_CALLS):
                counts["leads"] += table.num_rows
                yield from batch.add("leads", table)
                if quarantine:
                    yield dlt.mark.with_table_name(quarantine, QUARANTINE_TABLE)
            yield from batch.flush()
        except MarketoQuotaExceeded as e:
            logger.error("%s", e)
            print(f"marketo: {e}", flush=True)
            state[QUOTA_STATE_KEY] = {"endpoint": e.endpoint, "message": str(e)}
            yield from batch.flush()  # what was read loads; the cursor stays where it was
            return
        except arrow_pages.ActivityPageError as e:
            raise MarketoError(str(e)) from e
        print(
            f"marketo: {counts['activities']} activities, {counts['deleted_leads']} deleted leads, "
            f"{counts['leads']} leads read",
            flush=True,
        )
        # the cursor moves only here, after every page was read; dlt commits state with the load package
        if window is None:
            state["activity_cursor"] = {"since": iso(newest), "seen": sorted(newest_ids)}  # type: ignore[arg-type]
        state["field_types"] = {**current, **stored}

    lead_columns = [
        {"name": "id", "data_type": "bigint", "nullable": False},
        *(column_hint(snake(n), k) for n, k in kinds.items() if n != "id"),
    ]
    # Arrow tables: written as Parquet (dlt loads them without normalising row by row)
    resource = dlt.resource(items, name="leads", file_format="parquet")
    # side-table variants first: dlt clones a variant from the resource hints present at that moment
    resource.apply_hints(
        table_name="activities",
        write_disposition="merge",
        create_table_variant=True,
        primary_key="marketo_guid",
        columns=[
            {"name": "marketo_guid", "data_type": "text", "nullable": False},
            {"name": "activity_date", **ts()},
            {"name": "campaign_id", "data_type": "bigint"},
            {"name": "primary_attribute_value_id", "data_type": "text"},
            {"name": "primary_attribute_value", "data_type": "text"},
        ],
    )
    resource.apply_hints(
        table_name="activity_attributes",
        write_disposition="merge",
        create_table_variant=True,
        primary_key=["marketo_guid", "name"],
        merge_key="marketo_guid",
        columns=[{"name": "value", "data_type": "text"}],
    )
    resource.apply_hints(
        table_name="deleted_leads",
        write_disposition="merge",
        create_table_variant=True,
        primary_key="marketo_guid",
        columns=[
            {"name": "activity_date", **ts()},
            {"name": "deleted_at", **ts()},
            {"name": "campaign_id", "data_type": "bigint"},
            {"name": "primary_attribute_value_id", "data_type": "text"},
            {"name": "primary_attribute_value", "data_type": "text"},
        ],
    )
    resource.apply_hints(
        table_name=QUARANTINE_TABLE,
        write_disposition="merge",
        create_table_variant=True,
        primary_key=["object_type", "object_id", "field_name", "value"],
        columns=[{"name": "detected_at", **ts()}, {"name": "value", "data_type": "text"}],
    )
    resource.apply_hints(
        table_name="leads", write_disposition="merge", primary_key="id", columns=lead_columns
    )
    return resource


def table_names() -> list[str]:
    """Every raw table the source writes."""
    return [
        "activity_types",
        "lead_fields",
        "leads",
        "activities",
        "activity_attributes",
        "deleted_leads",
        QUARANTINE_TABLE,
        "programs",
        "program_costs",
        "program_tags",
        "deleted_programs",
        "smart_campaigns",
    ]
