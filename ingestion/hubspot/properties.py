"""HubSpot property definitions -> warehouse types: casting string values, column hints, type drift."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.hubspot import settings


class BadValue(ValueError):
    """A value that does not parse as its property's declared type."""


def type_key(definition: dict[str, Any]) -> str:
    """The type a property is loaded as: HubSpot's ``type``, with currency numbers told apart."""
    hs_type = str(definition.get("type") or "string")
    name = str(definition.get("name") or "")
    if hs_type == "number" and (name == "hs_object_id" or name.endswith(("_id", "companyid"))):
        return "string"  # ids stay text, as everywhere else in the warehouse
    if hs_type == "number" and definition.get("showCurrencySymbol"):
        return "currency"
    return hs_type


def parse_datetime(value: str | None) -> dt.datetime | None:
    """HubSpot datetimes: ISO-8601 (``2023-02-24T03:01:01.147Z``), a bare date, or epoch milliseconds."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.lstrip("-").isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def cast(value: str | None, kind: str) -> Any:
    """A HubSpot string value as its warehouse type; raises ``BadValue`` rather than guessing."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadValue(f"expected a string from the API, got {type(value).__name__}")
    try:
        if kind == "currency":
            return Decimal(value)
        if kind == "number":
            return float(Decimal(value))
        if kind == "datetime":
            return parse_datetime(value)
        if kind == "date":
            return (
                parse_datetime(value).date()
                if "T" in value or value.isdigit()
                else dt.date.fromisoformat(value)
            )
        if kind == "bool":
            if value.lower() not in ("true", "false"):
                raise BadValue(f"{value!r} is not true/false")
            return value.lower() == "true"
    except (InvalidOperation, ValueError, TypeError, AttributeError) as e:
        raise BadValue(f"{value[:50]!r} is not a valid {kind}") from e
    return value


def column_hint(name: str, kind: str) -> dict[str, Any]:
    data_type = settings.DLT_TYPES.get(kind, "text")
    hint: dict[str, Any] = {"name": name, "data_type": data_type, "nullable": True}
    if data_type == "timestamp":
        hint["timezone"] = True
    if data_type == "decimal":
        hint.update(precision=38, scale=9)
    return hint


def drift(stored: dict[str, str], current: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Properties whose loaded type (``stored``) differs from the portal's definition now: name -> (was, now).

    Text columns can hold anything, so a change *to* a text-like type from a typed one counts, as does any
    change between typed kinds; a change from text to a typed kind keeps the text column (no drift).
    """
    out: dict[str, tuple[str, str]] = {}
    for name, was in stored.items():
        now = current.get(name)
        if now is None or now == was:
            continue
        if settings.DLT_TYPES.get(was, "text") == settings.DLT_TYPES.get(now, "text"):
            continue
        out[name] = (was, now)
    return out


def effective_kinds(stored: dict[str, str], current: dict[str, str]) -> dict[str, str]:
    """The kind each property is loaded as this run: the stored kind wins over the portal's new one."""
    return {name: stored.get(name, kind) for name, kind in current.items()}
