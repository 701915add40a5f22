"""HTTP, paging and search windowing for the HubSpot source (plain ``requests``; the token never logged)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import orjson
import requests

from ingestion.hubspot import settings

logger = logging.getLogger(__name__)

CONCURRENT_REQUESTS = 4  # a page's history and association reads go out together, on this many threads
_POOL: ThreadPoolExecutor | None = None  # shared by every client of the process (threads made once)
_POOL_LOCK = threading.Lock()


class HubSpotError(Exception):
    """A HubSpot call failed; the message names the call, status and HubSpot's category (no secrets)."""

    def __init__(self, message: str, *, status: int | None = None, category: str | None = None) -> None:
        super().__init__(message)
        self.status, self.category = status, category


class HubSpotAuthError(HubSpotError):
    """The private-app token is missing, wrong or lacks a scope (401/403)."""


class HubSpotSchemaError(HubSpotError):
    """A property's type changed in a way the warehouse column cannot hold without coercion."""


def _error_text(resp: requests.Response) -> tuple[str | None, str]:
    try:
        body = resp.json()
    except ValueError:
        return None, resp.text[:300]
    if isinstance(body, dict):
        return body.get("category"), str(body.get("message", body))[:500]
    return None, str(body)[:300]


class HubSpotClient:
    """Requests with retries (429 with Retry-After, 5xx, connection errors, truncated JSON) and throttling
    on ``X-HubSpot-RateLimit-Secondly-Remaining``."""

    def __init__(
        self,
        base_url: str,
        access_token: str,
        max_attempts: int | None = None,
        backoff_base: float | None = None,
        backoff_max: float | None = None,
        timeout: float | None = None,
    ) -> None:
        """Unset limits come from ``settings`` at call time (tests shorten the backoff there)."""
        if not access_token:
            raise HubSpotAuthError(
                "HubSpot needs a private-app access token "
                "(SOURCES__HUBSPOT__CREDENTIALS__ACCESS_TOKEN or .dlt/secrets.toml)"
            )
        self.base_url = base_url.rstrip("/")
        self._token = access_token
        self.max_attempts = max_attempts or settings.MAX_ATTEMPTS
        self.backoff_base = settings.BACKOFF_BASE_SECONDS if backoff_base is None else backoff_base
        self.backoff_max = settings.BACKOFF_MAX_SECONDS if backoff_max is None else backoff_max
        self.timeout = timeout or settings.REQUEST_TIMEOUT_SECONDS
        self._local = threading.local()
        self.requests_made = 0

    @property
    def session(self) -> requests.Session:
        """This thread's HTTP session (``requests.Session`` is not meant to be shared between threads)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def concurrently(self, calls: dict[str, Callable[[], Any]]) -> dict[str, Callable[[], Any]]:
        """Start ``calls`` on a small thread pool; name -> a function that returns (or raises) its result.

        HubSpot serves concurrent requests (the secondly limit still throttles them, in ``request``).
        """
        global _POOL
        if len(calls) <= 1:
            return {name: (lambda call=call: call()) for name, call in calls.items()}
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(CONCURRENT_REQUESTS, thread_name_prefix="hubspot")
        futures: dict[str, Future[Any]] = {name: _POOL.submit(call) for name, call in calls.items()}
        return {name: future.result for name, future in futures.items()}

    def __repr__(self) -> str:  # never show the token
        return f"HubSpotClient({self.base_url!r})"

    def _wait(self, attempt: int, resp: requests.Response | None) -> float:
        retry_after = resp.headers.get("Retry-After") if resp is not None else None
        if retry_after:
            try:
                return min(float(retry_after), self.backoff_max)
            except ValueError:
                pass
        delay = min(self.backoff_base * 2**attempt, self.backoff_max)
        return delay + random.uniform(0, delay / 4)

    def _throttle(self, resp: requests.Response) -> None:
        remaining = resp.headers.get("X-HubSpot-RateLimit-Secondly-Remaining")
        if (
            remaining is not None
            and remaining.isdigit()
            and int(remaining) <= settings.SECONDLY_REMAINING_FLOOR
        ):
            time.sleep(1.0 - (time.time() % 1.0) + 0.01)

    def request(
        self,
        method: str,
        path: str,
        what: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """Send one call, retrying transient failures; returns the parsed JSON or raises ``HubSpotError``."""
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        problem, delay = "", 0.0
        for attempt in range(self.max_attempts):
            if attempt:
                time.sleep(delay)
            try:
                resp = self.session.request(
                    method, url, params=params, json=body, headers=headers, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as e:
                problem, delay = type(e).__name__, self._wait(attempt, None)
                logger.warning("HubSpot %s: %s, retrying in %.1fs", what, problem, delay)
                continue
            self.requests_made += 1
            self._throttle(resp)
            if resp.status_code == 429 or resp.status_code >= 500:
                problem, delay = f"HTTP {resp.status_code}", self._wait(attempt, resp)
                logger.warning("HubSpot %s: %s, retrying in %.1fs", what, problem, delay)
                continue
            if resp.status_code >= 400:
                category, message = _error_text(resp)
                cls = HubSpotAuthError if resp.status_code in (401, 403) else HubSpotError
                raise cls(
                    f"HubSpot {what} failed: HTTP {resp.status_code} {category}: {message}",
                    status=resp.status_code,
                    category=category,
                )
            try:
                return orjson.loads(resp.content)
            except ValueError:
                problem, delay = "invalid or truncated JSON body", self._wait(attempt, None)
                logger.warning(
                    "HubSpot %s: %s (%d bytes), retrying in %.1fs", what, problem, len(resp.text), delay
                )
        raise HubSpotError(f"HubSpot {what} failed after {self.max_attempts} attempts: {problem}")

    # paging ------------------------------------------------------------------------------------
    def pages(
        self, path: str, what: str, params: dict[str, Any] | None = None, key: str = "results"
    ) -> Iterator[list[dict[str, Any]]]:
        """GET list pages, following ``paging.next.after`` until a page has no ``paging`` key."""
        params = dict(params or {})
        seen_after: set[str] = set()
        while True:
            page = self.request("GET", path, what, params=params)
            if not isinstance(page, dict) or not isinstance(page.get(key), list):
                raise HubSpotError(f"HubSpot {what}: unexpected response shape (no '{key}' list)")
            yield page[key]
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            if after in seen_after:
                raise HubSpotError(f"HubSpot {what}: paging cursor repeated ({after}); refusing to loop")
            seen_after.add(after)
            params["after"] = after

    def search_max_modified(self, obj: str, prop: str) -> int | None:
        """The greatest last-modified time (epoch ms) the search index holds for ``obj``."""
        body = {
            "sorts": [{"propertyName": prop, "direction": "DESCENDING"}],
            "properties": [prop],
            "limit": 1,
        }
        page = self.request("POST", f"/crm/v3/objects/{obj}/search", f"{obj} search (max {prop})", body=body)
        results = page.get("results") or []
        return _ms(results[0]["properties"].get(prop)) if results else None

    def search(
        self,
        obj: str,
        prop: str,
        lo: int,
        hi: int,
        properties: list[str],
        cap: int | None = None,
        page_limit: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Records with ``lo <= prop < hi`` (epoch ms), windows split in two while ``total`` exceeds ``cap``.

        A window whose ``total`` changes while it is paged (a record moved out, shifting the offsets) is read
        again; merge on id makes the re-read harmless.
        """
        what = f"{obj} search"
        cap = cap or settings.SEARCH_RESULT_CAP
        page_limit = page_limit or settings.SEARCH_PAGE_LIMIT
        for _ in range(3):
            body: dict[str, Any] = {
                "filterGroups": [
                    {
                        "filters": [
                            {"propertyName": prop, "operator": "GTE", "value": str(lo)},
                            {"propertyName": prop, "operator": "LT", "value": str(hi)},
                        ]
                    }
                ],
                "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
                "properties": properties,
                "limit": page_limit,
            }
            page = self.request("POST", f"/crm/v3/objects/{obj}/search", what, body=body)
            total = int(page.get("total", 0))
            if total > cap:
                if hi - lo <= 1:
                    raise HubSpotError(
                        f"HubSpot {what}: {total} records share the last-modified millisecond {lo}; "
                        f"more than the {cap}-result search cap, cannot be windowed"
                    )
                mid = (lo + hi) // 2
                logger.info(
                    "HubSpot %s: %d results in [%d, %d) > cap %d, splitting", what, total, lo, hi, cap
                )
                yield from self.search(obj, prop, lo, mid, properties, cap, page_limit)
                yield from self.search(obj, prop, mid, hi, properties, cap, page_limit)
                return
            stable = True
            while True:
                yield page.get("results") or []
                after = ((page.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
                page = self.request(
                    "POST", f"/crm/v3/objects/{obj}/search", what, body={**body, "after": after}
                )
                stable = stable and int(page.get("total", total)) == total
            if stable:
                return
            logger.warning(
                "HubSpot %s: total changed while paging [%d, %d), reading the window again", what, lo, hi
            )
        raise HubSpotError(f"HubSpot {what}: window [{lo}, {hi}) kept changing while paged")

    def batch_read(
        self, obj: str, ids: list[str], properties: list[str], history: list[str]
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(0, len(ids), settings.BATCH_READ_LIMIT):
            body = {
                "inputs": [{"id": x} for x in ids[i : i + settings.BATCH_READ_LIMIT]],
                "properties": properties,
                "propertiesWithHistory": history,
            }
            out += self.request("POST", f"/crm/v3/objects/{obj}/batch/read", f"{obj} batch read", body=body)[
                "results"
            ]
        return out

    def associations(self, from_type: str, to_type: str, ids: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(0, len(ids), settings.ASSOCIATION_BATCH_LIMIT):
            body = {"inputs": [{"id": x} for x in ids[i : i + settings.ASSOCIATION_BATCH_LIMIT]]}
            page = self.request(
                "POST",
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                f"{from_type}->{to_type} associations",
                body=body,
            )
            out += page.get("results") or []
        return out


def _ms(value: str | None) -> int | None:
    from ingestion.hubspot.properties import parse_datetime

    parsed = parse_datetime(value)
    return None if parsed is None else int(parsed.timestamp() * 1000)
