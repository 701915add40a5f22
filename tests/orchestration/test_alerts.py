"""A failed run triggers the failure sensor; the alert reaches a webhook on 127.0.0.1; a dead webhook
never crashes the sensor."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import dagster as dg
import pytest

from orchestration.defs.alerts import run_failure_alert


@dg.asset(name="exploding_table")
def exploding_table() -> None:
    raise RuntimeError("warehouse is on fire")


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()


def _failed_run_context(instance: dg.DagsterInstance) -> dg.RunFailureSensorContext:
    job = dg.define_asset_job("exploding", selection=[exploding_table])
    definitions = dg.Definitions(assets=[exploding_table], jobs=[job])
    result = definitions.resolve_job_def("exploding").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    run = instance.get_run_by_id(result.run_id)
    return dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert", dagster_event=failure, dagster_instance=instance, dagster_run=run
    ).for_run_failure()


def test_failed_run_posts_job_run_step_and_error(receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    url, received = receiver
    monkeypatch.setenv("ONEFUNNEL_ALERT_WEBHOOK_URL", url)
    with dg.instance_for_test() as instance:
        context = _failed_run_context(instance)
        run_failure_alert(context)
    assert len(received) == 1
    alert = received[0]
    assert alert["job"] == "exploding"
    assert alert["run_id"] == context.dagster_run.run_id
    assert alert["failing_step"] == "exploding_table"
    assert "warehouse is on fire" in alert["error"]


def test_unreachable_webhook_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ONEFUNNEL_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook")
    monkeypatch.setenv("ONEFUNNEL_ALERT_TIMEOUT_SECONDS", "1")
    with dg.instance_for_test() as instance:
        run_failure_alert(_failed_run_context(instance))  # does not raise
    assert "alert to http://127.0.0.1" in caplog.text


def test_without_webhook_the_alert_is_only_logged(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.delenv("ONEFUNNEL_ALERT_WEBHOOK_URL", raising=False)
    with dg.instance_for_test() as instance:
        run_failure_alert(_failed_run_context(instance))
    assert "no ONEFUNNEL_ALERT_WEBHOOK_URL" in caplog.text
