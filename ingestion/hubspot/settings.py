"""Defaults of the HubSpot source: objects, cursors, page sizes, limits, retries and type mapping."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.hubapi.com"
DATASET_NAME = "raw_hubspot"
PIPELINE_NAME = "onefunnel_hubspot"
# dlt pipeline (and so state) of backfill windows: never the nightly cursors
BACKFILL_PIPELINE_NAME = "onefunnel_hubspot_backfill"

# CRM object -> the last-modified property the search API filters on (contacts differ)
CRM_OBJECTS: dict[str, str] = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}
# property history loaded per object: object -> (property, table)
HISTORY: dict[str, tuple[str, str]] = {
    "deals": ("dealstage", "deal_stage_history"),
    "contacts": ("lifecyclestage", "lifecycle_stage_history"),
}
# v4 associations read from the side of the object that changed: object -> target objects
ASSOCIATIONS: dict[str, tuple[str, ...]] = {
    "contacts": ("deals", "companies"),
    "deals": ("companies", "contacts"),  # both sides: an association change need not touch both records
}
DEFAULT_INITIAL_MODIFIED = "1970-01-01T00:00:00Z"

# Late-arriving changes: HubSpot's search index lags writes (seconds, at busy times minutes), so a record
# modified just before the last run's cursor can become searchable only after that run. Each incremental
# search window starts this many seconds before the cursor (config key
# ``sources.hubspot.lookback_seconds``, env ``SOURCES__HUBSPOT__LOOKBACK_SECONDS``; 0 turns it off).
# Records re-read in the overlap are merged on id; versions already loaded (same id and last-modified
# millisecond, remembered in the source state) are not even re-extracted.
DEFAULT_LOOKBACK_SECONDS = 600
# at most this many (id, last-modified) versions remembered for the overlap; beyond it (a bulk update in
# the last minutes) none are kept and the next run re-extracts the overlap (merge keeps it exact)
LOOKBACK_SEEN_MAX = 20_000

# API limits (developers.hubspot.com search guide and usage guidelines)
SEARCH_PAGE_LIMIT = 200
SEARCH_RESULT_CAP = 10_000  # paging past this answers HTTP 400: windows are split below it
LIST_PAGE_LIMIT = 100
BATCH_READ_LIMIT = 50  # batch read with propertiesWithHistory
ASSOCIATION_BATCH_LIMIT = 1000
SUBMISSIONS_PAGE_LIMIT = 50
EMAIL_EVENTS_PAGE_LIMIT = 1000

# HTTP behaviour
REQUEST_TIMEOUT_SECONDS = 60.0
MAX_ATTEMPTS = 6  # per request, for 429/5xx/connection errors/truncated bodies
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
SECONDLY_REMAINING_FLOOR = 1  # sleep to the next second when X-HubSpot-RateLimit-Secondly-Remaining <= this

# HubSpot property type -> dlt data type; anything else (string, enumeration, phone_number) is text.
# number with showCurrencySymbol (amount) -> decimal, other numbers -> double.
DLT_TYPES: dict[str, str] = {
    "number": "double",
    "currency": "decimal",
    "datetime": "timestamp",
    "date": "date",
    "bool": "bool",
}
