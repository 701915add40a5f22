"""A HubSpot API emulator serving a ``HubSpotPortal`` (private-app Bearer token), with fault hooks.

Endpoints and shapes follow the public HubSpot API reference (see ``/work/shared/reference/api-shapes.md``
1.1 and the real responses in ``/work/shared/reference/hubspot/``):

- ``GET /crm/v3/objects/{contacts|companies|deals}`` (limit <= 100, or 50 with ``propertiesWithHistory``;
  ``after``; ``properties``; ``archived``) and ``POST /crm/v3/objects/{obj}/batch/read``
- ``POST /crm/v3/objects/{obj}/search``: filterGroups (EQ, GT, GTE, LT, LTE, BETWEEN), sorts, limit <= 200,
  ``after``; ``total``; HTTP 400 when paging reaches the 10,000-result cap
- ``GET /crm/v3/properties/{obj}``, ``GET /crm/v3/pipelines/deals``, ``GET /crm/v3/owners``
- ``POST /crm/v4/associations/{from}/{to}/batch/read`` (``toObjectId`` is a number there)
- ``GET /marketing/v3/campaigns`` (developers.hubspot.com/docs/reference/api/marketing/campaigns),
  ``GET /marketing/v3/campaigns/{campaignGuid}/budget/totals`` (``budgetItems``, ``spendItems`` [{id, name,
  amount, order, createdAt, updatedAt, description?}], ``currencyCode``, ``budgetTotal``, ``spendTotal``,
  ``remainingBudget``; no paging) and ``GET /marketing/v3/campaigns/{campaignGuid}/spend/{spendId}``;
  404 for an unknown campaign or spend item
- ``GET /marketing/v3/forms`` and ``GET /form-integrations/v1/submissions/forms/{guid}``
  (legacy forms API: ``submittedAt`` epoch ms, ``values`` [{name, value}], ``paging.next.after``)
- ``GET /email/public/v1/events`` (email events API: ``events``, ``hasMore``, ``offset``, ``created`` epoch ms)

Every response carries ``X-HubSpot-RateLimit-*`` headers; beyond ``secondly_limit`` requests in a second the
answer is 429 like HubSpot's. Tests reach in through ``inject_fault`` and ``request_log``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from ingestion.sandbox.emulator_server import EmulatorServer
from ingestion.sandbox.hubspot_emulator_crm import CrmHandlers, error
from ingestion.sandbox.hubspot_portal import HubSpotPortal

__all__ = ["Fault", "HubSpotEmulator", "error"]

DEFAULT_TOKEN = "pat-na1-00000000-sandbox-token"


@dataclass
class Fault:
    """A one-shot fault for requests whose path starts with ``path_prefix``.

    ``status`` answers with that status and ``body``; ``status=None`` answers normally after ``action``,
    ``delay`` seconds of sleep and ``transform`` (a function of the JSON payload); ``raw`` sends those
    bytes instead of the payload (e.g. truncated JSON).
    """

    path_prefix: str
    status: int | None = None
    body: Any = None
    headers: dict[str, str] | None = None
    skip: int = 0
    times: int = 1
    action: Callable[[], None] | None = None
    delay: float = 0.0
    transform: Callable[[Any], Any] | None = None
    raw: bytes | None = None
    method: str | None = None


class HubSpotEmulator(EmulatorServer):
    """Serve ``portal`` over HTTP from a background thread; use as a context manager."""

    _thread_name = "hs-emulator"

    def __init__(
        self,
        portal: HubSpotPortal,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        search_cap: int = 10_000,
        secondly_limit: int = 100,
        daily_limit: int = 500_000,
    ) -> None:
        self.portal = portal
        self.token = token
        self.secondly_limit, self.daily_limit = secondly_limit, daily_limit
        self.crm = CrmHandlers(self, search_cap)
        self.faults: list[Fault] = []
        self.request_log: list[tuple[str, str]] = []
        self._second: tuple[int, int] = (0, 0)
        self._daily = 0
        self._lock = threading.Lock()
        self._listen(host, port, _make_handler(self))

    # test hooks --------------------------------------------------------------------------------
    def inject_fault(self, path_prefix: str, status: int | None = None, body: Any = None, **kw: Any) -> Fault:
        """Queue a fault, e.g. ``inject_fault("/crm/v3/objects/deals/search", 429, headers={"Retry-After": "0"})``."""
        fault = Fault(path_prefix, status, body, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count_requests(self, path_prefix: str, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for m, p in self.request_log if p.startswith(path_prefix) and method in (None, m))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix) and fault.method in (None, method):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # request handling --------------------------------------------------------------------------
    def _rate_headers(self) -> tuple[dict[str, str], bool]:
        with self._lock:
            second = int(time.monotonic())
            used = self._second[1] + 1 if self._second[0] == second else 1
            self._second = (second, used)
            self._daily += 1
            daily = self._daily
        remaining = max(self.secondly_limit - used, 0)
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(self.daily_limit - daily, 0)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.secondly_limit * 10),
            "X-HubSpot-RateLimit-Remaining": str(max(self.secondly_limit * 10 - used, 0)),
            "X-HubSpot-RateLimit-Secondly": str(self.secondly_limit),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(remaining),
        }, used > self.secondly_limit

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict]:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:
            self.request_log.append((method, path))
        if headers.get("authorization", "") != f"Bearer {self.token}":
            return (
                401,
                error(
                    "Authentication credentials not found. This API supports OAuth 2.0 authentication "
                    "and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "INVALID_AUTHENTICATION",
                ),
                {},
            )
        rate, throttled = self._rate_headers()
        if throttled:
            body_429 = {
                **error("You have reached your secondly limit.", "RATE_LIMITS"),
                "policyName": "SECONDLY",
            }
            return 429, body_429, {**rate, "Retry-After": "1"}
        fault = self._take_fault(method, path)
        if fault is not None:
            if fault.action is not None:
                fault.action()
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                return fault.status, fault.body, {**rate, **(fault.headers or {})}
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return 400, error("Invalid input JSON on line 1", "VALIDATION_ERROR"), rate
        status, out = self.route(method, path, params, payload)
        if fault is not None and fault.transform is not None and status == 200:
            out = fault.transform(out)
        if fault is not None and fault.raw is not None:
            out = fault.raw
        return status, out, rate

    def route(self, method: str, path: str, params: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        """Dispatch one authorised request to its handler."""
        if m := re.fullmatch(r"/crm/v3/objects/(\w+)(/search|/batch/read)?", path):
            obj, action = m[1], m[2]
            if obj not in self.portal.records:
                return 400, error(f"Unable to infer object type from: {obj}", "VALIDATION_ERROR")
            if action == "/search" and method == "POST":
                return self.crm.search(obj, body)
            if action == "/batch/read" and method == "POST":
                return self.crm.batch_read(obj, body)
            if action is None and method == "GET":
                return self.crm.list_objects(obj, params, path)
        if m := re.fullmatch(r"/crm/v3/properties/(\w+)", path):
            return self.crm.properties(m[1])
        if path == "/crm/v3/pipelines/deals":
            return 200, {"results": self.portal.pipelines}
        if path == "/crm/v3/owners":
            owners = [o for o in self.portal.owners if o["archived"] == (params.get("archived") == "true")]
            return 200, page(owners, params, path, max_limit=500, default_limit=100)
        if m := re.fullmatch(r"/crm/v4/associations/(\w+)/(\w+)/batch/read", path):
            return self.crm.associations(m[1], m[2], body)
        if path == "/marketing/v3/campaigns":
            return 200, page(self.portal.campaigns, params, path, max_limit=100, default_limit=50)
        if m := re.fullmatch(r"/marketing/v3/campaigns/([\w-]+)/budget/totals", path):
            totals = self.portal.budget_totals(m[1])
            if totals is None:
                return 404, error(f"Campaign {m[1]} not found", "OBJECT_NOT_FOUND")
            return 200, totals
        if m := re.fullmatch(r"/marketing/v3/campaigns/([\w-]+)/spend/(\d+)", path):
            totals = self.portal.budget_totals(m[1])
            item = next((i for i in (totals or {}).get("spendItems", []) if i["id"] == m[2]), None)
            if item is None:
                return 404, error(f"Spend item {m[2]} of campaign {m[1]} not found", "OBJECT_NOT_FOUND")
            return 200, item
        if path == "/marketing/v3/forms":
            return 200, page(self.portal.forms, params, path, max_limit=100, default_limit=20)
        if m := re.fullmatch(r"/form-integrations/v1/submissions/forms/([\w-]+)", path):
            subs = self.portal.submissions.get(m[1])
            if subs is None:
                return 404, error(f"Form {m[1]} not found", "OBJECT_NOT_FOUND")
            return 200, page(subs, params, path, max_limit=50, default_limit=20)
        if path == "/email/public/v1/events":
            return self.crm.email_events(params)
        return 404, error(f"Unknown path {path}", "OBJECT_NOT_FOUND")


def encode_after(offset: int) -> str:
    """An opaque cursor, like HubSpot's ``NTI1Cg%3D%3D``."""
    return base64.b64encode(f"{offset}\n".encode()).decode()


def decode_after(after: str | None) -> int:
    if not after:
        return 0
    try:
        return int(base64.b64decode(after.encode()).decode().strip())
    except ValueError as e:
        raise ValueError(f"invalid after cursor {after!r}") from e


def page(
    rows: list[Any], params: dict[str, str], path: str, max_limit: int, default_limit: int
) -> dict[str, Any]:
    """One page of a GET list: ``{results, paging?}``; the last page has no ``paging`` key."""
    limit = min(int(params.get("limit") or default_limit), max_limit)
    offset = decode_after(params.get("after"))
    out: dict[str, Any] = {"results": rows[offset : offset + limit]}
    if offset + limit < len(rows):
        after = encode_after(offset + limit)
        out["paging"] = {"next": {"after": after, "link": f"{path}?after={after}&limit={limit}"}}
    return out


def _encode(payload: Any) -> bytes:
    """A response body; orjson (a search page of 200 records in well under a millisecond), or the
    standard library for what orjson refuses (non-string keys in a test's canned body, say)."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return json.dumps(payload).encode()


def _make_handler(emulator: HubSpotEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, payload, extra = emulator.handle(self.command, self.path, headers, body)
            except Exception as e:  # an emulator bug must surface as a 500, not a hung socket
                status, payload, extra = 500, error(f"internal error {e!r}", "INTERNAL_ERROR"), {}
            data = payload if isinstance(payload, bytes) else _encode(payload)
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-HubSpot-Correlation-Id", str(uuid.uuid4()))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
            pass

    return Handler
