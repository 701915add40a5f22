"""Marketo lead fields (``/rest/v1/leads/describe.json``) -> warehouse types: casting, hints, type drift."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.marketo import settings


class BadValue(ValueError):
    """A value that does not fit its field's loaded type."""


def parse_datetime(value: Any) -> dt.datetime | None:
    """Marketo datetimes: ISO-8601 with ``Z`` or an offset (``2024-01-02T03:04:05Z``, ``...+0000``)."""
    if value is None or value == "":
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
        text = text[:-2] + ":" + text[-2:]
    parsed = dt.datetime.fromisoformat(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cast(value: Any, kind: str) -> Any:
    """A JSON value as the warehouse type of its Marketo ``dataType``; raises ``BadValue``, never guesses."""
    if value is None or value == "":
        return None
    data_type = settings.DLT_TYPES.get(kind, "text")
    try:
        if data_type == "text":
            return value if isinstance(value, str) else json_text(value)
        if isinstance(value, bool) and data_type != "bool":
            raise BadValue(f"{value!r} is a boolean, not a {kind}")
        if data_type == "bigint":
            if isinstance(value, float) and not value.is_integer():
                raise BadValue(f"{value!r} is not a whole number")
            return int(Decimal(str(value)))
        if data_type == "double":
            return float(Decimal(str(value)))
        if data_type == "decimal":
            return Decimal(str(value))
        if data_type == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise BadValue(f"{value!r} is not true/false")
        if data_type == "date":
            return dt.date.fromisoformat(str(value)[:10]) if len(str(value)) >= 10 else _bad(value, kind)
        if data_type == "timestamp":
            return parse_datetime(value)
    except (InvalidOperation, ValueError, TypeError) as e:
        if isinstance(e, BadValue):
            raise
        raise BadValue(f"{str(value)[:50]!r} is not a valid {kind}") from e
    return value


def _bad(value: Any, kind: str) -> Any:
    raise BadValue(f"{str(value)[:50]!r} is not a valid {kind}")


def json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ts() -> dict[str, Any]:
    """The dlt column hint of a timestamp with time zone."""
    return {"data_type": "timestamp", "timezone": True}


def column_hint(name: str, kind: str) -> dict[str, Any]:
    data_type = settings.DLT_TYPES.get(kind, "text")
    hint: dict[str, Any] = {"name": name, "data_type": data_type, "nullable": True}
    if data_type == "timestamp":
        hint["timezone"] = True
    if data_type == "decimal":
        hint.update(precision=38, scale=9)
    return hint


def drift(stored: dict[str, str], current: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Fields whose loaded kind (``stored``) maps to another column type than Marketo's now: name -> (was, now).

    A change to a kind with the same column type (string -> email) is no drift; a change from a text kind
    keeps the text column, which holds anything.
    """
    out: dict[str, tuple[str, str]] = {}
    for name, was in stored.items():
        now = current.get(name)
        if now is None or now == was:
            continue
        was_type, now_type = settings.DLT_TYPES.get(was, "text"), settings.DLT_TYPES.get(now, "text")
        if was_type == now_type or was_type == "text":
            continue
        out[name] = (was, now)
    return out


def effective_kinds(stored: dict[str, str], current: dict[str, str]) -> dict[str, str]:
    """The kind each field is loaded as this run: the stored kind wins over the instance's new one."""
    return {name: stored.get(name, kind) for name, kind in current.items()}
