"""Evaluate one rule: run its targeted query in the warehouse, validate the narrow result with GX.

Great Expectations is imported lazily (it takes seconds) on a quiet, analytics-free ephemeral context
with a single pandas datasource, one dataframe asset and one whole-frame batch definition: each rule's
query result is a new batch of it. (An asset per rule made every rule re-save the context's whole
datasource config: quadratic in the number of rules, a third of a run's time.)
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any

from data_quality.config import RuleSettings
from data_quality.connection import Connection
from data_quality.results import CheckResult, FlaggedRecord
from data_quality.rules import DETAILS, OBJECT_ID, OWNER_ID, OWNER_NAME, Expect, Lookup, Param, Previous, Rule

if TYPE_CHECKING:
    import pandas as pd

RESULT_FORMAT = {"result_format": "COMPLETE"}  # every unexpected row's index: the worklist


class GxValidator:
    """A GX 1.x ephemeral context with one pandas datasource, reused for all rules of a run."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._context = gx.get_context(mode="ephemeral")
        self._context.enable_analytics(False)
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._source = self._context.data_sources.add_pandas(name="onefunnel_dq")
        asset = self._source.add_dataframe_asset(name="rule_results")
        self._batches = asset.add_batch_definition_whole_dataframe("rule_result")

    def expectation(self, expect: Expect, settings: RuleSettings, conn: Connection) -> Any:
        """Instantiate the GX expectation, resolving ``Lookup``/``Param`` arguments and ``mostly``."""
        import great_expectations.expectations as gxe

        cls = getattr(gxe, expect.type)
        kwargs = {key: _resolve(value, settings, conn) for key, value in expect.kwargs.items()}
        fields = getattr(cls, "model_fields", None) or getattr(cls, "__fields__", {})
        if "mostly" in fields and "mostly" not in kwargs:
            kwargs["mostly"] = settings.mostly
        return cls(**kwargs)

    def validate(self, name: str, frame: pd.DataFrame, expectation: Any) -> Any:
        """Validate ``frame`` (the query result of rule ``name``) against one expectation; returns GX's
        validation result."""
        batch = self._batches.get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(expectation, result_format=RESULT_FORMAT)


def _resolve(value: Any, settings: RuleSettings, conn: Connection) -> Any:
    if isinstance(value, Lookup):
        return [row[0] for row in conn.query(value.sql)]
    if isinstance(value, Param):
        if value.name not in settings.params:
            raise KeyError(f"parameter {value.name!r} is not configured")
        return settings.params[value.name]
    if isinstance(value, Previous):
        return _previous(value, settings, conn)
    return value


def _previous(value: Previous, settings: RuleSettings, conn: Connection) -> float:
    """The rule's last evaluated observation in ``marts.dq_results`` times ``1 - drop`` (0 without history)."""
    drop = float(settings.params[value.drop_param])
    exists = conn.query(
        "SELECT COUNT(*) FROM information_schema.tables "
        "WHERE table_schema = 'marts' AND table_name = 'dq_results'"
    )
    if not exists or not exists[0][0]:
        return 0.0
    rows = conn.query(
        "SELECT observed_value FROM marts.dq_results WHERE expectation = ? AND status <> 'error' "
        "AND observed_value IS NOT NULL ORDER BY run_at DESC LIMIT 1",
        [value.rule],
    )
    return float(rows[0][0]) * (1.0 - drop) if rows else 0.0


def evaluate(rule: Rule, settings: RuleSettings, conn: Connection, validator: GxValidator) -> CheckResult:
    """Evaluate ``rule``: ``passed``/``failed`` on data, ``error`` when anything could not be computed."""
    started = time.perf_counter()
    base: dict[str, Any] = {
        "suite": rule.suite,
        "rule": rule.name,
        "asset": rule.asset,
        "severity": settings.severity,
        "description": rule.description,
        "expectation_type": rule.expect.type,
        "object_type": rule.object_type,
    }
    error: str | None = None
    missing = False
    try:
        missing = rule.if_missing is not None and not conn.table_exists(rule.asset)
        frame = conn.query_df(rule.if_missing if missing and rule.if_missing else rule.sql)
        outcome = validator.validate(rule.name, frame, validator.expectation(rule.expect, settings, conn))
        error = _exception_message(outcome.exception_info)
        result: dict[str, Any] = dict(outcome.result or {})
        flagged = [] if error else _worklist(rule, frame, result, conn)
    except Exception as exc:  # the query, the expectation or the worklist could not run: not bad data
        error = _text(exc)
    if error:
        return CheckResult(**base, status="error", error=error, duration_s=time.perf_counter() - started)
    return CheckResult(
        **base,
        status="passed" if outcome.success else "failed",
        evaluated_count=_int(result.get("element_count")),
        unexpected_count=_int(result.get("unexpected_count")),
        unexpected_percent=_float(result.get("unexpected_percent")),
        observed_value=f"{rule.asset} does not exist (nothing loaded yet): checked as empty"
        if missing
        else _observed(result),
        flagged=flagged,
        duration_s=time.perf_counter() - started,
    )


def _text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def _exception_message(info: Any) -> str | None:
    """GX reports metric failures in ``exception_info``: flat, or keyed by metric id."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = [
        str(e.get("exception_message") or "metric raised") for e in entries if e.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) or None


def _worklist(
    rule: Rule, frame: pd.DataFrame, result: dict[str, Any], conn: Connection
) -> list[FlaggedRecord]:
    """Flagged records: from the rule's worklist query when it has one, else GX's unexpected rows."""
    if rule.worklist_sql is None:
        return _flagged(frame, result, rule.expect)
    if not result.get("unexpected_count"):
        return []
    listed = conn.query_df(rule.worklist_sql)
    return _flagged(listed, {"unexpected_index_list": list(listed.index)}, rule.expect)


def _flagged(frame: pd.DataFrame, result: dict[str, Any], expect: Expect) -> list[FlaggedRecord]:
    """Rows GX marked unexpected, as worklist records (owner and details from the query)."""
    indexes = result.get("unexpected_index_list") or []
    if not indexes:
        return []
    columns = [
        c
        for c in (expect.kwargs.get("column"), expect.kwargs.get("column_A"), expect.kwargs.get("column_B"))
        if c and c in frame.columns
    ]
    rows = frame.loc[indexes]
    records = []
    for row in rows.to_dict("records"):
        details = _str(row.get(DETAILS)) or ", ".join(f"{c}={_py(row.get(c))!r}" for c in columns)
        records.append(
            FlaggedRecord(
                object_id=_str(row.get(OBJECT_ID)),
                owner_id=_str(row.get(OWNER_ID)),
                owner_name=_str(row.get(OWNER_NAME)),
                details=details or None,
            )
        )
    return records


def _observed(result: dict[str, Any]) -> str | None:
    if "observed_value" in result:
        return _str(result["observed_value"])
    if "element_count" not in result:
        return None
    sample = [_py(v) for v in (result.get("partial_unexpected_list") or [])[:5]]
    text = f"{result.get('unexpected_count', 0)} of {result['element_count']} rows unexpected"
    return f"{text}; e.g. {sample}" if sample else text


def _py(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_py(v) for v in value]
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _str(value: Any) -> str | None:
    value = _py(value)
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
