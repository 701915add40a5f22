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

Cursors move only after everything they cover was read; dlt commits them with the load. On error 607
(daily quota) the source stops reading, what was read is loaded, cursors stay, and ``run_marketo`` raises
``MarketoQuotaExceeded`` after the load.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.typing import TSecretStrValue
from dlt.extract.resource import DltResource

from ingestion.marketo import settings
from ingestion.marketo.fields import (
    BadValue,
    cast,
    column_hint,
    drift,
    effective_kinds,
    iso,
    parse_datetime,
    ts,
)
from ingestion.marketo.helpers import MarketoAuthError, MarketoClient, MarketoError, MarketoQuotaExceeded
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


def _activity_rows(
    page: list[dict[str, Any]], skip: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, attrs = [], []
    for a in page:
        guid = str(a["marketoGUID"])
        if guid in skip:
            continue
        rows.append(
            {
                "marketo_guid": guid,
                "id": int(a["id"]),
                "lead_id": int(a["leadId"]),
                "activity_date": parse_datetime(a["activityDate"]),
                "activity_type_id": int(a["activityTypeId"]),
                "campaign_id": a.get("campaignId"),
                "primary_attribute_value_id": None
                if a.get("primaryAttributeValueId") is None
                else str(a["primaryAttributeValueId"]),
                "primary_attribute_value": a.get("primaryAttributeValue"),
            }
        )
        for attr in a.get("attributes") or []:
            value = attr.get("value")
            attrs.append(
                {
                    "marketo_guid": guid,
                    "name": str(attr["name"]),
                    "value": None if value is None else (value if isinstance(value, str) else _json(value)),
                }
            )
    return rows, attrs


def _in_window(
    page: list[dict[str, Any]], window: tuple[dt.datetime, dt.datetime] | None
) -> tuple[list[dict[str, Any]], bool]:
    """The page's activities dated in ``[start, end)`` of ``window`` (all of them without one), and whether
    the page reached the end: the paging token is date-based, so pages after one that passed the end hold
    later activities only and need not be read. (An empty page says nothing about its dates: paging goes on.)
    """
    if window is None:
        return page, False
    start, end = window
    kept, past_end = [], False
    for a in page:
        when = parse_datetime(a.get("activityDate"))
        if when is None:
            raise MarketoError(f"Marketo activity {a.get('marketoGUID')}: no activityDate")
        if when >= end:
            past_end = True
        elif when >= start:
            kept.append(a)
    return kept, past_end


def _json(value: Any) -> str:
    import json

    return json.dumps(value) if not isinstance(value, bool | int | float) else str(value).lower()


def lead_row(rec: dict[str, Any], kinds: dict[str, str], quarantine: list[dict[str, Any]]) -> dict[str, Any]:
    """One lead as a typed row; values that do not fit their loaded type go to ``quarantine`` (null here)."""
    row: dict[str, Any] = {"id": int(rec["id"])}
    for name, value in rec.items():
        if name == "id":
            continue
        kind = kinds.get(name, "string")
        try:
            row[snake(name)] = cast(value, kind)
        except BadValue as e:
            row[snake(name)] = None
            quarantine.append(
                {
                    "object_type": "lead",
                    "object_id": str(rec["id"]),
                    "field_name": name,
                    "value": None if value is None else str(value),
                    "loaded_type": kind,
                    "reason": str(e),
                    "detected_at": dt.datetime.now(dt.UTC),
                }
            )
    return row


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
        try:
            step = settings.ACTIVITY_TYPE_IDS_PER_CALL
            for i in range(0, len(type_ids), step):
                chunk = ",".join(str(t) for t in type_ids[i : i + step])
                token = client.paging_token(since)
                params = {"activityTypeIds": chunk, "batchSize": settings.ACTIVITY_PAGE_SIZE}
                for page in client.token_pages("/rest/v1/activities.json", "activities", token, params):
                    page, past_end = _in_window(page, window)
                    rows, attrs = _activity_rows(page, seen)
                    if past_end and not rows:
                        break
                    if not rows:
                        continue
                    for r in rows:
                        lead_ids.add(r["lead_id"])
                        if r["activity_date"] > newest:
                            newest, newest_ids = r["activity_date"], set()
                        if r["activity_date"] == newest:
                            newest_ids.add(r["marketo_guid"])
                    counts["activities"] += len(rows)
                    yield dlt.mark.with_table_name(rows, "activities")
                    if attrs:
                        yield dlt.mark.with_table_name(attrs, "activity_attributes")
                    if past_end:
                        break
                print(f"marketo: activities {counts['activities']} read (types {chunk})", flush=True)
            token = client.paging_token(since)
            for page in client.token_pages(
                "/rest/v1/activities/deletedleads.json",
                "deleted leads",
                token,
                {"batchSize": settings.ACTIVITY_PAGE_SIZE},
            ):
                page, past_end = _in_window(page, window)
                rows, _ = _activity_rows(page, seen)
                for r in rows:
                    deleted.add(r["lead_id"])
                    if r["activity_date"] > newest:
                        newest, newest_ids = r["activity_date"], set()
                    if r["activity_date"] == newest:
                        newest_ids.add(r["marketo_guid"])
                if rows:
                    counts["deleted_leads"] += len(rows)
                    yield dlt.mark.with_table_name(
                        [{**r, "deleted_at": r["activity_date"]} for r in rows], "deleted_leads"
                    )
                if past_end:
                    break
            wanted = sorted(lead_ids - deleted)
            for page in client.leads(wanted, fields):
                quarantine: list[dict[str, Any]] = []
                rows = [lead_row(rec, kinds, quarantine) for rec in page]
                if rows:
                    counts["leads"] += len(rows)
                    yield dlt.mark.with_table_name(rows, "leads")
                if quarantine:
                    yield dlt.mark.with_table_name(quarantine, QUARANTINE_TABLE)
        except MarketoQuotaExceeded as e:
            logger.error("%s", e)
            print(f"marketo: {e}", flush=True)
            state[QUOTA_STATE_KEY] = {"endpoint": e.endpoint, "message": str(e)}
            return  # what was read loads; the cursor stays where it was
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
    resource = dlt.resource(items, name="leads")
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
