"""What an e2e run left in the stream, read as an outsider would: no personal data in the clear, and an
integrator's consumer (docs/examples/integrator_consumer.py) reads every public event once."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from shared.auth import issue_token
from shared.config import Settings
from shared.event_catalog import INTERNAL_TYPES
from shared.nats_auth import embedded_passwords
from tests.integration.helpers import stream_messages

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "integrator_consumer.py"
PEOPLE = {"mentors": ("full_name", "email", "page_url", "phone"), "mentees": ("full_name", "email", "phone"),
          "organizations": ("curator_name", "head_name", "mentoring_page_url")}


def stored_messages(stack: Any) -> list[Any]:
    """The stream's messages, read in a thread of their own: a browser test's thread already runs Playwright's
    event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, stream_messages(stack.nats_settings())).result()


def registry_records(stack: Any, kind: str) -> list[dict[str, Any]]:
    """Every record of a kind, withdrawn ones too, read page by page through the registry's API as the admin."""
    token = issue_token(Settings(), "admin", subject="stream-check")
    records, cursor = [], None
    with httpx.Client(base_url=stack.url("registry"), headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        while True:
            params: dict[str, Any] = {"limit": 500, "status": "all", **({"cursor": cursor} if cursor else {})}
            page = client.get(f"/api/v1/{kind}", params=params).raise_for_status().json()
            records += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return records


def personal_values(stack: Any) -> set[str]:
    """The names, e-mails, phones and pages the registry holds: none may appear in any event."""
    found = set()
    for kind, fields in PEOPLE.items():
        for record in registry_records(stack, kind):
            found |= {str(record[f]).strip() for f in fields if record.get(f) and len(str(record[f]).strip()) > 3}
    return found


def assert_no_personal_data_in_the_stream(stack: Any) -> int:
    """Every message in the stream, raw bytes and decoded text, against every name, e-mail, phone and page; returns
    how many messages were read."""
    values = personal_values(stack)
    assert len(values) > 10, "the run registered nobody: nothing to look for"
    messages = stored_messages(stack)
    assert messages, "the run published no event"
    for msg in messages:
        text = json.dumps(json.loads(msg.data), ensure_ascii=False)
        leaked = sorted(value for value in values if value in text or value.encode() in msg.data)
        assert not leaked, f"{msg.subject} (seq {msg.seq}) carries {leaked[:3]}"
    return len(messages)


def public_event_ids(stack: Any) -> set[str]:
    messages = stored_messages(stack)
    return {json.loads(msg.data)["id"] for msg in messages if msg.subject not in INTERNAL_TYPES}


def run_integrator(stack: Any, store: Path, *extra: str) -> tuple[list[dict[str, Any]], str]:
    """The guide's example consumer as a separate process with the integrator's credentials; stops when idle."""
    user, password = "integrator", embedded_passwords(stack.workdir / "var")["integrator"]
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--nats", stack.env["NATS_URL"], "--user", user, "--password", password,
         "--asyncapi", f"{stack.url('registry')}/asyncapi.yaml", "--store", str(store),
         "--idle-exit", "3", *extra], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()], done.stderr


def assert_an_integrator_reads_every_public_event_once(stack: Any, workdir: Path) -> int:
    """The example consumer reads each public event of the run exactly once; run again, its durable consumers
    find nothing new; a replay from a date (its consumers made anew) into an empty store reads them all again."""
    first, _ = run_integrator(stack, workdir / "integrator.db")
    expected = public_event_ids(stack)  # read after it: it stops only once no new event came for 3 s
    assert [e["id"] for e in first if e["type"] in INTERNAL_TYPES] == []
    assert sorted(e["id"] for e in first) == sorted(expected)
    again, report = run_integrator(stack, workdir / "integrator.db")
    assert again == [] and "применено 0" in report
    replayed, _ = run_integrator(stack, workdir / "replay.db", "--since", "2000-01-01")
    assert {e["id"] for e in replayed} == expected
    return len(expected)
