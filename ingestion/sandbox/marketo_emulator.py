"""A Marketo REST API emulator serving a ``MarketoInstance``, with fault hooks.

Endpoints and shapes follow the Marketo REST API (experienceleague.adobe.com, Marketo Developer; see
``/work/shared/reference/api-shapes.md`` 1.3):

- ``GET|POST /identity/oauth/token`` (client_credentials; id and secret in the query or a form body)
  -> ``{access_token, token_type, expires_in, scope}``; bad credentials -> HTTP 401
  ``{"error": "unauthorized", "error_description": "Bad client credentials"}``
- ``GET /rest/v1/leads/describe.json``, ``GET /rest/v1/activities/types.json``
- ``GET /rest/v1/leads.json?filterType=id&filterValues=..(<=300)&fields=..`` (also ``POST`` with
  ``_method=GET`` and a form body, Marketo's way around the 8 KiB URL limit)
- ``GET /rest/v1/activities/pagingtoken.json?sinceDatetime=`` -> ``nextPageToken``
- ``GET /rest/v1/activities.json?nextPageToken=&activityTypeIds=(<=10)&batchSize=(<=300)``: each call
  scans ``batchSize`` activities from the token's position and returns those of the asked types, so a
  page can be empty while ``moreResult`` is true, as on a real instance
- ``GET /rest/v1/activities/deletedleads.json?nextPageToken=``
- ``GET /rest/v1/campaigns.json`` (smart campaigns with ``programId``; batchSize, nextPageToken)
- ``GET /rest/asset/v1/programs.json?offset=&maxReturn=(<=200)`` with ``costs`` and ``tags``; past the end
  ``success`` with the warning "No assets found for the given search criteria." and no ``result``.
  ``sfdcCampaignId`` is an emulator extension: the Salesforce campaign the program syncs with (set in
  Marketo's Salesforce Campaign Sync; the real asset API does not return it, so there it stays null).

Every error is HTTP 200 ``{"requestId", "success": false, "errors": [{"code", "message"}]}``: 601 unknown
token, 602 expired token (``expire_tokens``), 606 over ``rate_limit`` calls per 20 s, 607 over
``daily_quota`` calls, 609/1003/1006 bad parameters. Tests reach in through ``inject_fault``,
``expire_tokens``, ``count_requests`` and ``reset_quota``.
"""

from __future__ import annotations

import base64
import bisect
import json
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ingestion.sandbox.emulator_server import EmulatorServer
from ingestion.sandbox.marketo_shapes import MarketoInstance

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Fault", "MarketoEmulator", "error"]

DEFAULT_CLIENT_ID = "0f1e2d3c-sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret-0000"
ACTIVITY_SCAN = 300
_FAST_PATHS = frozenset({"/rest/v1/activities.json", "/rest/v1/activities/deletedleads.json"})
ERRORS = {
    "601": "Access token invalid",
    "602": "Access token expired",
    "604": "Request timed out",
    "606": "Max rate limit '100' exceeded with in '20' secs",
    "607": "Daily quota reached",
    "608": "API Temporarily Unavailable",
    "609": "Invalid JSON",
    "611": "System error",
    "615": "Concurrent access limit reached",
    "713": "Transient Error",
    "1003": "Invalid value",
    "1006": "Field not found",
}


def request_id() -> str:
    """A Marketo-style request id (``1d2c3#17a4b5c6d7e``)."""
    token = os.urandom(8).hex()
    return f"{token[:5]}#{token[5:16]}"


def error(code: str, message: str | None = None) -> dict[str, Any]:
    """Marketo's error envelope (sent with HTTP 200)."""
    return {
        "requestId": request_id(),
        "success": False,
        "errors": [{"code": str(code), "message": message or ERRORS.get(str(code), "Error")}],
    }


def ok(result: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"requestId": request_id(), "success": True}
    if result is not None:
        out["result"] = result
    out.update(extra)
    return out


@dataclass
class Fault:
    """A one-shot fault for requests whose path starts with ``path_prefix``.

    ``status`` answers with that HTTP status and ``body``; ``code`` answers HTTP 200 with that Marketo
    error code; otherwise the request is answered normally after ``action``, ``delay`` seconds and
    ``transform`` (a function of the JSON payload); ``raw`` sends those bytes (e.g. truncated JSON).
    """

    path_prefix: str
    status: int | None = None
    body: Any = None
    code: str | None = None
    headers: dict[str, str] | None = None
    skip: int = 0
    times: int = 1
    action: Callable[[], None] | None = None
    delay: float = 0.0
    transform: Callable[[Any], Any] | None = None
    raw: bytes | None = None


def encode_token(since: str, offset: int) -> str:
    """An opaque date-based paging token (Marketo's look like ``GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBO...``)."""
    return base64.b32encode(f"{since}|{offset}".encode()).decode().rstrip("=")


def decode_token(token: str) -> tuple[str, int]:
    padded = token + "=" * (-len(token) % 8)
    since, offset = base64.b32decode(padded.encode()).decode().split("|")
    return since, int(offset)


class MarketoEmulator(EmulatorServer):
    """Serve ``instance`` over HTTP from a background thread; use as a context manager."""

    _thread_name = "mkto-emulator"

    def __init__(
        self,
        instance: MarketoInstance,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_prefix: str = "",
        expires_in: int = 3599,
        daily_quota: int = 50_000,
        rate_limit: int | None = None,
    ) -> None:
        self.instance = instance
        self.client_id, self.client_secret, self.token_prefix = client_id, client_secret, token_prefix
        self.expires_in, self.daily_quota, self.rate_limit = expires_in, daily_quota, rate_limit
        self.faults: list[Fault] = []
        self.request_log: list[tuple[str, str]] = []
        self.tokens: set[str] = set()
        self.expired: set[str] = set()
        self.calls_today = 0
        self._window: deque[float] = deque()
        self._date_cache: dict[int, tuple[Any, list[str]]] = {}
        self._json_cache: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._listen(host, port, _make_handler(self))

    # test hooks --------------------------------------------------------------------------------
    def inject_fault(self, path_prefix: str, status: int | None = None, body: Any = None, **kw: Any) -> Fault:
        """Queue a fault, e.g. ``inject_fault("/rest/v1/activities.json", code="606")``."""
        fault = Fault(path_prefix, status, body, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def expire_tokens(self) -> None:
        """Every issued access token expires now (the next call with one answers 602)."""
        with self._lock:
            self.expired |= self.tokens
            self.tokens = set()

    def reset_quota(self) -> None:
        with self._lock:
            self.calls_today = 0

    def count_requests(self, path_prefix: str, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for m, p in self.request_log if p.startswith(path_prefix) and method in (None, m))

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # request handling --------------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict]:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if body and "x-www-form-urlencoded" in headers.get("content-type", ""):
            params.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
        with self._lock:
            self.request_log.append((method, path))
        if path == "/identity/oauth/token":
            return self._token(params)
        auth = headers.get("authorization", "")
        token = (
            auth.removeprefix("Bearer ").strip()
            if auth.startswith("Bearer ")
            else params.get("access_token", "")
        )
        with self._lock:
            if token in self.expired:
                return 200, error("602"), {}
            if token not in self.tokens:
                return 200, error("601"), {}
            self.calls_today += 1
            if self.calls_today > self.daily_quota:
                return 200, error("607"), {}
            if self.rate_limit is not None:
                now = time.monotonic()
                while self._window and self._window[0] < now - 20:
                    self._window.popleft()
                if len(self._window) >= self.rate_limit:
                    return 200, error("606"), {}
                self._window.append(now)
        fault = self._take_fault(path)
        if fault is not None:
            if fault.action is not None:
                fault.action()
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                return fault.status, fault.body, dict(fault.headers or {})
            if fault.code is not None:
                return 200, error(fault.code), {}
        if method == "POST" and params.get("_method") != "GET" and path.startswith("/rest/v1/leads.json"):
            return 200, error("609", "Only reads are emulated"), {}
        out = self.route(path, params)
        if fault is None and path in _FAST_PATHS and isinstance(out, dict) and out.get("success"):
            return 200, self._fast_json(out), {}
        if fault is not None and fault.transform is not None:
            out = fault.transform(out)
        if fault is not None and fault.raw is not None:
            out = fault.raw
        return 200, out, {}

    def _token(self, params: dict[str, str]) -> tuple[int, Any, dict]:
        if (
            params.get("grant_type") != "client_credentials"
            or params.get("client_id") != self.client_id
            or params.get("client_secret") != self.client_secret
        ):
            return 401, {"error": "unauthorized", "error_description": "Bad client credentials"}, {}
        token = f"{self.token_prefix}{uuid.uuid4()}:sj"
        with self._lock:
            self.tokens.add(token)
        return (
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": "api@example.com",
            },
            {},
        )

    def route(self, path: str, params: dict[str, str]) -> Any:
        inst = self.instance
        if path == "/rest/v1/leads/describe.json":
            return ok(inst.describe())
        if path == "/rest/v1/activities/types.json":
            return ok(inst.activity_types)
        if path == "/rest/v1/leads.json":
            return self._leads(params)
        if path == "/rest/v1/activities/pagingtoken.json":
            since = params.get("sinceDatetime", "")
            try:
                from ingestion.marketo.fields import iso, parse_datetime

                parsed = iso(parse_datetime(since))  # type: ignore[arg-type]
            except (ValueError, TypeError):
                return error("1003", f"Invalid value for sinceDatetime: '{since}'")
            return ok(None, nextPageToken=encode_token(parsed, 0))
        if path == "/rest/v1/activities.json":
            return self._activities(params, inst.activities, types=True)
        if path == "/rest/v1/activities/deletedleads.json":
            return self._activities(params, inst.deleted_leads, types=False)
        if path == "/rest/v1/campaigns.json":
            return self._offset_page(inst.smart_campaigns, params)
        if path == "/rest/asset/v1/programs.json":
            offset, size = int(params.get("offset") or 0), int(params.get("maxReturn") or 20)
            if size > 200:
                return error("1003", "maxReturn must be between 1 and 200")
            rows = inst.programs[offset : offset + size]
            if not rows:
                return ok(None, warnings=["No assets found for the given search criteria."])
            return ok(rows, warnings=[])
        return error(
            "1003", f"Unknown path {path}"
        )  # Marketo answers unknown REST paths with an error envelope

    def _leads(self, params: dict[str, str]) -> Any:
        inst = self.instance
        if params.get("filterType") != "id":
            return error("1003", "Invalid filterType (the emulator serves filterType=id)")
        values = [v for v in (params.get("filterValues") or "").split(",") if v]
        if not values or len(values) > 300:
            return error("1003", "filterValues must hold 1 to 300 values")
        fields = [
            f
            for f in (params.get("fields") or "id,email,firstName,lastName,updatedAt,createdAt").split(",")
            if f
        ]
        unknown = [f for f in fields if f not in inst.fields]
        if unknown:
            return error("1006", f"Field '{unknown[0]}' not found")
        with inst.lock:
            out = []
            for v in values:
                lead = inst.leads.get(int(v)) if v.isdigit() else None
                if lead is not None:
                    out.append({"id": lead["id"], **{f: lead.get(f) for f in fields if f != "id"}})
        return ok(out)

    def _activities(self, params: dict[str, str], rows: list[dict[str, Any]], types: bool) -> Any:
        token = params.get("nextPageToken")
        if not token:
            return error("1003", "nextPageToken is required")
        try:
            since, offset = decode_token(token)
        except ValueError:
            return error("1003", f"Invalid value for nextPageToken: '{token}'")
        wanted: set[int] | None = None
        if types:
            ids = [x for x in (params.get("activityTypeIds") or "").split(",") if x]
            if not ids or len(ids) > 10:
                return error("1003", "activityTypeIds must hold 1 to 10 ids")
            wanted = {int(x) for x in ids}
        size = min(int(params.get("batchSize") or ACTIVITY_SCAN), ACTIVITY_SCAN)
        with self.instance.lock:
            dates = self._dates(rows)
            start = bisect.bisect_left(dates, since) + offset
            scanned = rows[start : start + size]
            more = start + size < len(rows)
        result = [a for a in scanned if wanted is None or a["activityTypeId"] in wanted]
        out = ok(None, nextPageToken=encode_token(since, offset + len(scanned)), moreResult=more)
        if result:
            out["result"] = result
        return out

    def _fast_json(self, payload: dict[str, Any]) -> bytes:
        """The payload as JSON bytes, each activity serialised once and kept (activities never change: a
        deleted lead's activities leave the list, a new activity is a new record), so a page costs a join."""
        parts = []
        cache = self._json_cache
        for a in payload.get("result") or []:
            data = cache.get(a["marketoGUID"])
            if data is None:
                data = cache[a["marketoGUID"]] = json.dumps(a).encode()
            parts.append(data)
        head = json.dumps({k: v for k, v in payload.items() if k != "result"}).encode()
        if "result" not in payload:
            return head
        return b"".join((head[:-1], b', "result": [', b", ".join(parts), b"]}"))

    def _dates(self, rows: list[dict[str, Any]]) -> list[str]:
        """The sorted activity dates of ``rows``, cached until the list changes (pages stay O(batch))."""
        key = (id(rows), len(rows), rows[-1]["id"] if rows else None)
        cached = self._date_cache.get(id(rows))
        if cached is None or cached[0] != key:
            cached = (key, [a["activityDate"] for a in rows])
            self._date_cache[id(rows)] = cached
        return cached[1]

    def _offset_page(self, rows: list[dict[str, Any]], params: dict[str, str]) -> Any:
        size = min(int(params.get("batchSize") or 300), 300)
        offset = decode_token(params["nextPageToken"])[1] if params.get("nextPageToken") else 0
        page = rows[offset : offset + size]
        out = ok(page)
        if offset + size < len(rows):
            out.update(nextPageToken=encode_token("", offset + size), moreResult=True)
        else:
            out["moreResult"] = False
        return out


def _make_handler(emulator: MarketoEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """HTTP/1.1 with keep-alive. Headers are read into a plain dict and a response goes out as one
        write: ``http.server``'s e-mail header parser and line-by-line response writing cost more than the
        emulator's own work per call (the emulator must not be what limits a load)."""

        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def parse_request(self) -> bool:
            line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
            parts = line.split()
            if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
                return super().parse_request()  # anything unusual: the standard parser and its errors
            self.requestline = line
            self.command, self.path, self.request_version = parts
            fields: dict[str, str] = {}
            while True:
                raw = self.rfile.readline(65537)
                if raw in (b"\r\n", b"\n", b""):
                    break
                if len(fields) > 100:
                    self.send_error(431, "Too many headers")
                    return False
                name, _, value = raw.decode("iso-8859-1").partition(":")
                fields[name.strip().lower()] = value.strip()
            self.fields = fields
            connection = fields.get("connection", "").lower()
            self.close_connection = connection == "close" or (
                self.request_version == "HTTP/1.0" and connection != "keep-alive"
            )
            return True

        def _serve(self) -> None:
            fields = getattr(self, "fields", None)
            if fields is None:  # parsed by the standard parser
                fields = {k.lower(): v for k, v in self.headers.items()}
            self.fields = None
            length = int(fields.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, payload, extra = emulator.handle(self.command, self.path, fields, body)
            except Exception as e:  # an emulator bug must surface as a 500, not a hung socket
                status, payload, extra = 500, {"error": f"internal error {e!r}"}, {}
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            reason = self.responses.get(status, ("",))[0]
            head = [
                f"HTTP/1.1 {status} {reason}",
                "Content-Type: application/json;charset=UTF-8",
                f"Content-Length: {len(data)}",
                *(f"{k}: {v}" for k, v in extra.items()),
            ]
            if self.close_connection:
                head.append("Connection: close")
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
            pass

    return Handler
