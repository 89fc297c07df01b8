"""`mentoring up` starts every process of the embedded stack and Ctrl-C stops them all."""

from __future__ import annotations

import socket

import httpx

from ops.supervisor import process_table
from shared.config import Settings


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_every_process_starts_answers_ready_and_stops_on_ctrl_c(stack):
    for service in ("registry", "matching", "reports"):
        response = httpx.get(f"{stack.url(service)}/readyz", timeout=5)
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": True, "nats": True}
    log = stack.log()
    for name in process_table(Settings()):
        assert f"{name} started" in log, f"{name} did not start:\n{log[-2000:]}"
    assert "Токен администратора" in log
    stack.stop()
    assert not any(port_open(port) for port in stack.ports.values())


def test_the_cli_imports_a_file_into_the_running_registry_and_prints_the_report(stack, tmp_path):
    import subprocess
    import sys

    from tests.conftest import TEST_DATA

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ops.cli", "import", str(TEST_DATA / "mentors.xlsx"),
                               "--kind", "mentors", *extra], env=stack.env, capture_output=True, text=True,
                              timeout=120)

    refused = run()
    assert refused.returncode == 1
    assert "строка 21" in refused.stdout and "ничего не записано" in refused.stdout
    imported = run("--on-error", "skip")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "создано: 57" in imported.stdout
    again = run("--on-error", "skip")
    assert "без изменений: 57" in again.stdout
    assert_published_events_match_their_schemas(stack, expected_mentors=57)


def assert_published_events_match_their_schemas(stack, expected_mentors: int) -> None:
    """What integrators receive on NATS: every message valid against the catalog's JSON Schema, no contacts."""
    import asyncio
    import json
    import time

    import jsonschema

    from shared.event_catalog import SCHEMA_DIR
    from tests.integration.helpers import stream_events

    settings = stack.nats_settings()
    deadline = time.monotonic() + 30
    while True:
        events = asyncio.run(stream_events(settings))
        registered = [e for e in events if e["type"] == "mentoring.mentor.registered"]
        if len(registered) >= expected_mentors or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert len(registered) == expected_mentors
    assert len({e["id"] for e in events}) == len(events)
    for event in events:
        schema = json.loads((SCHEMA_DIR / f"{event['type']}.json").read_text())
        jsonschema.validate(event["data"], schema)
        assert "email" not in event["data"] and "page_url" not in event["data"]
