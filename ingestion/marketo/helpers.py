"""HTTP, authentication, error codes and paging for the Marketo source (plain ``requests``).

Credentials travel in the POST body of the identity call and the access token in the ``Authorization``
header (Adobe retired the ``access_token`` query parameter), so no secret is ever part of a URL, a log
line or an error message.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import requests

from ingestion.marketo import settings

logger = logging.getLogger(__name__)


class MarketoError(Exception):
    """A Marketo call failed; the message names the endpoint and Marketo's error code (never a secret)."""

    def __init__(self, message: str, *, endpoint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.endpoint, self.code = endpoint, code


class MarketoAuthError(MarketoError):
    """The client id/secret are missing or refused, or a fresh token is refused again."""


class MarketoQuotaExceeded(MarketoError):
    """Error 607: the subscription's daily API quota is used up (it resets at 00:00 US Central)."""


def quota_message(endpoint: str) -> str:
    return (
        f"Marketo daily API quota exhausted (error 607 on {endpoint}): what was read so far is loaded and "
        "the cursors stay before what was not read; rerun tomorrow, after the quota resets (00:00 US Central)"
    )


class MarketoClient:
    """Marketo REST calls with authentication, retries and Marketo's HTTP-200 error envelope.

    Retries: HTTP 429 (Retry-After) and 5xx, connection errors and timeouts, invalid or truncated JSON
    bodies, and the transient codes of ``settings.TRANSIENT_CODES`` with exponential backoff (606, the
    20-second rate window, waits for the window). 601/602 re-authenticate and retry the call once.
    607 raises ``MarketoQuotaExceeded``; any other code raises ``MarketoError`` naming endpoint and code.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        max_attempts: int | None = None,
        timeout: float | None = None,
    ) -> None:
        if not base_url or not client_id or not client_secret:
            raise MarketoAuthError(
                "Marketo needs base_url, client_id and client_secret (SOURCES__MARKETO__BASE_URL, "
                "SOURCES__MARKETO__CREDENTIALS__CLIENT_ID / __CLIENT_SECRET or .dlt/secrets.toml)"
            )
        self.base_url = base_url.rstrip("/")
        self._client_id, self._client_secret = client_id, client_secret
        self.max_attempts = max_attempts or settings.MAX_ATTEMPTS
        self.timeout = timeout or settings.REQUEST_TIMEOUT_SECONDS
        self.session = requests.Session()
        self._token: str | None = None
        self._auth_lock = threading.Lock()  # worker threads share the client: one authenticates at a time
        self._token_expires = 0.0
        self.requests_made = 0

    def __repr__(self) -> str:  # never show the credentials
        return f"MarketoClient({self.base_url!r})"

    # low level ---------------------------------------------------------------------------------
    def _backoff(self, attempt: int, resp: requests.Response | None = None) -> float:
        retry_after = resp.headers.get("Retry-After") if resp is not None else None
        if retry_after:
            try:
                return min(float(retry_after), settings.BACKOFF_MAX_SECONDS)
            except ValueError:
                pass
        delay = min(settings.BACKOFF_BASE_SECONDS * 2**attempt, settings.BACKOFF_MAX_SECONDS)
        return delay + random.uniform(0, delay / 4)

    def _send(
        self, method: str, path: str, what: str, **kw: Any
    ) -> tuple[Any, str, requests.Response | None]:
        """One HTTP exchange; returns (parsed JSON, '', response) or (None, problem, response or None)."""
        url = f"{self.base_url}{path}"
        try:
            resp = self.session.request(method, url, timeout=self.timeout, **kw)
        except (requests.ConnectionError, requests.Timeout) as e:
            return None, type(e).__name__, None  # the exception text holds the URL: not logged
        self.requests_made += 1
        if resp.status_code == 429 or resp.status_code >= 500:
            return None, f"HTTP {resp.status_code}", resp
        if resp.status_code >= 400:
            detail = resp.text[:200]
            try:
                body = resp.json()
                detail = str(body.get("error_description") or body.get("error") or body)[:200]
            except (ValueError, AttributeError):
                pass
            cls = MarketoAuthError if resp.status_code in (401, 403) else MarketoError
            raise cls(f"Marketo {what} failed: HTTP {resp.status_code}: {detail}", endpoint=path)
        try:
            return orjson.loads(resp.content), "", resp
        except orjson.JSONDecodeError:
            return None, f"invalid or truncated JSON body ({len(resp.content)} bytes)", resp

    def _authenticate(self) -> None:
        what = "authentication (/identity/oauth/token)"
        data = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        problem = ""
        for attempt in range(self.max_attempts):
            if attempt:
                time.sleep(self._backoff(attempt))
            body, problem, _ = self._send("POST", "/identity/oauth/token", what, data=data)
            if body is None:
                logger.warning("Marketo %s: %s, retrying", what, problem)
                continue
            token = body.get("access_token") if isinstance(body, dict) else None
            if not token:
                raise MarketoAuthError(f"Marketo {what} returned no access_token")
            self._token = str(token)
            self._token_expires = time.monotonic() + float(body.get("expires_in") or 3600)
            return
        raise MarketoError(f"Marketo {what} failed after {self.max_attempts} attempts: {problem}")

    def _headers(self) -> dict[str, str]:
        with self._auth_lock:
            if (
                self._token is None
                or time.monotonic() > self._token_expires - settings.TOKEN_REFRESH_MARGIN_SECONDS
            ):
                self._authenticate()
            return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def _drop_token(self, headers: dict[str, str]) -> None:
        """Forget the token ``headers`` carried (refused), unless another thread already replaced it."""
        with self._auth_lock:
            if headers["Authorization"] == f"Bearer {self._token}":
                self._token = None

    def get(self, path: str, what: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET one Marketo call and return its successful envelope (``success: true``)."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        method, kw = "GET", {"params": params}
        query_length = len(path) + sum(len(str(k)) + len(str(v)) + 2 for k, v in params.items())
        if query_length > settings.MAX_URL_LENGTH:  # 414 otherwise: Marketo's documented POST override
            method, kw = "POST", {"params": {"_method": "GET"}, "data": params}
        reauthed, problem = False, ""
        attempt = 0
        while attempt < self.max_attempts:
            headers = self._headers()
            body, problem, resp = self._send(method, path, what, headers=headers, **kw)
            if body is None:
                delay = self._backoff(attempt, resp)
                logger.warning("Marketo %s: %s, retrying in %.1fs", what, problem, delay)
                time.sleep(delay)
                attempt += 1
                continue
            if not isinstance(body, dict):
                raise MarketoError(f"Marketo {what}: unexpected response (not a JSON object)", endpoint=path)
            if body.get("success", False) is True:
                return body
            errors = body.get("errors") or [{"code": "?", "message": "success:false without errors"}]
            code, message = str(errors[0].get("code")), str(errors[0].get("message"))[:300]
            if code in settings.REAUTH_CODES and not reauthed:
                logger.info("Marketo %s: %s %s, re-authenticating", what, code, message)
                self._drop_token(headers)
                reauthed = True
                continue
            if code == settings.QUOTA_CODE:
                raise MarketoQuotaExceeded(quota_message(path), endpoint=path, code=code)
            if code in settings.TRANSIENT_CODES:
                delay = settings.RATE_LIMIT_WAIT_SECONDS if code == "606" else self._backoff(attempt)
                delay = min(delay, settings.BACKOFF_MAX_SECONDS)
                problem = f"error {code} {message}"
                logger.warning("Marketo %s: %s, retrying in %.1fs", what, problem, delay)
                time.sleep(delay)
                attempt += 1
                continue
            cls = MarketoAuthError if code in settings.REAUTH_CODES else MarketoError
            raise cls(f"Marketo {what} failed: error {code}: {message}", endpoint=path, code=code)
        raise MarketoError(
            f"Marketo {what} failed after {self.max_attempts} attempts: {problem}", endpoint=path
        )

    # endpoints ---------------------------------------------------------------------------------
    def paging_token(self, since: str) -> str:
        body = self.get("/rest/v1/activities/pagingtoken.json", "paging token", {"sinceDatetime": since})
        token = body.get("nextPageToken")
        if not token:
            raise MarketoError("Marketo paging token: response has no nextPageToken")
        return str(token)

    def token_pages(
        self, path: str, what: str, token: str, params: dict[str, Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of a paging-token endpoint, following ``nextPageToken`` while ``moreResult`` is true.

        A page may have no ``result`` while ``moreResult`` is true (each call scans a fixed number of
        activities): paging goes on. A token that repeats would loop forever: refused.
        """
        seen: set[str] = set()
        while True:
            body = self.get(path, what, {**(params or {}), "nextPageToken": token})
            yield list(body.get("result") or [])
            nxt = body.get("nextPageToken")
            if not body.get("moreResult"):
                return
            if not nxt or nxt in seen or nxt == token:
                raise MarketoError(
                    f"Marketo {what}: moreResult without a new nextPageToken; refusing to loop"
                )
            seen.add(token)
            token = str(nxt)

    def smart_campaigns(self) -> Iterator[list[dict[str, Any]]]:
        """Smart campaigns (with their ``programId``), ``batchSize``/``nextPageToken`` paging."""
        params: dict[str, Any] = {"batchSize": settings.ACTIVITY_PAGE_SIZE}
        seen: set[str] = set()
        while True:
            body = self.get("/rest/v1/campaigns.json", "smart campaigns", params)
            yield list(body.get("result") or [])
            nxt = body.get("nextPageToken")
            if not body.get("moreResult") or not nxt:
                return
            if nxt in seen:
                raise MarketoError("Marketo smart campaigns: nextPageToken repeated; refusing to loop")
            seen.add(nxt)
            params["nextPageToken"] = nxt

    def leads(self, ids: list[int], fields: list[str]) -> Iterator[list[dict[str, Any]]]:
        """Leads by id, ``settings.LEAD_BATCH_SIZE`` ids per call (ids the instance no longer has are absent)."""
        size = settings.LEAD_BATCH_SIZE
        for i in range(0, len(ids), size):
            params = {
                "filterType": "id",
                "filterValues": ",".join(str(x) for x in ids[i : i + size]),
                "fields": ",".join(fields),
                "batchSize": size,
            }
            body = self.get("/rest/v1/leads.json", "leads", params)
            yield list(body.get("result") or [])

    def programs(self) -> Iterator[list[dict[str, Any]]]:
        """Every program, ``offset``/``maxReturn`` paging; Marketo ends with a warning and no result."""
        size, offset = settings.PROGRAM_PAGE_SIZE, 0
        while True:
            body = self.get("/rest/asset/v1/programs.json", "programs", {"offset": offset, "maxReturn": size})
            page = list(body.get("result") or [])
            if not page:
                return
            yield page
            if len(page) < size:
                return
            offset += size
