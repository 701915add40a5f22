"""File sources: ad-platform spend (CSV/Parquet) and product track events (JSON lines/Parquet)."""

from ingestion.files.ad_spend import ad_spend_source
from ingestion.files.product_events import product_events_source

__all__ = ["ad_spend_source", "product_events_source"]
