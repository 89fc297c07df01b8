"""JetStream's snapshot and restore API (ops/stream_snapshot.py) and the backup's rules, on a real nats-server."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from ops import backup_layout
from ops.backup import make_backup
from ops.backup_layout import BackupError
from ops.nats_users import embedded_accounts
from ops.restore import restore_backup
from ops.stream_snapshot import StreamSnapshotError, restore_stream, snapshot_stream
from shared.broker import connect, ensure_stream
from shared.config import Settings
from shared.events import utcnow
from tests.integration.helpers import stream_messages
from tests.servers import NatsServer, free_port


async def publish(url: str, count: int, *, first: int = 0, size: int = 3000, var_dir: Path | None = None) -> None:
    """Publish as the admin of the embedded stack in `var_dir` (its users file), or to an open broker."""
    settings = Settings(nats_url=url, **({"var_dir": var_dir} if var_dir else {}))
    nc = await connect(settings, name="test-publisher", reconnect_forever=False)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        for n in range(first, first + count):
            await js.publish(f"mentoring.test.{n % 5}", os.urandom(size), headers={"Nats-Msg-Id": f"event-{n}"})
    finally:
        await nc.close()


async def messages(url: str, var_dir: Path | None = None) -> list[tuple[int, str | None, bytes]]:
    return [(msg.seq, (msg.headers or {}).get("Nats-Msg-Id"), msg.data)
            for msg in await stream_messages(Settings(nats_url=url, **({"var_dir": var_dir} if var_dir else {})))]


def test_a_snapshot_taken_in_small_acknowledged_chunks_restores_every_message_and_no_consumer(tmp_path):
    server = NatsServer(workdir=tmp_path / "nats").start()
    try:
        asyncio.run(publish(server.url, 400))  # ~1.2 MB of incompressible data: hundreds of 4 KiB chunks

        async def round_trip() -> tuple:
            nc = await connect(Settings(nats_url=server.url), name="test", reconnect_forever=False)
            try:
                js = nc.jetstream()
                await js.add_consumer("MENTORING", durable_name="reader")
                original = await messages(server.url)
                # a window of two chunks: the server sends more only as chunks are acknowledged
                taken = await snapshot_stream(nc, "MENTORING", tmp_path / "snap", chunk_size=4096, window_size=8192)
                with pytest.raises(StreamSnapshotError, match="already in use|exist"):
                    await restore_stream(nc, tmp_path / "snap")
                await js.delete_stream("MENTORING")
                state = await restore_stream(nc, tmp_path / "snap")
                consumers = await js.consumers_info("MENTORING")
                with pytest.raises(StreamSnapshotError, match="not found"):
                    await snapshot_stream(nc, "ABSENT", tmp_path / "absent")
                return original, taken, state, consumers
            finally:
                await nc.close()

        original, taken, state, consumers = asyncio.run(round_trip())
        assert taken.chunks > 100 and taken.size == (tmp_path / "snap" / "stream.tar.s2").stat().st_size
        assert state["messages"] == 400 and state["last_seq"] == 400
        assert asyncio.run(messages(server.url)) == original
        assert consumers == []
        assert json.loads((tmp_path / "snap" / "backup.json").read_text())["config"]["name"] == "MENTORING"
    finally:
        server.stop()


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The embedded stack's settings on a fresh var/ and free ports, without PostgreSQL."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env = {"VAR_DIR": str(tmp_path / "var"), "NATS_URL": f"nats://127.0.0.1:{free_port()}"}
    env.update({f"{service.upper()}_URL": f"http://127.0.0.1:{free_port()}"
                for service in ("registry", "matching", "reports", "console")})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_an_event_published_after_its_database_was_copied_is_deleted_from_the_restored_stream(
        embedded: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ops.runtime import engine_for
    from services.registry.adapters.tables import outbox

    registry = Settings(service="registry", var_dir=embedded.var_dir)
    engine = engine_for(registry)

    def write(event_id: str, sent: bool) -> None:
        with engine.begin() as connection:
            connection.execute(insert(outbox.table).values(event_id=event_id, subject="mentoring.test.0", body=b"{}",
                                                           created_at=utcnow(), sent_at=utcnow() if sent else None))

    # the embedded broker as `mentoring up` runs it: its users, the stream in their account
    server = NatsServer(workdir=embedded.var_dir / "nats", port=int(embedded.nats_url.rsplit(":", 1)[1]),
                        accounts=embedded_accounts(embedded.var_dir))
    server.workdir.mkdir(parents=True, exist_ok=True)
    server.start()
    write("event-0", sent=True)
    write("event-1", sent=False)  # committed, not yet relayed
    asyncio.run(publish(server.url, 1, var_dir=embedded.var_dir))
    copy = backup_layout.copy_database

    def copy_then_write(source: Path, target: Path) -> None:
        copy(source, target)
        if source.name == "registry.db":  # a use case commits and its relay publishes after the copy
            write("event-2", sent=True)
            relay = threading.Thread(target=lambda: asyncio.run(publish(server.url, 1, first=2,
                                                                            var_dir=embedded.var_dir)))
            relay.start()  # the backup's event loop runs in this thread
            relay.join(10)

    monkeypatch.setattr(backup_layout, "copy_database", copy_then_write)
    said: list[str] = []
    try:
        manifest = make_backup(tmp_path / "backup", say=said.append)
        with pytest.raises(BackupError, match="стенд запущен .*NATS"):
            restore_backup(tmp_path / "backup", say=said.append)
    finally:
        server.stop()
        engine.dispose()
    assert manifest["stream"]["last_seq_before_copy"] == 1 and manifest["stream"]["events_after_copy"] == [2]
    assert [entry["service"] for entry in manifest["databases"]] == ["registry"]

    shutil.rmtree(embedded.var_dir)
    restore_backup(tmp_path / "backup", say=said.append)
    server.start()
    try:
        assert [event_id for _, event_id, _ in asyncio.run(messages(server.url, embedded.var_dir))] == ["event-0"]
    finally:
        server.stop()
    engine = engine_for(registry)
    with engine.connect() as connection:
        rows = dict(connection.execute(select(outbox.table.c.event_id, outbox.table.c.sent_at)).all())
    engine.dispose()
    assert set(rows) == {"event-0", "event-1"} and rows["event-1"] is None  # the relay will publish event-1


def test_a_damaged_or_unfinished_backup_is_refused_before_anything_is_touched(embedded: Settings, tmp_path: Path):
    from ops.runtime import engine_for

    engine_for(Settings(service="registry", var_dir=embedded.var_dir)).dispose()
    server = NatsServer(workdir=embedded.var_dir / "nats", port=int(embedded.nats_url.rsplit(":", 1)[1]))
    server.workdir.mkdir(parents=True, exist_ok=True)
    server.start()
    try:
        asyncio.run(publish(server.url, 3))
        make_backup(tmp_path / "backup", say=lambda _: None)
        with pytest.raises(BackupError, match="не пуста"):
            make_backup(tmp_path / "backup", say=lambda _: None)
    finally:
        server.stop()
    copied = tmp_path / "backup" / "databases" / "registry.db"
    copied.write_bytes(copied.read_bytes()[:-1] + b"\x01")
    before = sorted(p.name for p in embedded.var_dir.iterdir())
    with pytest.raises(BackupError, match="контрольные суммы не сходятся: databases/registry.db"):
        restore_backup(tmp_path / "backup", say=lambda _: None)
    (tmp_path / "backup" / "manifest.json").unlink()
    with pytest.raises(BackupError, match="нет manifest.json"):
        restore_backup(tmp_path / "backup", say=lambda _: None)
    assert sorted(p.name for p in embedded.var_dir.iterdir()) == before


def test_a_backup_of_a_stack_on_postgresql_is_refused_with_the_way_to_back_it_up(embedded: Settings, tmp_path,
                                                                                  monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://mentoring@127.0.0.1:5432/mentoring")
    with pytest.raises(BackupError, match="pg_dump или PITR"):
        make_backup(tmp_path / "backup", say=lambda _: None)
    assert not (tmp_path / "backup").exists()
