"""dlt source for HubSpot (private-app token): CRM objects, history, associations, marketing; dataset ``raw_hubspot``.

Fixes what the public dlt HubSpot source misses (api-shapes.md 2.1): CRM objects are incremental through
the search API, windowed on last-modified so no window passes the 10,000-result cap; archived records
arrive as ``is_deleted = true``; values are typed from ``/crm/v3/properties`` (never left as strings) and a
property whose type changes is never coerced; associations keep their type and label and are read from
both sides; 429 honours Retry-After and the secondly rate-limit header throttles.
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue
from dlt.extract.resource import DltResource

from ingestion.hubspot import settings
from ingestion.hubspot.crm import crm_resource
from ingestion.hubspot.helpers import HubSpotAuthError, HubSpotClient, HubSpotError, HubSpotSchemaError
from ingestion.hubspot.marketing import (
    campaign_spend_items,
    campaigns,
    email_events,
    form_submissions,
    forms,
    owners,
    pipelines,
)
from ingestion.hubspot.properties import parse_datetime, type_key

__all__ = [
    "HubSpotAuthError",
    "HubSpotClient",
    "HubSpotCredentials",
    "HubSpotError",
    "HubSpotSchemaError",
    "hubspot_source",
]

MARKETING_RESOURCES = ("campaigns", "campaign_spend_items", "forms", "form_submissions", "email_events")


@configspec
class HubSpotCredentials(CredentialsConfiguration):
    """A private-app access token (``SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN``)."""

    access_token: TSecretStrValue | None = None


@dlt.source(name="hubspot", max_table_nesting=0)
def hubspot_source(
    base_url: str = settings.DEFAULT_BASE_URL,
    credentials: HubSpotCredentials = dlt.secrets.value,
    objects: list[str] | None = None,
    include_marketing: bool = True,
    initial_modified: str = settings.DEFAULT_INITIAL_MODIFIED,
    search_cap: int = settings.SEARCH_RESULT_CAP,
    search_page_limit: int = settings.SEARCH_PAGE_LIMIT,
    lookback_seconds: float = settings.DEFAULT_LOOKBACK_SECONDS,
    modified_from: str | None = None,
    modified_to: str | None = None,
    parallel: bool = True,
) -> list[DltResource]:
    """contacts, companies, deals (+ history, associations, quarantine), owners, pipelines, marketing.

    ``lookback_seconds`` (``SOURCES__HUBSPOT__LOOKBACK_SECONDS``, default 600): each incremental CRM search
    starts that long before the cursor, so records the search index showed late are still read.

    ``modified_from``/``modified_to`` (ISO datetimes, both or neither) make a backfill window: CRM records
    with ``from <= last-modified < to`` (``lastmodifieddate`` for contacts, ``hs_lastmodifieddate`` for
    companies and deals) and those archived in the window, form submissions submitted and email events
    created in it; owners, pipelines, campaigns and forms have no date filter in their APIs and are read
    whole (they replace their tables; campaign spend items are read whole and merged). A window keeps no
    cursor: run it under its own dlt pipeline name.

    CRM pages are yielded as Arrow tables (loaded without per-row normalising); ``parallel``
    (``SOURCES__HUBSPOT__PARALLEL``, default true) reads contacts, companies and deals in parallel threads.
    """
    client = HubSpotClient(base_url, str(credentials.access_token or ""))
    initial_ms = int(parse_datetime(initial_modified).timestamp() * 1000)  # type: ignore[union-attr]
    window = _window(modified_from, modified_to)
    if lookback_seconds < 0:
        raise ValueError(f"lookback_seconds must be >= 0, got {lookback_seconds}")
    stored_types: dict[str, dict[str, str]] = dlt.current.source_state().get("property_types", {})
    resources: list[DltResource] = []
    for obj in objects or settings.CRM_OBJECTS:
        definitions = client.request("GET", f"/crm/v3/properties/{obj}", f"{obj} properties")["results"]
        current = {d["name"]: type_key(d) for d in definitions}
        resources.append(
            crm_resource(
                client,
                obj,
                definitions,
                current,
                dict(stored_types.get(obj, {})),
                initial_ms,
                search_cap,
                search_page_limit,
                lookback_ms=int(lookback_seconds * 1000),
                window=window,
                parallel=parallel,
            )
        )
    resources.append(owners(client))
    resources += pipelines(client)
    if include_marketing:
        resources += [
            campaigns(client),
            campaign_spend_items(client),
            forms(client),
            form_submissions(client, window),
            email_events(client, initial_ms, window),
        ]
    return resources


def _window(modified_from: str | None, modified_to: str | None) -> tuple[int, int] | None:
    """``(from_ms, to_ms)`` of a backfill window, or None for an incremental load."""
    if (modified_from is None) != (modified_to is None):
        raise ValueError("modified_from and modified_to go together")
    if modified_from is None or modified_to is None:
        return None
    lo, hi = (int(parse_datetime(v).timestamp() * 1000) for v in (modified_from, modified_to))  # type: ignore[union-attr]
    if lo >= hi:
        raise ValueError(f"empty backfill window: modified_from {modified_from} >= modified_to {modified_to}")
    return lo, hi


def table_names(resources: Any) -> list[str]:
    """Every raw table the source writes (resources plus the side tables of the CRM resources)."""
    from ingestion.hubspot.crm import ASSOCIATIONS_TABLE, QUARANTINE_TABLE

    names = list(resources)
    extra = [t for _, t in settings.HISTORY.values()] + [ASSOCIATIONS_TABLE, QUARANTINE_TABLE]
    return names + [t for t in extra if t not in names]
