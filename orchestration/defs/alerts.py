"""A run-failure sensor: log every failed run and notify the webhook (``ONEFUNNEL_ALERT_WEBHOOK_URL``)."""

from __future__ import annotations

from typing import Any

import dagster as dg


def failure_payload(context: dg.RunFailureSensorContext) -> dict[str, Any]:
    """Job, run id, failing step and error of a failed run, as the webhook receives them."""
    run = context.dagster_run
    steps = context.get_step_failure_events()
    step_key = steps[0].step_key if steps else None
    error = None
    if steps and steps[0].step_failure_data.error:
        error = _error_chain(steps[0].step_failure_data.error)
    elif context.failure_event.message:
        error = context.failure_event.message
    return {
        "source": "onefunnel",
        "event": "run_failure",
        "job": run.job_name,
        "run_id": run.run_id,
        "failing_step": step_key,
        "error": (error or "unknown error")[:4000],
        "tags": dict(run.tags),
    }


def _error_chain(error: Any) -> str:
    """The error and its causes (Dagster wraps the user's exception), one message per line."""
    messages = []
    while error is not None and len(messages) < 5:
        messages.append(error.message.strip())
        error = error.cause
    return "\n".join(messages)


@dg.run_failure_sensor(
    name="run_failure_alert",
    description="Logs every failed run and POSTs job, run id, failing step and error as JSON to "
    "ONEFUNNEL_ALERT_WEBHOOK_URL (timeout ONEFUNNEL_ALERT_TIMEOUT_SECONDS, default 5 s).",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    """Never raises: a broken webhook is logged, the sensor keeps running."""
    from orchestration.alerts import post_alert

    try:
        payload = failure_payload(context)
    except Exception as exc:  # noqa: BLE001
        payload = {
            "source": "onefunnel",
            "event": "run_failure",
            "run_id": context.dagster_run.run_id,
            "job": context.dagster_run.job_name,
            "failing_step": None,
            "error": f"(payload: {exc})",
        }
    context.log.error(
        f"run failed: job {payload['job']} run {payload['run_id']} step {payload['failing_step']}: "
        f"{payload['error'][:500]}"
    )
    delivered = post_alert(payload)
    context.log.info(f"failure alert {'delivered' if delivered else 'not delivered (see log)'}")
