"""Defaults of the Marketo source: endpoints, page sizes, limits, retryable error codes and type mapping.

Sources: Marketo REST API docs (experienceleague.adobe.com, Marketo Developer: "Authentication",
"Error Codes", "Paging Tokens", "Activities", "Lead Database", "Programs") and api-shapes.md 1.3.
"""

from __future__ import annotations

DATASET_NAME = "raw_marketo"
PIPELINE_NAME = "onefunnel_marketo"
# history backfills (activity-date windows) run under their own pipeline: the nightly cursor never moves
BACKFILL_PIPELINE_NAME = "onefunnel_marketo_backfill"
# source-state key set when the daily quota (607) stopped a run: the runner raises after the load
QUOTA_STATE_KEY = "quota_exhausted"
# The first run reads activities from here (Marketo keeps 90 days of activities for most types on a
# standard subscription; older history is only what the instance still holds).
DEFAULT_INITIAL_SINCE = "2000-01-01T00:00:00Z"

# API limits
LEAD_BATCH_SIZE = 300  # filterValues per leads.json call
ACTIVITY_TYPE_IDS_PER_CALL = 10  # activityTypeIds per activities.json call
ACTIVITY_PAGE_SIZE = 300  # batchSize of activities.json / deletedleads.json
PROGRAM_PAGE_SIZE = 200  # maxReturn of programs.json
# call sequences run at once (activity type chunks, deleted leads, lead batches): Marketo allows 10
# concurrent calls per subscription (615 beyond, retried) and 100 calls per 20 s (606, waited out)
MAX_PARALLEL_CALLS = 4
# rows per Arrow table handed to dlt (pages are joined: dlt's cost is per item, not per row)
ARROW_BATCH_ROWS = 50_000
MAX_URL_LENGTH = 7_000  # Marketo answers 414 over 8 KiB: longer GETs go as POST with _method=GET

# activity types never read through activities.json: Delete Lead comes from deletedleads.json
DELETE_LEAD_TYPE_NAME = "Delete Lead"

# HTTP behaviour
REQUEST_TIMEOUT_SECONDS = 60.0
MAX_ATTEMPTS = 6  # per call, for HTTP 429/5xx, connection errors, truncated bodies, transient codes
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
RATE_LIMIT_WAIT_SECONDS = 20.0  # 606: 100 calls per 20 s window; wait for the window to roll
TOKEN_REFRESH_MARGIN_SECONDS = 60  # re-authenticate this long before expires_in runs out

# Marketo error codes (HTTP 200, success:false)
REAUTH_CODES = frozenset({"601", "602"})  # access token invalid / expired: re-authenticate, retry once
TRANSIENT_CODES = frozenset({"604", "606", "608", "611", "613", "615", "713"})
QUOTA_CODE = "607"  # daily quota reached: stop cleanly, rerun after the reset (00:00 US Central)

# Marketo lead field dataType -> dlt data type; anything else (string, email, phone, url, text,
# reference, textarea...) is text.
DLT_TYPES: dict[str, str] = {
    "integer": "bigint",
    "score": "bigint",
    "float": "double",
    "currency": "decimal",
    "percent": "double",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
}
