"""The restore drill: write through the APIs, back up while writes continue, wipe var/, restore, run again.

What "restored" means here, precisely:
- every record the APIs acknowledged before `mentoring backup` started is there, as it was written; none
  acknowledged after the backup ended is (the copy is one moment inside the backup);
- once the stack caught up (every outbox row sent, every durable consumer without pending messages):
  every event in the stream has its row in a producer's outbox (nothing published for data the restore lacks);
  each consumer's inbox holds exactly the stream's events of its subjects, each once (none lost, none twice);
  the matching read model counts what the registry holds;
- the indicators the reports API serves equal those after `mentoring reports rebuild` replays the whole stream
  into an emptied projection.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.auth import issue_token
from shared.config import Settings
from tests.integration.helpers import stream_messages
from tests.servers import REPO_ROOT, Stack

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the embedded stack's backup copies SQLite files; PostgreSQL is backed up with pg_dump")

CONSUMERS = {  # durable → (the database holding its inbox, the subjects it reads)
    "reports-projection": ("reports", ("mentoring.organization.", "mentoring.mentor.", "mentoring.mentee.",
                                       "mentoring.pair.")),
    "matching-read-model": ("matching", ("mentoring.organization.", "mentoring.mentor.", "mentoring.mentee.",
                                         "mentoring.registry.checkpoint")),
    "registry-checkpoints": ("registry", ("mentoring.run.requested",)),
    "matching-worker": ("matching", ("mentoring.run.requested",)),
}


def mentoring(stack: Stack, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops.cli", *args], env=stack.env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def api(stack: Stack, service: str) -> httpx.Client:
    token = issue_token(Settings(), "admin", subject="backup-drill")
    return httpx.Client(base_url=stack.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=30)


class Writer(threading.Thread):
    """Keeps creating organizations, mentors, mentees and pairs; records each acknowledged one with its time."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True, name="drill-writer")
        self.stack = stack
        self.stop = threading.Event()
        self.acked: list[tuple[float, str, str, str]] = []  # (monotonic time of the answer, kind, id, name)
        self.error: BaseException | None = None

    def record(self, kind: str, answer: httpx.Response, name: str) -> dict[str, Any]:
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        self.acked.append((time.monotonic(), kind, body["id"], name))
        return body

    def run(self) -> None:
        try:
            self.write()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def write(self) -> None:
        with api(self.stack, "registry") as registry, api(self.stack, "matching") as matching:
            waiting: list[str] = []
            org: dict[str, Any] = {}
            step = 0
            while not self.stop.is_set():
                if step % 8 == 0:
                    name = f"Школа учений № {step}"
                    org = self.record("organizations", registry.post("/api/v1/organizations", json={
                        "name": name, "municipality": "Белоярский район", "teachers": 30,
                        "young_specialists": 3}), name)
                for plural, fields in (("mentors", {"subjects": ["math"], "stages": ["basic"], "capacity": 2}),
                                       ("mentees", {"subject": "math", "stage": "basic"})):
                    name = f"Учитель {plural} {step} Иванович"
                    person = self.record(plural, registry.post(f"/api/v1/{plural}", json={
                        "organization_id": org["id"], "full_name": name, **fields}), name)
                    if plural == "mentees":
                        waiting.append(person["id"])
                if len(waiting) > 4:
                    self.pair(matching, waiting.pop(0))
                step += 1

    def pair(self, matching: httpx.Client, mentee_id: str) -> None:
        offered = matching.get(f"/api/v1/mentees/{mentee_id}/suggestions").json().get("items", [])
        if offered:
            answer = matching.post("/api/v1/pairs", json={"mentor_id": offered[0]["mentor_id"],
                                                          "mentee_id": mentee_id})
            if answer.status_code == 201:
                self.record("pairs", answer, mentee_id)


def wait_until(check: Any, timeout_s: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout_s:.0f} s: {what}")
        time.sleep(0.2)


def rows(var: Path, service: str, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{var / f'{service}.db'}?mode=ro", uri=True, timeout=30) as connection:
        return connection.execute(sql).fetchall()


async def stream_and_consumers(stack: Stack) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """(event id, subject) of every message in stream order, and each durable consumer's pending count."""
    from shared.broker import connect

    messages = [(msg.headers["Nats-Msg-Id"], msg.subject) for msg in await stream_messages(stack.nats_settings())]
    nc = await connect(stack.nats_settings(), name="drill", reconnect_forever=False)
    try:
        consumers = await nc.jetstream().consumers_info("MENTORING")
        return messages, {c.name: c.num_pending + c.num_ack_pending for c in consumers}
    finally:
        await nc.close()


def caught_up(stack: Stack, var: Path) -> bool:
    unsent = sum(rows(var, service, f"SELECT count(*) FROM {service}_outbox WHERE sent_at IS NULL")[0][0]
                 for service in ("registry", "matching"))
    _, pending = asyncio.run(stream_and_consumers(stack))
    return unsent == 0 and set(CONSUMERS) <= set(pending) and not any(pending.values())


def indicators(stack: Stack) -> list[dict]:
    with api(stack, "reports") as reports:
        answer = reports.get("/api/v1/indicators", params={"scope": "region:default"})
    assert answer.status_code == 200, answer.text
    return [{k: v for k, v in item.items() if k != "as_of"} for item in answer.json()["indicators"]]


def test_a_backup_taken_under_writes_restores_every_acknowledged_record_once_and_the_same_indicators(tmp_path):
    workdir, folder = tmp_path / "stack", tmp_path / "backup"
    var = workdir / "var"
    stack = Stack(workdir=workdir).start()
    writer = Writer(stack)
    try:
        stack.wait_ready()
        assert mentoring(stack, "user", "add", "--email", "drill@example.ru", "--role", "admin",
                         "--password", "Учения-2026-надёжно").returncode == 0
        writer.start()
        wait_until(lambda: sum(kind == "pairs" for _, kind, _, _ in writer.acked) >= 3 or writer.error, 60,
                   "three pairs written")
        refused = mentoring(stack, "restore", str(folder))
        assert refused.returncode == 2 and "нет manifest.json" in refused.stderr
        backup_started = time.monotonic()
        made = mentoring(stack, "backup", str(folder))
        backup_ended = time.monotonic()
        assert made.returncode == 0, made.stdout + made.stderr
        time.sleep(0.5)
        writer.stop.set()
        writer.join(30)
        assert writer.error is None, writer.error
        refused = mentoring(stack, "restore", str(folder))
        assert refused.returncode == 2 and "стенд запущен" in refused.stderr, refused.stderr
    finally:
        writer.stop.set()
        stack.stop()
    before = [record for record in writer.acked if record[0] < backup_started]
    after = [record for record in writer.acked if record[0] > backup_ended]
    assert before and after, "the writes must go on before and after the backup"
    key = (var / "personal-data-key").read_bytes()  # the names in the stream's events are sealed with it
    shutil.rmtree(var)
    keyless = tmp_path / "keyless"
    shutil.copytree(folder, keyless)
    manifest = json.loads((keyless / "manifest.json").read_text())
    manifest["files"] = [entry for entry in manifest["files"] if entry["file"] != "files/personal-data-key"]
    manifest["sealed_with_setting"] = True  # as a stack sealing with PERSONAL_DATA_KEYS writes it, restored without
    (keyless / "manifest.json").write_text(json.dumps(manifest))
    refused = mentoring(stack, "restore", str(keyless))
    assert refused.returncode == 2 and "PERSONAL_DATA_KEYS, а он не задан" in refused.stderr, refused.stderr
    assert not var.exists(), "refused before anything moved"
    restored = mentoring(stack, "restore", str(folder))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Готово" in restored.stdout
    assert (var / "personal-data-key").read_bytes() == key and (var / "personal-data-key").stat().st_mode & 0o077 == 0

    again = Stack(workdir=workdir).start()
    try:
        again.wait_ready()
        with api(again, "registry") as registry, api(again, "matching") as matching:
            for _, kind, record_id, name in before:
                client = matching if kind == "pairs" else registry
                found = client.get(f"/api/v1/{kind}/{record_id}")
                assert found.status_code == 200, (kind, record_id, found.text)
                assert found.json()["mentee_id" if kind == "pairs" else "full_name" if kind != "organizations"
                                    else "name"] == name
            for _, kind, record_id, _ in after:
                client = matching if kind == "pairs" else registry
                assert client.get(f"/api/v1/{kind}/{record_id}").status_code == 404, (kind, record_id)
            wait_until(lambda: caught_up(again, var), 60, "outboxes sent and consumers without pending events")
            messages, _ = asyncio.run(stream_and_consumers(again))
            outboxes = {row[0] for service in ("registry", "matching")
                        for row in rows(var, service, f"SELECT event_id FROM {service}_outbox")}
            assert {event_id for event_id, _ in messages} == outboxes
            for durable, (service, subjects) in CONSUMERS.items():
                inbox = [row[0] for row in rows(var, service, f"SELECT event_id FROM {service}_inbox "
                                                              f"WHERE consumer = '{durable}'")]
                assert len(inbox) == len(set(inbox))
                assert set(inbox) == {event_id for event_id, subject in messages if subject.startswith(subjects)}
            status = matching.get("/api/v1/status").json()
            for plural in ("mentors", "mentees"):
                total = registry.get(f"/api/v1/{plural}", params={"limit": 1}).json()["total"]
                assert status[plural] == total, (plural, status, total)
        served = indicators(again)
        rebuilt = mentoring(again, "reports", "rebuild")
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert indicators(again) == served
        assert any(item["value"] for item in served)
        accounts = rows(var, "console", "SELECT email FROM console_account")
        assert ("drill@example.ru",) in accounts
    finally:
        again.stop()
