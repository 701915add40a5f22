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
)
from ingestion.marketo.helpers import MarketoAuthError, MarketoClient, MarketoError, MarketoQuotaExceeded

__all__ = [
    "MarketoAuthError",
    "MarketoClient",
    "MarketoCredentials",
    "MarketoError",
    "MarketoQuotaExceeded",
    "marketo_source",
    "snake",
]

logger = logging.getLogger(__name__)
_NAMING = NamingConvention()
QUARANTINE_TABLE = "field_quarantine"
QUOTA_STATE_KEY = "quota_exhausted"


def snake(name: str) -> str:
    """The warehouse column name dlt gives a Marketo field name (``sfdcContactId`` -> ``sfdc_contact_id``)."""
    return _NAMING.normalize_identifier(name)


def ts() -> dict[str, Any]:
    return {"data_type": "timestamp", "timezone": True}


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
) -> list[DltResource]:
    """activity_types, lead_fields, leads (+ activities, activity_attributes, deleted_leads,
    field_quarantine), programs (+ program_costs, program_tags, deleted_programs)."""
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
        lead_database(client, types, fields, stored, initial_since),
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
) -> DltResource:
    """Activities since the cursor, deleted leads, and the leads those activities name."""
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
                    rows, attrs = _activity_rows(page, seen)
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
                print(f"marketo: activities {counts['activities']} read (types {chunk})", flush=True)
            token = client.paging_token(since)
            for page in client.token_pages(
                "/rest/v1/activities/deletedleads.json",
                "deleted leads",
                token,
                {"batchSize": settings.ACTIVITY_PAGE_SIZE},
            ):
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


def programs(client: MarketoClient) -> DltResource:
    """Every program (merged on id) with its period costs and tags (replaced per program)."""

    def items() -> Iterator[Any]:
        state = dlt.current.source_state()
        try:
            pages = list(client.programs())
        except MarketoQuotaExceeded as e:
            logger.error("%s", e)
            print(f"marketo: {e}", flush=True)
            state[QUOTA_STATE_KEY] = {"endpoint": e.endpoint, "message": str(e)}
            return
        known = set(state.get("program_ids", []))
        listed: set[int] = set()
        for page in pages:
            rows, costs, tags = [], [], []
            for p in page:
                pid = int(p["id"])
                listed.add(pid)
                rows.append(
                    {
                        "id": pid,
                        "name": p.get("name"),
                        "description": p.get("description"),
                        "type": p.get("type"),
                        "channel": p.get("channel"),
                        "status": p.get("status"),
                        "workspace": p.get("workspace"),
                        "url": p.get("url"),
                        "sfdc_campaign_id": p.get("sfdcCampaignId"),
                        "created_at": parse_datetime(p.get("createdAt")),
                        "updated_at": parse_datetime(p.get("updatedAt")),
                        "start_date": _date(p.get("startDate")),
                        "end_date": _date(p.get("endDate")),
                    }
                )
                for c in p.get("costs") or []:
                    costs.append(
                        {
                            "program_id": pid,
                            "start_date": _date(c.get("startDate")),
                            "cost": cast(c.get("cost"), "currency"),
                            "note": c.get("note"),
                        }
                    )
                tags += [
                    {"program_id": pid, "tag_type": t.get("tagType"), "tag_value": t.get("tagValue")}
                    for t in p.get("tags") or []
                ]
            yield rows
            if costs:
                yield dlt.mark.with_table_name(costs, "program_costs")
            if tags:
                yield dlt.mark.with_table_name(tags, "program_tags")
        gone = sorted(known - listed)
        if gone:
            now = dt.datetime.now(dt.UTC)
            yield dlt.mark.with_table_name(
                [{"program_id": pid, "detected_at": now} for pid in gone], "deleted_programs"
            )
        print(f"marketo: {len(listed)} programs read, {len(gone)} no longer listed", flush=True)
        state["program_ids"] = sorted(listed)

    resource = dlt.resource(items, name="programs")
    resource.apply_hints(
        table_name="program_costs",
        write_disposition="merge",
        create_table_variant=True,
        primary_key=["program_id", "start_date"],
        merge_key="program_id",
        columns=[
            {"name": "cost", "data_type": "decimal", "precision": 38, "scale": 9},
            {"name": "note", "data_type": "text"},
        ],
    )
    resource.apply_hints(
        table_name="program_tags",
        write_disposition="merge",
        create_table_variant=True,
        primary_key=["program_id", "tag_type"],
        merge_key="program_id",
    )
    resource.apply_hints(
        table_name="deleted_programs",
        write_disposition="merge",
        create_table_variant=True,
        primary_key="program_id",
        columns=[{"name": "detected_at", **ts()}],
    )
    resource.apply_hints(
        table_name="programs",
        write_disposition="merge",
        primary_key="id",
        columns=[
            {"name": "created_at", **ts()},
            {"name": "updated_at", **ts()},
            {"name": "start_date", "data_type": "date"},
            {"name": "end_date", "data_type": "date"},
            {"name": "sfdc_campaign_id", "data_type": "text"},
            {"name": "description", "data_type": "text"},
        ],
    )
    return resource


def smart_campaigns(client: MarketoClient) -> DltResource:
    """Smart campaigns: an activity's ``campaignId`` names one, and through it the program it ran for."""

    def items() -> Iterator[Any]:
        try:
            pages = list(client.smart_campaigns())
        except MarketoQuotaExceeded as e:  # nothing yielded: the replace keeps the loaded table
            logger.error("%s", e)
            dlt.current.source_state()[QUOTA_STATE_KEY] = {"endpoint": e.endpoint, "message": str(e)}
            return
        for page in pages:
            yield [
                {
                    "id": int(c["id"]),
                    "name": c.get("name"),
                    "type": c.get("type"),
                    "program_id": None if c.get("programId") is None else int(c["programId"]),
                    "program_name": c.get("programName"),
                    "workspace_name": c.get("workspaceName"),
                    "active": c.get("active"),
                    "created_at": parse_datetime(c.get("createdAt")),
                    "updated_at": parse_datetime(c.get("updatedAt")),
                }
                for c in page
            ]

    return dlt.resource(
        items,
        name="smart_campaigns",
        write_disposition="merge",
        primary_key="id",
        columns={"created_at": ts(), "updated_at": ts()},
    )


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return dt.date.fromisoformat(str(value)[:10])


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
