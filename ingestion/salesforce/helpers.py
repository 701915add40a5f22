"""HTTP, OAuth, SOQL paging and record clean-up for the Salesforce source (no simple_salesforce)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests
from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue

from ingestion.salesforce import settings

logger = logging.getLogger(__name__)


@configspec
class SalesforceCredentials(CredentialsConfiguration):
    """OAuth credentials: password grant when ``username`` is set, client credentials otherwise,
    or a pre-issued ``access_token`` (+ ``instance_url``)."""

    client_id: str | None = None
    client_secret: TSecretStrValue | None = None
    username: str | None = None
    password: TSecretStrValue | None = None
    access_token: TSecretStrValue | None = None
    instance_url: str | None = None


class SalesforceError(Exception):
    """A Salesforce call failed; the message names the object, SOQL, status and errorCode (no secrets)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        object_name: str | None = None,
        soql: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.error_code, self.object_name, self.soql = status, error_code, object_name, soql


class SalesforceAuthError(SalesforceError):
    """The token endpoint refused the credentials, or a fresh token was refused too."""


class SalesforceApiLimitError(SalesforceError):
    """The org's API request limit is used up (403 REQUEST_LIMIT_EXCEEDED)."""


def _error_details(resp: requests.Response) -> tuple[str | None, str]:
    """(errorCode, message) from a Salesforce error body: a list of errors or an OAuth error dict."""
    try:
        body = resp.json()
    except ValueError:
        return None, resp.text[:500]
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0].get("errorCode"), str(body[0].get("message", ""))[:1000]
    if isinstance(body, dict):
        return body.get("error") or body.get("errorCode"), str(body.get("error_description") or body)[:1000]
    return None, str(body)[:500]


class SalesforceClient:
    """A REST client: authenticates, retries with backoff, re-authenticates once on INVALID_SESSION_ID.

    Safe to share between the threads of parallel resources: one HTTP session per thread, one token.
    """

    def __init__(
        self,
        base_url: str,
        credentials: SalesforceCredentials,
        api_version: str = settings.DEFAULT_API_VERSION,
        batch_size: int = settings.DEFAULT_BATCH_SIZE,
        max_attempts: int = settings.MAX_ATTEMPTS,
        backoff_base: float = settings.BACKOFF_BASE_SECONDS,
        backoff_max: float = settings.BACKOFF_MAX_SECONDS,
        timeout: float = settings.REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.api_version = api_version.lstrip("v")
        self.batch_size = batch_size
        self.max_attempts, self.backoff_base, self.backoff_max = max_attempts, backoff_base, backoff_max
        self.timeout = timeout
        self._local = threading.local()
        self._auth_lock = threading.Lock()
        self.instance_url: str | None = None
        self._token: str | None = None
        self.api_usage: str | None = None  # last Sforce-Limit-Info value, e.g. "api-usage=12/15000"
        self.requests_made = 0

    @property
    def session(self) -> requests.Session:
        """This thread's HTTP session (``requests.Session`` is not meant to be shared between threads)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    # auth ------------------------------------------------------------------------------------
    def _can_refresh(self) -> bool:
        return bool(self.credentials.client_id and self.credentials.client_secret)

    def authenticate(self) -> None:
        """Get an access token: from the token endpoint, or the pre-issued one in the credentials."""
        creds = self.credentials
        if not self._can_refresh():
            if not creds.access_token:
                raise SalesforceAuthError(
                    "Salesforce credentials need client_id and client_secret "
                    "(plus username/password for the password grant) or an access_token"
                )
            self._token = str(creds.access_token)
            self.instance_url = (creds.instance_url or self.base_url).rstrip("/")
            return
        form = {"client_id": creds.client_id, "client_secret": str(creds.client_secret)}
        if creds.username:
            form.update(grant_type="password", username=creds.username, password=str(creds.password or ""))
        else:
            form["grant_type"] = "client_credentials"
        url = f"{self.base_url}/services/oauth2/token"
        resp = self._send("POST", url, "token", data=form, auth=False)
        if resp.status_code != 200:
            code, message = _error_details(resp)
            raise SalesforceAuthError(
                f"Salesforce authentication failed at {url} ({form['grant_type']} grant): "
                f"HTTP {resp.status_code} {code}: {message}",
                status=resp.status_code,
                error_code=code,
            )
        body = resp.json()
        self._token = body["access_token"]
        self.instance_url = str(body.get("instance_url") or self.base_url).rstrip("/")
        logger.info(
            "Salesforce: authenticated (%s grant), instance %s", form["grant_type"], self.instance_url
        )

    # HTTP ------------------------------------------------------------------------------------
    def _wait(self, attempt: int, resp: requests.Response | None) -> float:
        retry_after = resp.headers.get("Retry-After") if resp is not None else None
        if retry_after:
            try:
                return min(float(retry_after), self.backoff_max)
            except ValueError:
                pass
        delay = min(self.backoff_base * 2**attempt, self.backoff_max)
        return delay + random.uniform(0, delay / 2)

    def _send(self, method: str, url: str, what: str, auth: bool = True, **kwargs: Any) -> requests.Response:
        """Send with retries on 429/5xx/connection errors; returns the final response (any status)."""
        base_headers = dict(kwargs.pop("headers", None) or {})
        for attempt in range(self.max_attempts):
            headers = dict(base_headers)
            if auth:
                headers["Authorization"] = f"Bearer {self._token}"
            try:
                resp = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as e:
                if attempt + 1 >= self.max_attempts:
                    raise SalesforceError(
                        f"Salesforce {what}: connection failed after {attempt + 1} "
                        f"attempts: {type(e).__name__}"
                    ) from e
                delay = self._wait(attempt, None)
                logger.warning("Salesforce %s: %s, retrying in %.1fs", what, type(e).__name__, delay)
                time.sleep(delay)
                continue
            self.requests_made += 1
            if info := resp.headers.get("Sforce-Limit-Info"):
                self.api_usage = info
            if (resp.status_code == 429 or resp.status_code >= 500) and attempt + 1 < self.max_attempts:
                delay = self._wait(attempt, resp)
                logger.warning("Salesforce %s: HTTP %s, retrying in %.1fs", what, resp.status_code, delay)
                time.sleep(delay)
                continue
            return resp
        raise AssertionError("unreachable")

    def _reauthenticate(self, stale: str | None, what: str) -> None:
        """A fresh token, once for all threads whose token ``stale`` was refused."""
        with self._auth_lock:
            if self._token == stale:
                logger.info("Salesforce %s: session expired or invalid, re-authenticating once", what)
                self.authenticate()

    def get_json(
        self,
        url: str,
        what: str,
        object_name: str | None = None,
        soql: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """GET a data URL (absolute or instance-relative) and parse JSON with exact decimals."""
        resp = self.get(url, what, object_name, soql, headers, params)
        return json.loads(resp.text, parse_float=Decimal)

    def get(
        self,
        url: str,
        what: str,
        object_name: str | None = None,
        soql: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """GET a data URL (absolute or instance-relative); a clear ``SalesforceError`` for any HTTP error."""
        if self._token is None:
            with self._auth_lock:
                if self._token is None:
                    self.authenticate()
        if url.startswith("/"):
            url = f"{self.instance_url}{url}"
        token = self._token
        resp = self._send("GET", url, what, headers=headers, params=params)
        if resp.status_code == 401 and self._can_refresh():
            self._reauthenticate(token, what)
            resp = self._send("GET", url, what, headers=headers, params=params)
        if resp.status_code >= 400:
            code, message = _error_details(resp)
            where = f" for {object_name}" if object_name else ""
            text = f"Salesforce {what}{where} failed: HTTP {resp.status_code} {code}: {message}"
            if soql:
                text += f" (SOQL: {soql[:500]})"
            cls = SalesforceError
            if code == "REQUEST_LIMIT_EXCEEDED":
                cls, text = (
                    SalesforceApiLimitError,
                    text + f" [API usage {self.api_usage}; wait for the 24h window]",
                )
            elif resp.status_code == 401:
                cls = SalesforceAuthError
            raise cls(text, status=resp.status_code, error_code=code, object_name=object_name, soql=soql)
        return resp

    def data_url(self, path: str) -> str:
        return f"/services/data/v{self.api_version}/{path.lstrip('/')}"

    def describe(self, object_name: str) -> dict[str, Any]:
        return self.get_json(self.data_url(f"sobjects/{object_name}/describe"), "describe", object_name)

    def query(self, object_name: str, soql: str, include_deleted: bool) -> Iterator[list[dict[str, Any]]]:
        """Yield the record pages of a SOQL query (``queryAll`` includes deleted rows), following
        ``nextRecordsUrl`` until ``done``."""
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        endpoint = "queryAll" if include_deleted else "query"
        page = self.get_json(self.data_url(endpoint + "/"), endpoint, object_name, soql, headers, {"q": soql})
        while True:
            yield page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.get_json(page["nextRecordsUrl"], endpoint, object_name, soql, headers)

    def query_pages(
        self,
        object_name: str,
        soql: str,
        include_deleted: bool,
        read: Callable[[bytes], tuple[Any, bool, str | None]],
    ) -> Iterator[Any]:
        """What ``read`` makes of each page body of a query, following ``nextRecordsUrl`` until ``done``.

        ``read(body)`` returns ``(result, done, nextRecordsUrl)`` (the Arrow path reads bodies itself). A
        body that is not a complete JSON page (a truncated response) raises ``SalesforceError``.
        """
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        endpoint = "queryAll" if include_deleted else "query"

        def fetch(url: str, params: dict[str, str] | None) -> bytes:
            return self.get(url, endpoint, object_name, soql, headers, params).content

        # the next page is requested as soon as its URL is known, while the caller works on this one: the
        # server prepares page n+1 while page n is typed and written
        with ThreadPoolExecutor(1, thread_name_prefix="salesforce-page") as pool:
            pending = pool.submit(fetch, self.data_url(endpoint + "/"), {"q": soql})
            while pending is not None:
                body = pending.result()
                try:
                    result, done, next_url = read(body)
                except (ValueError, KeyError, TypeError) as e:
                    raise SalesforceError(
                        f"Salesforce {endpoint} for {object_name}: the response is not a JSON page of "
                        f"records ({len(body)} bytes; truncated?): {type(e).__name__}: {str(e)[:200]}",
                        object_name=object_name,
                        soql=soql,
                    ) from e
                pending = None if done or not next_url else pool.submit(fetch, next_url, None)
                yield result


# records -------------------------------------------------------------------------------------
def parse_datetime(value: str | dt.datetime) -> dt.datetime:
    """Salesforce ``2020-10-22T21:03:23.000+0000`` (or ISO with Z / +00:00) as a UTC-aware datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def soql_datetime(value: dt.datetime) -> str:
    """A SOQL datetime literal, floored to the second (a ``>=`` filter then re-reads, never skips)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _to_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# describe type -> conversion of a non-null JSON value (types not listed stay as they are)
_CONVERTERS: dict[str, Any] = {
    "datetime": parse_datetime,
    "date": dt.date.fromisoformat,
    "currency": _to_decimal,
    "double": float,
    "percent": float,
    "int": int,
    "long": int,
    "boolean": bool,
}


def _convert(value: Any, sf_type: str) -> Any:
    if value is None:
        return None
    converter = _CONVERTERS.get(sf_type)
    return value if converter is None else converter(value)


_UNDERSCORES = re.compile(r"_{2,}")
_COLUMN_KEYS: dict[str, str] = {}  # field name -> column key: a record has tens of fields, a load millions


def column_key(field_name: str) -> str:
    """The key a field is yielded under: custom-field ``__`` collapsed to ``_`` so dlt names
    ``Term_Months__c`` as ``term_months_c`` (the raw contract); dlt alone would keep ``term_months__c``
    because its snake_case treats ``__`` as a path separator."""
    key = _COLUMN_KEYS.get(field_name)
    if key is None:
        key = _COLUMN_KEYS[field_name] = _UNDERSCORES.sub("_", field_name)
    return key


def clean_record(record: dict[str, Any], field_types: dict[str, str]) -> dict[str, Any]:
    """Drop ``attributes`` (and nested relationship objects) and convert values by describe type."""
    out: dict[str, Any] = {}
    converters, keys = _CONVERTERS, _COLUMN_KEYS
    for name, value in record.items():
        if name == "attributes" or isinstance(value, dict):
            continue
        if value is not None:
            converter = converters.get(field_types.get(name, "string"))
            if converter is not None:
                value = converter(value)
        out[keys.get(name) or column_key(name)] = value
    return out


def column_hints(fields: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """dlt column hints from describe fields, so even all-null columns get the right type."""
    hints: dict[str, dict[str, Any]] = {}
    for f in fields:
        data_type = settings.DLT_TYPES.get(f["type"], "text")
        name = column_key(f["name"])
        hint: dict[str, Any] = {"name": name, "data_type": data_type, "nullable": f["name"] != "Id"}
        if data_type == "decimal" and f.get("precision") and f.get("scale") is not None:
            hint.update(precision=int(f["precision"]), scale=int(f["scale"]))
        if data_type == "timestamp":
            hint["timezone"] = True
        hints[name] = hint
    return hints
