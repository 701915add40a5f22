"""Defaults of the Salesforce source: which objects to load and how to page and retry."""

from __future__ import annotations

# sObjects loaded by default, in load order (parents first). Each becomes one dlt resource/table.
DEFAULT_OBJECTS: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Lead",
    "Campaign",
    "CampaignMember",
    "Opportunity",
    "OpportunityContactRole",
    "OpportunityHistory",
)

DEFAULT_API_VERSION = "61.0"
DEFAULT_BATCH_SIZE = 2000  # REST query batch size, 200..2000 (Sforce-Query-Options header)
DEFAULT_INITIAL_MODSTAMP = "1970-01-01T00:00:00Z"
# Late-arriving changes: SystemModstamp is stamped when a transaction starts but visible only once it
# commits, so a long transaction can show a record stamped before the last run's cursor after that run.
# Each incremental query starts this many seconds before the cursor (config key
# ``sources.salesforce.lookback_seconds``, env ``SOURCES__SALESFORCE__LOOKBACK_SECONDS``; 0 turns it off
# and keeps only dlt's deduplication of ties at the cursor). Versions already loaded in the overlap (same Id
# and content, remembered in the resource state) are not re-extracted; anything else is merged on Id.
DEFAULT_LOOKBACK_SECONDS = 300
# at most this many versions remembered for the overlap; beyond it (a mass update in the last minutes)
# none are kept and the next run re-extracts the overlap (merge on Id keeps it exact)
LOOKBACK_SEEN_MAX = 20_000
CURSOR_FIELD = "SystemModstamp"
PRIMARY_KEY = "Id"
DATASET_NAME = "raw_salesforce"
PIPELINE_NAME = "onefunnel_salesforce"

# describe types never selected: compound fields (and the Bulk API cannot read them at all)
COMPOUND_TYPES = frozenset({"address", "location"})

# Salesforce describe type -> dlt data type; anything else is text
DLT_TYPES: dict[str, str] = {
    "currency": "decimal",
    "double": "double",
    "percent": "double",
    "int": "bigint",
    "long": "bigint",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
}

# HTTP behaviour
REQUEST_TIMEOUT_SECONDS = 120.0
MAX_ATTEMPTS = 6  # per request, for 429/5xx/connection errors
BACKOFF_BASE_SECONDS = 1.0  # exponential: base * 2**attempt + jitter, capped below
BACKOFF_MAX_SECONDS = 60.0
