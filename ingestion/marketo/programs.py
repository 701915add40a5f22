"""Marketo programs (asset API), their period costs and tags, and smart campaigns: read whole each run.

``/rest/asset/v1/programs.json`` (offset/maxReturn) lists every program (a few hundred at most) with its
period ``costs`` and ``tags``; a program no longer listed gets a ``deleted_programs`` row.
``/rest/v1/campaigns.json`` lists the smart campaigns an activity's ``campaignId`` names. Neither API
filters by date, so a history backfill reads them whole too (merged on id: rereading adds nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.marketo.fields import cast, parse_datetime, ts
from ingestion.marketo.helpers import MarketoClient, MarketoQuotaExceeded
from ingestion.marketo.settings import QUOTA_STATE_KEY

logger = logging.getLogger(__name__)


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
