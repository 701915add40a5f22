"""The small SOQL subset the Salesforce emulator answers.

``SELECT f1, f2 FROM Obj [WHERE cond [AND cond ...]] [ORDER BY f [ASC|DESC], ...] [LIMIT n]`` where a
condition is ``Field op literal`` with op in ``= != < <= > >=`` and literals as in real SOQL: unquoted
datetimes (``2024-01-01T00:00:00Z``, ``...00.000Z``, ``...00+00:00``), dates, ``true``/``false``,
``null``, numbers and 'quoted strings'. Keywords are case-insensitive, and so are field names.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingestion.sandbox.salesforce_schema import SALESFORCE_OBJECTS

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.I | re.S,
)
_COND = re.compile(r"^(?P<field>\w+)\s*(?P<op>>=|<=|!=|=|<|>)\s*(?P<lit>'(?:[^'\\]|\\.)*'|\S+)$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NON_FILTERABLE = {"address", "location"}


class SoqlError(Exception):
    """A query Salesforce would reject: ``code`` is the REST errorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass
class Condition:
    field: str
    op: str
    value: Any

    def test(self, record: dict[str, Any]) -> bool:
        actual = record.get(self.field)
        if actual is None or self.value is None:  # SOQL: only `= null` / `!= null` match nulls
            if self.op == "=":
                return actual is None and self.value is None
            return self.op == "!=" and (actual is None) != (self.value is None)
        return _OPS[self.op](actual, self.value)


@dataclass
class SoqlQuery:
    obj: str
    fields: list[str]
    where: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None
    batch_size: int = 2000

    def matches(self, record: dict[str, Any]) -> bool:
        return all(c.test(record) for c in self.where)

    def sort_and_limit(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Sort once per query (nulls first ascending, as Salesforce does), then apply LIMIT."""
        for name, desc in reversed(self.order_by):
            if all(r[name] is not None for r in rows):  # Id, SystemModstamp...: no null-ordering key needed
                rows.sort(key=operator.itemgetter(name), reverse=desc)
            else:
                rows.sort(
                    key=lambda r, n=name: (r[n] is not None, r[n] if r[n] is not None else 0), reverse=desc
                )
        return rows if self.limit is None else rows[: self.limit]


def parse_literal(text: str) -> Any:
    """A SOQL literal as a Python value; raises MALFORMED_QUERY for anything else."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if _DATETIME.match(text):
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
    if _DATE.match(text):
        return dt.date.fromisoformat(text)
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{text}'")


def _field(obj: str, name: str) -> tuple[str, str]:
    fields = {f.lower(): (f, t) for f, t in SALESFORCE_OBJECTS[obj].items()}
    found = fields.get(name.lower())
    if found is None:
        raise SoqlError(
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{obj}'. If you are attempting to use a custom field, be sure "
            "to append the '__c' after the custom field name. Please reference your WSDL or the describe call "
            "for the appropriate names.",
        )
    return found


def _check_type(obj: str, name: str, sf_type: str, value: Any) -> None:
    ok = (
        value is None
        or (sf_type == "datetime" and isinstance(value, dt.datetime))
        or (sf_type == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime))
        or (sf_type == "boolean" and isinstance(value, bool))
        or (
            sf_type in ("int", "double", "percent", "currency")
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        )
        or (
            isinstance(value, str)
            and sf_type not in ("datetime", "date", "boolean", "int", "double", "percent", "currency")
        )
    )
    if not ok or sf_type in _NON_FILTERABLE:
        raise SoqlError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{name}' on '{obj}' must be of "
            f"type {sf_type} and should not be enclosed in quotes",
        )


def parse_soql(soql: str) -> SoqlQuery:
    """Parse the supported SOQL subset against the org schema."""
    m = _QUERY.match(soql or "")
    if not m:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {soql[:200]!r}")
    objects = {o.lower(): o for o in SALESFORCE_OBJECTS}
    obj = objects.get(m["obj"].lower())
    if obj is None:
        raise SoqlError("INVALID_TYPE", f"sObject type '{m['obj']}' is not supported.")
    names = [f.strip() for f in m["fields"].split(",")]
    if any(not re.fullmatch(r"\w+", n) for n in names):
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in field list: {m['fields'][:200]!r}")
    query = SoqlQuery(obj=obj, fields=[_field(obj, n)[0] for n in names])
    if m["where"]:
        for part in re.split(r"\s+AND\s+", m["where"].strip(), flags=re.I):
            c = _COND.match(part.strip())
            if not c:
                raise SoqlError("MALFORMED_QUERY", f"unexpected token in WHERE: {part[:200]!r}")
            name, sf_type = _field(obj, c["field"])
            value = parse_literal(c["lit"])
            _check_type(obj, name, sf_type, value)
            if value is None and c["op"] not in ("=", "!="):
                raise SoqlError("MALFORMED_QUERY", "null can only be compared with = or !=")
            query.where.append(Condition(name, c["op"], value))
    if m["order"]:
        for part in m["order"].split(","):
            o = re.fullmatch(r"\s*(\w+)(?:\s+(ASC|DESC))?(?:\s+NULLS\s+(?:FIRST|LAST))?\s*", part, re.I)
            if not o:
                raise SoqlError("MALFORMED_QUERY", f"unexpected token in ORDER BY: {part[:200]!r}")
            query.order_by.append((_field(obj, o[1])[0], (o[2] or "").upper() == "DESC"))
    if m["limit"]:
        query.limit = int(m["limit"])
    return query
