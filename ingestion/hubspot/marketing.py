"""Reference and marketing resources: owners, deal pipelines and stages, campaigns and their spend items,
forms, submissions, email events."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.hubspot import settings
from ingestion.hubspot.helpers import HubSpotClient, HubSpotError
from ingestion.hubspot.properties import parse_datetime

CAMPAIGN_PROPERTIES = (
    "hs_name",
    "hs_start_date",
    "hs_end_date",
    "hs_campaign_status",
    "hs_audience",
    "hs_currency_code",
    "hs_budget_items_sum_amount",
)


def ts() -> dict[str, Any]:
    """A timestamp-with-time-zone column hint (a fresh dict: dlt writes into hints)."""
    return {"data_type": "timestamp", "timezone": True}


def _ms_time(value: int | str | None) -> dt.datetime | None:
    return None if value in (None, "") else dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)


def owners(client: HubSpotClient) -> DltResource:
    def rows() -> Iterator[list[dict[str, Any]]]:
        for archived in ("false", "true"):
            for page in client.pages("/crm/v3/owners", "owners", {"limit": 100, "archived": archived}):
                yield [
                    {
                        "id": str(o["id"]),
                        "email": o.get("email"),
                        "first_name": o.get("firstName"),
                        "last_name": o.get("lastName"),
                        "user_id": None if o.get("userId") is None else str(o["userId"]),
                        "created_at": parse_datetime(o.get("createdAt")),
                        "updated_at": parse_datetime(o.get("updatedAt")),
                        "archived": bool(o.get("archived")),
                    }
                    for o in page
                ]

    return dlt.resource(
        rows,
        name="owners",
        write_disposition="replace",
        primary_key="id",
        columns={"created_at": ts(), "updated_at": ts()},
    )


def pipelines(client: HubSpotClient) -> list[DltResource]:
    def fetch() -> list[dict[str, Any]]:
        return client.request("GET", "/crm/v3/pipelines/deals", "deal pipelines")["results"]

    def pipeline_rows() -> Iterator[list[dict[str, Any]]]:
        yield [
            {
                "id": p["id"],
                "label": p.get("label"),
                "display_order": p.get("displayOrder"),
                "archived": bool(p.get("archived")),
                "created_at": parse_datetime(p.get("createdAt")),
                "updated_at": parse_datetime(p.get("updatedAt")),
            }
            for p in fetch()
        ]

    def stage_rows() -> Iterator[list[dict[str, Any]]]:
        out = []
        for p in fetch():
            for s in p.get("stages") or []:
                meta = s.get("metadata") or {}
                prob = meta.get("probability")
                out.append(
                    {
                        "pipeline_id": p["id"],
                        "stage_id": s["id"],
                        "label": s.get("label"),
                        "display_order": s.get("displayOrder"),
                        "archived": bool(s.get("archived")),
                        "probability": None if prob in (None, "") else float(prob),
                        "is_closed": str(meta.get("isClosed", "false")).lower() == "true",
                    }
                )
        yield out

    return [
        dlt.resource(
            pipeline_rows,
            name="deal_pipelines",
            write_disposition="replace",
            primary_key="id",
            columns={"created_at": ts(), "updated_at": ts()},
        ),
        dlt.resource(
            stage_rows,
            name="deal_pipeline_stages",
            write_disposition="replace",
            primary_key=["pipeline_id", "stage_id"],
            columns={"probability": {"data_type": "double"}},
        ),
    ]


def campaigns(client: HubSpotClient) -> DltResource:
    def rows() -> Iterator[list[dict[str, Any]]]:
        params = {"limit": 100, "properties": ",".join(CAMPAIGN_PROPERTIES)}
        for page in client.pages("/marketing/v3/campaigns", "campaigns", params):
            out = []
            for c in page:
                props = c.get("properties") or {}
                out.append(
                    {
                        "id": c["id"],
                        "name": props.get("hs_name"),
                        "start_date": dt.date.fromisoformat(props["hs_start_date"])
                        if props.get("hs_start_date")
                        else None,
                        "end_date": dt.date.fromisoformat(props["hs_end_date"])
                        if props.get("hs_end_date")
                        else None,
                        "status": props.get("hs_campaign_status"),
                        "audience": props.get("hs_audience"),
                        "currency_code": props.get("hs_currency_code"),
                        "budget_amount": props.get("hs_budget_items_sum_amount"),
                        "created_at": parse_datetime(c.get("createdAt")),
                        "updated_at": parse_datetime(c.get("updatedAt")),
                    }
                )
            yield out

    return dlt.resource(
        rows,
        name="campaigns",
        write_disposition="replace",
        primary_key="id",
        columns={
            "start_date": {"data_type": "date"},
            "end_date": {"data_type": "date"},
            "budget_amount": {"data_type": "decimal"},
            "created_at": ts(),
            "updated_at": ts(),
        },
    )


def campaign_spend_items(client: HubSpotClient) -> DltResource:
    """Spend items of every campaign, merged on (campaign_id, id).

    HubSpot lists a campaign's spend items only in ``GET /marketing/v3/campaigns/{campaignGuid}/budget/totals``
    (``spendItems`` [{id, name, amount, order, createdAt, updatedAt, description}] and the campaign's
    ``currencyCode``; no paging, no date filter), so each run pages the campaign list and reads that once
    per campaign. Spend items carry no spend date: the warehouse spreads a campaign's spend over the
    campaign's days (``int_hubspot__campaigns``, ``int_spend_daily``), like a CRM campaign's actual cost.

    Only new or changed items (``updatedAt`` differs from the last run's, kept in source state) are
    written; an item that is gone (deleted, or its campaign deleted: ``budget/totals`` answers 404) is
    written once more with ``is_deleted = true`` and ``deleted_at`` (the API keeps no trace of deleted
    items, so that row's other values are null). An amount that is not a number is kept with amount null
    and a ``quarantine_reason``, never dropped.
    """

    def rows() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.source_state()
        known: dict[str, dict[str, int | None]] = state.get("campaign_spend_items", {})
        current: dict[str, dict[str, int | None]] = {}
        params = {"limit": settings.LIST_PAGE_LIMIT, "properties": "hs_name"}
        for page in client.pages("/marketing/v3/campaigns", "campaigns", params):
            out = []
            for campaign in page:
                cid = str(campaign["id"])
                totals = _budget_totals(client, cid)
                if totals is None:
                    continue  # deleted since the list was read: its known items are marked deleted below
                items = current.setdefault(cid, {})
                for item in totals["spendItems"]:
                    row = _spend_item(cid, item, totals.get("currencyCode"))
                    updated = item.get("updatedAt")
                    items[row["id"]] = None if updated in (None, "") else int(updated)
                    if updated in (None, "") or known.get(cid, {}).get(row["id"]) != int(updated):
                        out.append(row)
            if out:
                yield out
        gone_at = dt.datetime.now(dt.UTC)
        gone = [
            {"campaign_id": cid, "id": sid, "is_deleted": True, "deleted_at": gone_at}
            for cid, ids in sorted(known.items())
            for sid in sorted(ids)
            if sid not in current.get(cid, {})
        ]
        if gone:
            yield gone
        state["campaign_spend_items"] = current

    return dlt.resource(
        rows,
        name="campaign_spend_items",
        write_disposition="merge",
        primary_key=["campaign_id", "id"],
        columns={
            "amount": {"data_type": "decimal"},
            "item_order": {"data_type": "bigint"},
            "is_deleted": {"data_type": "bool"},
            "quarantine_reason": {"data_type": "text"},
            "created_at": ts(),
            "updated_at": ts(),
            "deleted_at": ts(),
        },
    )


def _budget_totals(client: HubSpotClient, campaign_id: str) -> dict[str, Any] | None:
    """A campaign's ``budget/totals`` (shape checked), or None when the campaign no longer exists (404)."""
    what = f"campaign {campaign_id} budget totals"
    try:
        totals = client.request("GET", f"/marketing/v3/campaigns/{campaign_id}/budget/totals", what)
    except HubSpotError as e:
        if e.status == 404:
            return None
        raise
    if not isinstance(totals, dict) or not isinstance(totals.get("spendItems", []), list):
        raise HubSpotError(f"HubSpot {what}: unexpected response shape (no 'spendItems' list)")
    return {**totals, "spendItems": totals.get("spendItems") or []}


def _spend_item(campaign_id: str, item: dict[str, Any], currency: str | None) -> dict[str, Any]:
    if "id" not in item:
        raise HubSpotError(f"HubSpot campaign {campaign_id} budget totals: a spend item has no id")
    amount, reason = None, None
    raw = item.get("amount")
    try:
        if isinstance(raw, bool):
            raise ValueError
        amount = Decimal(str(raw))
        if not amount.is_finite():
            raise ValueError
    except (ValueError, ArithmeticError):
        amount, reason = None, f"amount is not a number: {raw!r}"
    return {
        "campaign_id": campaign_id,
        "id": str(item["id"]),
        "name": item.get("name"),
        "description": item.get("description"),
        "amount": amount,
        "currency_code": currency,
        "item_order": item.get("order"),
        "created_at": _ms_time(item.get("createdAt")),
        "updated_at": _ms_time(item.get("updatedAt")),
        "is_deleted": False,
        "deleted_at": None,
        "quarantine_reason": reason,
    }


def _forms(client: HubSpotClient) -> list[dict[str, Any]]:
    return [f for page in client.pages("/marketing/v3/forms", "forms", {"limit": 100}) for f in page]


def forms(client: HubSpotClient) -> DltResource:
    def rows() -> Iterator[list[dict[str, Any]]]:
        yield [
            {
                "id": f["id"],
                "name": f.get("name"),
                "form_type": f.get("formType"),
                "archived": bool(f.get("archived")),
                "created_at": parse_datetime(f.get("createdAt")),
                "updated_at": parse_datetime(f.get("updatedAt")),
            }
            for f in _forms(client)
        ]

    return dlt.resource(
        rows,
        name="forms",
        write_disposition="replace",
        primary_key="id",
        columns={"created_at": ts(), "updated_at": ts()},
    )


def form_submissions(client: HubSpotClient, window: tuple[int, int] | None = None) -> DltResource:
    """Submissions per form (``GET /form-integrations/v1/submissions/forms/{guid}``, newest first): paging
    stops at the last run's newest submission of each form. With a backfill ``window`` ``(from_ms, to_ms)``
    (the API has no date filter): submissions with ``from <= submittedAt < to``, paging stopped at the first
    one older than the window, and no cursor kept."""

    def rows() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.source_state()
        seen: dict[str, int] = {} if window else dict(state.get("form_cursors", {}))
        newest = dict(seen)
        lo, hi = window or (-1, 2**62)
        for form in _forms(client):
            fid, stop = form["id"], max(seen.get(form["id"], -1), lo - 1)
            path = f"/form-integrations/v1/submissions/forms/{fid}"
            for page in client.pages(path, "form submissions", {"limit": settings.SUBMISSIONS_PAGE_LIMIT}):
                fresh = [s for s in page if stop < int(s["submittedAt"]) < hi]
                if fresh:
                    newest[fid] = max(newest.get(fid, -1), *(int(s["submittedAt"]) for s in fresh))
                    yield [_submission(fid, s) for s in fresh]
                if any(int(s["submittedAt"]) <= stop for s in page):
                    break
        if window is None:
            state["form_cursors"] = newest

    return dlt.resource(
        rows,
        name="form_submissions",
        write_disposition="merge",
        primary_key="submission_id",
        columns={"submitted_at": ts(), "values": {"data_type": "json"}},
    )


def _submission(form_id: str, s: dict[str, Any]) -> dict[str, Any]:
    values = s.get("values") or []
    key = json.dumps([form_id, s["submittedAt"], values], sort_keys=True)
    email = next((v.get("value") for v in values if v.get("name") == "email"), None)
    # conversionId identifies a submission; older submissions may lack it: then a hash of its content
    sid = s.get("conversionId") or hashlib.sha256(key.encode()).hexdigest()[:32]
    return {
        "submission_id": str(sid),
        "form_id": form_id,
        "submitted_at": _ms_time(s["submittedAt"]),
        "page_url": s.get("pageUrl"),
        "email": email,
        "values": values,
    }


def email_events(
    client: HubSpotClient, initial_ms: int, window: tuple[int, int] | None = None
) -> DltResource:
    """Marketing email events (``GET /email/public/v1/events``, ``startTimestamp``/``offset``/``hasMore``)
    after the last run's newest ``created`` (events are immutable; merge on id). With a backfill ``window``
    ``(from_ms, to_ms)``: ``startTimestamp=from``, ``endTimestamp=to - 1`` (both inclusive), no cursor kept."""

    def rows() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.source_state()
        start = window[0] if window else int(state.get("email_events_cursor", initial_ms - 1)) + 1
        newest, offset = start - 1, None
        while True:
            params: dict[str, Any] = {"startTimestamp": start, "limit": settings.EMAIL_EVENTS_PAGE_LIMIT}
            if window:
                params["endTimestamp"] = window[1] - 1
            if offset is not None:
                params["offset"] = offset
            page = client.request("GET", "/email/public/v1/events", "email events", params=params)
            events = page.get("events") or []
            if events:
                newest = max(newest, *(int(e["created"]) for e in events))
                yield [
                    {
                        "id": e["id"],
                        "type": e.get("type"),
                        "recipient": e.get("recipient"),
                        "email_campaign_id": None
                        if e.get("emailCampaignId") is None
                        else str(e["emailCampaignId"]),
                        "created_at": _ms_time(e.get("created")),
                        "portal_id": e.get("portalId"),
                        "app_id": e.get("appId"),
                        "sent_by_id": (e.get("sentBy") or {}).get("id"),
                        "sent_by_created_at": _ms_time((e.get("sentBy") or {}).get("created")),
                    }
                    for e in events
                ]
            if not page.get("hasMore"):
                break
            offset = page.get("offset")
        if window is None:
            state["email_events_cursor"] = newest

    return dlt.resource(
        rows,
        name="email_events",
        write_disposition="merge",
        primary_key="id",
        columns={"created_at": ts(), "sent_by_created_at": ts()},
    )
