"""Benchmark: `mentoring backup` and `mentoring restore` of a demo-sized embedded stack (`mentoring up --demo`).

python -m tests.bench.bench_backup [--run] [--mentors 10000] [--out var/bench/backup.json]
python -m tests.bench.bench_backup --stream-events 100000     # the stream snapshot and restore alone

Starts the stack with the demo region (optionally one bulk matching run of the region and a bank of generated
mentors, tests/bench/bench_import.py's file, imported on top), waits until every
event is relayed and consumed, backs up while it runs, stops it, wipes var/, restores, starts it again and waits
until the consumers have read the stream again. Prints and writes the times and sizes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from shared.auth import issue_token
from shared.config import Settings
from tests.servers import REPO_ROOT, Stack


def unsent(var: Path) -> int:
    total = 0
    for service in ("registry", "matching"):
        with sqlite3.connect(f"file:{var / f'{service}.db'}?mode=ro", uri=True, timeout=30) as connection:
            total += connection.execute(f"SELECT count(*) FROM {service}_outbox WHERE sent_at IS NULL").fetchone()[0]
    return total


def projected(var: Path) -> int:
    with sqlite3.connect(f"file:{var / 'reports.db'}?mode=ro", uri=True, timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM reports_inbox").fetchone()[0]


def settle(var: Path, timeout_s: float = 300) -> None:
    """Wait until nothing is left to relay and the projection's inbox stops growing."""
    deadline, last = time.monotonic() + timeout_s, -1
    while time.monotonic() < deadline:
        current = projected(var) if (var / "reports.db").exists() else -1
        if (var / "demo-loaded.json").exists() and unsent(var) == 0 and current == last:
            return
        last = current
        time.sleep(1.0)
    raise TimeoutError("the stack did not settle")


def mentoring(stack: Stack, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ops.cli", *args], env=stack.env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    return time.monotonic() - started, done


def bulk_run(stack: Stack) -> None:
    token = issue_token(Settings(), "admin", subject="bench")
    with httpx.Client(base_url=stack.url("matching"), headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as matching:
        run = matching.post("/api/v1/runs", json={"scope": "region:default"}).raise_for_status().json()
        while matching.get(f"/api/v1/runs/{run['id']}").json()["status"] not in ("succeeded", "failed"):
            time.sleep(0.5)


def import_mentors(stack: Stack, rows: int) -> None:
    from tests.bench.bench_import import mentor_file

    token = issue_token(Settings(), "admin", subject="bench")
    with httpx.Client(base_url=stack.url("registry"), headers={"Authorization": f"Bearer {token}"},
                      timeout=600) as registry:
        registry.post("/api/v1/imports", params={"kind": "mentors", "on_error": "skip"},
                      files={"file": ("mentors.xlsx", mentor_file(rows))}).raise_for_status()


def measure(workdir: Path, with_run: bool, mentors: int = 0) -> dict[str, Any]:
    var, folder = workdir / "var", workdir / "backup"
    stack = Stack(workdir=workdir, demo=True).start()
    try:
        stack.wait_ready(timeout_s=120)
        settle(var)
        if mentors:
            import_mentors(stack, mentors)
            settle(var)
        if with_run:
            bulk_run(stack)
            settle(var)
        backup_s, made = mentoring(stack, "backup", str(folder))
    finally:
        stack.stop()
    manifest = json.loads((folder / "manifest.json").read_text())
    shutil.rmtree(var)
    restore_s, restored = mentoring(stack, "restore", str(folder))
    again = Stack(workdir=workdir, demo=True).start()
    try:
        started = time.monotonic()
        again.wait_ready(timeout_s=120)
        ready_s = time.monotonic() - started
        settle(var)
        caught_up_s = time.monotonic() - started
    finally:
        again.stop()
    return {
        "backup_s": round(backup_s, 2), "restore_s": round(restore_s, 2),
        "restart_ready_s": round(ready_s, 2), "restart_caught_up_s": round(caught_up_s, 2),
        "databases": {e["service"]: e["bytes"] for e in manifest["databases"]},
        "stream_messages": manifest["stream"]["messages"],
        "stream_snapshot_bytes": sum(e["bytes"] for e in manifest["stream"]["files"]),
        "backup_bytes": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
        "backup_output": made.stdout, "restore_output": restored.stdout,
    }


async def fill_and_snapshot(settings: Settings, folder: Path, events: int) -> dict[str, Any]:
    import asyncio
    import os

    from ops.stream_snapshot import snapshot_stream
    from shared.broker import connect, ensure_stream

    nc = await connect(settings, name="bench", reconnect_forever=False)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        sealed = "gAAAAA" + "x" * 350  # a name of 100 letters sealed (shared/sealing.py) is about this long
        body = json.dumps({"type": "mentoring.mentor.registered", "data": {"full_name_sealed": sealed}}).encode()
        acks = []
        for n in range(events):
            acks.append(await js.publish_async("mentoring.mentor.registered", body + os.urandom(16).hex().encode(),
                                               headers={"Nats-Msg-Id": f"event-{n}"}))
            if len(acks) >= 2000:
                await asyncio.gather(*acks)
                acks = []
        await asyncio.gather(*acks)
        stream_bytes = (await js.stream_info("MENTORING")).state.bytes
        started = time.monotonic()
        taken = await snapshot_stream(nc, "MENTORING", folder)
        return {"stream_bytes": stream_bytes, "snapshot_bytes": taken.size,
                "snapshot_s": round(time.monotonic() - started, 2)}
    finally:
        await nc.close()


async def restore_alone(settings: Settings, folder: Path) -> dict[str, Any]:
    from ops.stream_snapshot import restore_stream
    from shared.broker import connect

    nc = await connect(settings, name="bench", reconnect_forever=False)
    try:
        started = time.monotonic()
        state = await restore_stream(nc, folder)
        return {"restored_messages": state["messages"], "restore_s": round(time.monotonic() - started, 2)}
    finally:
        await nc.close()


def measure_stream(workdir: Path, events: int) -> dict[str, Any]:
    """Snapshot a stream of `events` events on the embedded server, then restore it as `mentoring restore` does."""
    import asyncio

    from ops.nats_alone import nats_alone, store_dir
    from tests.servers import free_port

    settings = Settings(var_dir=workdir / "var", nats_url=f"nats://127.0.0.1:{free_port()}")
    with nats_alone(settings) as url:
        alone = settings.model_copy(update={"nats_url": url})
        result = {"events": events, **asyncio.run(fill_and_snapshot(alone, workdir / "snap", events))}
    shutil.rmtree(store_dir(settings))
    with nats_alone(settings, fsync_every_write=False) as url:
        result.update(asyncio.run(restore_alone(settings.model_copy(update={"nats_url": url}), workdir / "snap")))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", action="store_true", help="one bulk matching run of the region before the backup")
    parser.add_argument("--mentors", type=int, default=0, help="generated mentors to import first")
    parser.add_argument("--stream-events", type=int, default=0, help="measure the stream snapshot module alone")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as workdir:
        if args.stream_events:
            result = measure_stream(Path(workdir), args.stream_events)
        else:
            result = measure(Path(workdir), args.run, args.mentors)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
