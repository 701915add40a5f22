"""An in-memory HubSpot portal: CRM records with property history, definitions, associations, marketing.

The HubSpot emulator serves it; ``hubspot_shapes.portal_from_org`` fills it from the sandbox company.
Every property value is held as HubSpot sends it: a string or ``None``. Campaign budget and spend items
(``budget/totals``) are held per campaign guid as the API sends them (amounts are JSON numbers, times epoch ms).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CRM_OBJECTS: tuple[str, ...] = ("contacts", "companies", "deals")
MODIFIED_PROPERTY: dict[str, str] = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}
# HUBSPOT_DEFINED association type ids (from -> to) and the reverse direction's id
ASSOCIATION_TYPE_IDS: dict[tuple[str, str], dict[str, int]] = {
    ("contacts", "companies"): {"primary": 1, "unlabeled": 279},
    ("companies", "contacts"): {"primary": 2, "unlabeled": 280},
    ("deals", "contacts"): {"unlabeled": 3},
    ("contacts", "deals"): {"unlabeled": 4},
    ("deals", "companies"): {"primary": 5, "unlabeled": 341},
    ("companies", "deals"): {"primary": 6, "unlabeled": 342},
}


def hs_time(value: dt.datetime | dt.date | None) -> str | None:
    """HubSpot's timestamp format: ISO-8601 UTC with milliseconds and ``Z``."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    v = value.astimezone(dt.UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


def epoch_ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


@dataclass
class PropertyDef:
    """A ``GET /crm/v3/properties/{obj}`` entry (the parts a connector reads)."""

    name: str
    type: str  # string | number | date | datetime | enumeration | bool | phone_number
    field_type: str = "text"
    label: str = ""
    show_currency_symbol: bool = False
    calculated: bool = False

    def to_json(self, group: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "updatedAt": "2024-01-01T00:00:00.000Z",
            "createdAt": "2020-01-01T00:00:00.000Z",
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "fieldType": self.field_type,
            "description": "",
            "groupName": group,
            "options": [],
            "displayOrder": -1,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": self.name == "hs_object_id",
            "hidden": False,
            "formField": False,
            "modificationMetadata": {"archivable": True, "readOnlyDefinition": True, "readOnlyValue": False},
        }
        if self.show_currency_symbol:
            out["showCurrencySymbol"] = True
        return out


@dataclass
class HsRecord:
    """One CRM record. ``history[prop]`` is newest first, as HubSpot returns ``propertiesWithHistory``."""

    id: str
    properties: dict[str, str | None]
    created_at: dt.datetime
    updated_at: dt.datetime
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    archived_at: dt.datetime | None = None

    def to_json(self, properties: list[str] | None, with_history: list[str] | None = None) -> dict[str, Any]:
        names = properties if properties is not None else list(self.properties)
        out: dict[str, Any] = {
            "id": self.id,
            "properties": {n: self.properties.get(n) for n in names},
            "createdAt": hs_time(self.created_at),
            "updatedAt": hs_time(self.updated_at),
            "archived": self.archived_at is not None,
        }
        if self.archived_at is not None:
            out["archivedAt"] = hs_time(self.archived_at)
        if with_history:
            out["propertiesWithHistory"] = {p: list(self.history.get(p, [])) for p in with_history}
        return out


@dataclass
class Association:
    from_type: str
    from_id: str
    to_type: str
    to_id: str
    kind: str = "unlabeled"  # 'primary' adds the primary type id
    labels: tuple[tuple[int, str], ...] = ()  # USER_DEFINED (typeId, label)


class HubSpotPortal:
    """Records per CRM object keyed by id, with a portal clock for ``hs_lastmodifieddate``."""

    def __init__(self, clock_start: dt.datetime, portal_id: int = 7700001) -> None:
        self.portal_id = portal_id
        self.records: dict[str, dict[str, HsRecord]] = {o: {} for o in CRM_OBJECTS}
        self.property_defs: dict[str, dict[str, PropertyDef]] = {o: {} for o in CRM_OBJECTS}
        self.associations: list[Association] = []
        self.owners: list[dict[str, Any]] = []
        self.pipelines: list[dict[str, Any]] = []
        self.campaigns: list[dict[str, Any]] = []
        # campaign guid -> {"currencyCode", "budgetItems", "spendItems"} (items as the API sends them)
        self.campaign_budgets: dict[str, dict[str, Any]] = {}
        self.forms: list[dict[str, Any]] = []
        self.submissions: dict[str, list[dict[str, Any]]] = {}  # form guid -> newest first
        self.email_events: list[dict[str, Any]] = []  # oldest first
        self._clock = clock_start
        self._next_id = 900000000
        self.version = 0  # bumped by every change, so the emulator can cache search results per version
        self.lock = threading.RLock()

    # clock -------------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self._clock

    def tick(self, seconds: float = 1.0) -> dt.datetime:
        with self.lock:
            self._clock += dt.timedelta(seconds=seconds)
            return self._clock

    # definitions -------------------------------------------------------------------------------
    def define(self, obj: str, name: str, hs_type: str, field_type: str = "text", **kw: Any) -> None:
        self.property_defs[obj][name] = PropertyDef(name, hs_type, field_type, **kw)
        self.version += 1

    # records -----------------------------------------------------------------------------------
    def put(self, obj: str, rec: HsRecord) -> HsRecord:
        """Insert a record built by the generator (keeps its own timestamps)."""
        rec.properties.setdefault("hs_object_id", rec.id)
        rec.properties[MODIFIED_PROPERTY[obj]] = hs_time(rec.updated_at)
        rec.properties.setdefault("createdate", hs_time(rec.created_at))
        with self.lock:
            self.records[obj][rec.id] = rec
            self.version += 1
        return rec

    def live(self, obj: str) -> list[HsRecord]:
        with self.lock:
            return [r for r in self.records[obj].values() if r.archived_at is None]

    def archived(self, obj: str) -> list[HsRecord]:
        with self.lock:
            return [r for r in self.records[obj].values() if r.archived_at is not None]

    def create(self, obj: str, properties: dict[str, str | None], at: dt.datetime | None = None) -> HsRecord:
        """Create a record now (like a user in the UI)."""
        now = at or self.tick()
        with self.lock:
            self._next_id += 1
            rid = str(self._next_id)
        rec = HsRecord(rid, dict(properties), now, now)
        for prop, value in properties.items():
            rec.history[prop] = [_history_entry(value, now)]
        return self.put(obj, rec)

    def update(
        self, obj: str, record_id: str, changes: dict[str, str | None], at: dt.datetime | None = None
    ) -> HsRecord:
        """Change properties now: records history and stamps the last-modified property."""
        with self.lock:
            rec = self.records[obj][record_id]
            now = at or self.tick()
            for prop, value in changes.items():
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"HubSpot property values are strings or null, got {value!r}")
                rec.properties[prop] = value
                rec.history.setdefault(prop, []).insert(0, _history_entry(value, now))
            rec.updated_at = now
            rec.properties[MODIFIED_PROPERTY[obj]] = hs_time(now)
            self.version += 1
            return rec

    def archive(self, obj: str, record_id: str) -> None:
        """Archive (soft-delete) a record: it leaves search and the default list, shows up with ``archived=true``."""
        with self.lock:
            rec = self.records[obj][record_id]
            rec.archived_at = self.tick()
            self.version += 1

    def add_property(
        self, obj: str, name: str, hs_type: str, values: dict[str, str | None], field_type: str = "text"
    ) -> None:
        """A new custom property appears mid-history; the records given values are modified now."""
        self.define(obj, name, hs_type, field_type)
        for rid, value in values.items():
            self.update(obj, rid, {name: value})

    def change_property_type(
        self, obj: str, name: str, hs_type: str, values: dict[str, str | None], field_type: str = "text"
    ) -> None:
        """An admin changes a property's type (e.g. number -> string) and edits some values."""
        self.property_defs[obj][name] = PropertyDef(name, hs_type, field_type)
        self.version += 1
        for rid, value in values.items():
            self.update(obj, rid, {name: value})

    # campaign budget and spend --------------------------------------------------------------------
    def budget_totals(self, campaign_id: str) -> dict[str, Any] | None:
        """``GET /marketing/v3/campaigns/{campaignGuid}/budget/totals`` of a campaign, None when unknown."""
        with self.lock:
            if not any(c["id"] == campaign_id for c in self.campaigns):
                return None
            budget = self.campaign_budgets.get(campaign_id) or {}
            budget_items = [dict(i) for i in budget.get("budgetItems", [])]
            spend_items = [dict(i) for i in budget.get("spendItems", [])]
        budget_total = sum((Decimal(str(i["amount"])) for i in budget_items), Decimal(0))
        spend_total = sum((Decimal(str(i["amount"])) for i in spend_items), Decimal(0))
        return {
            "budgetItems": budget_items,
            "spendItems": spend_items,
            "currencyCode": budget.get("currencyCode"),
            "budgetTotal": float(budget_total),
            "spendTotal": float(spend_total),
            "remainingBudget": float(budget_total - spend_total),
        }

    def add_spend_item(
        self, campaign_id: str, amount: Decimal | str, name: str, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        """A user adds a spend item to a campaign now (its ``order`` follows the campaign's newest item)."""
        now = at or self.tick()
        with self.lock:
            self._next_id += 1
            budget = self.campaign_budgets.setdefault(
                campaign_id, {"currencyCode": None, "budgetItems": [], "spendItems": []}
            )
            item = {
                "id": str(self._next_id),
                "name": name,
                "amount": float(Decimal(str(amount))),
                "order": len(budget["spendItems"]),
                "createdAt": epoch_ms(now),
                "updatedAt": epoch_ms(now),
            }
            budget["spendItems"].append(item)
            self.version += 1
            return item

    def update_spend_item(
        self, campaign_id: str, spend_id: str, amount: Decimal | str, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        """A user changes a spend item's amount now (``updatedAt`` moves)."""
        now = at or self.tick()
        with self.lock:
            item = next(i for i in self.campaign_budgets[campaign_id]["spendItems"] if i["id"] == spend_id)
            item["amount"] = float(Decimal(str(amount)))
            item["updatedAt"] = epoch_ms(now)
            self.version += 1
            return item

    def delete_spend_item(self, campaign_id: str, spend_id: str) -> None:
        """A user deletes a spend item: it leaves ``budget/totals`` (the API keeps no trace of it)."""
        with self.lock:
            items = self.campaign_budgets[campaign_id]["spendItems"]
            items[:] = [i for i in items if i["id"] != spend_id]
            self.version += 1

    def expected_rows(self, obj: str) -> dict[str, dict[str, Any]]:
        """What a full load must hold: per id, the properties plus ``archived``."""
        with self.lock:
            return {
                r.id: {**r.properties, "archived": r.archived_at is not None}
                for r in self.records[obj].values()
            }


def _history_entry(value: str | None, at: dt.datetime, source: str = "CRM_UI") -> dict[str, Any]:
    return {"value": value if value is not None else "", "timestamp": hs_time(at), "sourceType": source}
