"""Serve a sandbox org over the Salesforce REST emulator until interrupted (CLI helper)."""

from __future__ import annotations

import threading
from typing import Any

from ingestion.sandbox.org import SalesforceOrg
from ingestion.sandbox.salesforce_emulator import SalesforceEmulator


def serve_forever(
    company_or_org: Any,
    host: str = "127.0.0.1",
    port: int = 8765,
    stop_event: threading.Event | None = None,
    **emulator_kwargs: Any,
) -> None:
    """Serve ``company.salesforce`` (or a ``SalesforceOrg``) on ``host:port`` until Ctrl-C or ``stop_event``.

    Prints the base URL and the client credentials a dlt run needs (they are sandbox-only values).
    """
    org = company_or_org if isinstance(company_or_org, SalesforceOrg) else company_or_org.salesforce
    stop = stop_event or threading.Event()
    with SalesforceEmulator(org, host=host, port=port, **emulator_kwargs) as emulator:
        print(f"Salesforce emulator listening on {emulator.base_url}", flush=True)
        print(f"  SOURCES__SALESFORCE__BASE_URL={emulator.base_url}", flush=True)
        print(f"  SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID={emulator.client_id}", flush=True)
        print("  SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET=<the emulator's client_secret>", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("stopping", flush=True)
