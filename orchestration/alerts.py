"""Failure alerts: a JSON POST to ``ONEFUNNEL_ALERT_WEBHOOK_URL`` that never raises."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

from orchestration import settings

logger = logging.getLogger(__name__)


def post_alert(payload: dict[str, Any], url: str | None = None, timeout: float | None = None) -> bool:
    """POST ``payload`` as JSON; True on a 2xx answer. Any error (or no URL) is logged, never raised."""
    url = url or settings.alert_webhook_url()
    if not url:
        logger.warning("onefunnel alert (no ONEFUNNEL_ALERT_WEBHOOK_URL set): %s", json.dumps(payload))
        return False
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "onefunnel-alerts"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout or settings.alert_timeout_seconds()) as resp:
            ok = 200 <= resp.status < 300
    except Exception as exc:  # noqa: BLE001 - an alert must never take the sensor down
        logger.error(
            "onefunnel alert to %s failed: %s; payload %s", url, exc, json.dumps(payload, default=str)
        )
        return False
    if not ok:
        logger.error("onefunnel alert to %s answered %s", url, resp.status)
    return ok
