"""Names, required columns and defaults of the file sources (ad spend, product events)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXCHANGE_RATES_SEED = REPO_ROOT / "dbt_project" / "seeds" / "exchange_rates.csv"

AD_SPEND_PIPELINE = "onefunnel_ad_spend"
AD_SPEND_DATASET = "raw_ad_spend"
AD_SPEND_TABLE = "daily_spend"
AD_SPEND_QUARANTINE_TABLE = "spend_quarantine"
AD_SPEND_FILE_GLOB = "**/*.csv"
# Every spend file must carry these columns (after header normalisation and aliases); extra columns load
# as new columns (schema drift), a missing one fails the run naming the file.
AD_SPEND_REQUIRED = ("date", "platform", "channel", "cost", "currency", "clicks", "impressions")
# ... and at least one of these to name the campaign.
AD_SPEND_CAMPAIGN_COLUMNS = ("campaign_id", "campaign_name")
AD_SPEND_ALIASES = {"campaign": "campaign_name", "day": "date", "spend": "cost", "currency_code": "currency"}

PRODUCT_PIPELINE = "onefunnel_product_events"
PRODUCT_DATASET = "raw_product_events"
PRODUCT_TABLE = "events"
PRODUCT_QUARANTINE_TABLE = "event_quarantine"
# history backfills run under their own pipelines: the nightly cursors never move
AD_SPEND_BACKFILL_PIPELINE = "onefunnel_ad_spend_backfill"
PRODUCT_BACKFILL_PIPELINE = "onefunnel_product_events_backfill"
# the database table read when SOURCES__PRODUCT_EVENTS__TABLE_URL is set (``schema.table`` or ``table``)
PRODUCT_SOURCE_TABLE = "product_events"
# rows per query batch when reading the events table
PRODUCT_TABLE_CHUNK_SIZE = 50_000
PRODUCT_FILE_GLOB = "**/*.jsonl"
# Track-event fields (Segment-style camelCase names are accepted as aliases).
PRODUCT_ALIASES = {
    "messageId": "event_id",
    "id": "event_id",
    "userId": "user_id",
    "groupId": "account_id",
    "event": "event_name",
    "message_id": "event_id",
    "group_id": "account_id",
}
# Files are listed in pages; every page holds at most this many files (a run reads all new files at once).
FILES_PER_PAGE = 100_000
