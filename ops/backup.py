"""`mentoring backup DIR`: the embedded stack's data, copied while it runs, in an order that restores whole.

ORDER. The databases are copied first and the stream is snapshotted after. The relay marks an outbox row sent
only after JetStream acknowledged it, so every event committed before a database's copy is, in the copy, either
marked sent — then it was already in the stream, and the later snapshot has it — or unsent, and after a restore the
relay publishes it (again: the stream's duplicate window or the consumers' inboxes drop the second copy). The other
order would lose the events published between the snapshot and the copy: sent in the copied outbox, absent from
the snapshot.

Two refinements make the restored whole consistent, not just complete:
- consumers' databases are copied before producers' (reports, matching, registry): an event applied in a
  consumer's copy is then always in its producer's copy;
- an event committed after its producer's copy but published before the snapshot is in the stream with no row
  behind it. The stream's last sequence is read before the copies; every message after it whose event id none of
  the copied outboxes holds is listed in the manifest (`events_after_copy`), and the restore deletes it.

The snapshot holds no consumers: after a restore each durable consumer is created anew and reads the stream from
the first event; the inboxes restored with the databases skip what was applied, and an event applied after a
database's copy is applied again to that copy exactly once (a consumer state from the snapshot, taken later than
the copies, would have skipped it).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from nats.js.errors import NotFoundError

from ops import backup_layout as layout
from ops.nats_alone import nats_alone, store_dir
from ops.stream_snapshot import DATA_FILE, META_FILE, StreamSnapshotError, snapshot_stream
from shared.broker import connect, nats_reachable
from shared.config import Settings, load_settings

Say = Callable[[str], None]


def make_backup(directory: Path, say: Say = print) -> dict[str, Any]:
    """Back up every database, the kept files and the stream into `directory` (absent or empty)."""
    clock = time.monotonic()
    settings = load_settings()
    paths = {service: layout.database_path(layout.service_settings(service)) for service in layout.DATABASE_ORDER}
    if directory.exists() and any(directory.iterdir()):
        raise layout.BackupError(f"папка {directory} не пуста: укажите новую папку для резервной копии")
    broker: AbstractContextManager[str] = nullcontext(settings.nats_url)
    if not nats_reachable(settings.nats_url):
        if not store_dir(settings).is_dir():
            raise layout.BackupError(f"NATS {settings.nats_url} недоступен и хранилища {store_dir(settings)} нет")
        say("NATS не отвечает: запускаю встроенный nats-server только на время снимка")
        broker = nats_alone(settings)
    directory.mkdir(parents=True, exist_ok=True)
    with broker as url:
        try:
            manifest = asyncio.run(_backup(settings, url, directory, paths, say))
        except StreamSnapshotError as exc:
            raise layout.BackupError(f"снимок потока не получен ({exc}); копия в {directory} не завершена") from exc
    (directory / layout.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    say(f"Готово за {layout.seconds(time.monotonic() - clock)}: {directory / layout.MANIFEST}")
    return manifest


async def _backup(settings: Settings, url: str, directory: Path, paths: dict[str, Path], say: Say) -> dict[str, Any]:
    started, clock = datetime.now(UTC), time.monotonic()
    nc = await connect(settings, url=url, name="mentoring-backup", reconnect_forever=False)
    try:
        js = nc.jetstream()
        try:
            before_copy = (await js.stream_info(settings.stream_name)).state.last_seq
        except NotFoundError:
            raise layout.BackupError(f"потока {settings.stream_name} нет: стенд ещё ни разу не запускался") from None
        say(f"Резервная копия в {directory}")
        databases = _copy_databases(directory, paths, say)
        files = _copy_kept_files(settings.var_dir, directory)
        step = time.monotonic()
        snapshot = await snapshot_stream(nc, settings.stream_name, directory / "nats")
        copies = {entry["service"]: directory / entry["file"] for entry in databases}
        after_copy = await _events_after_copy(js, settings.stream_name, before_copy,
                                              snapshot.state["last_seq"], copies)
        consumers = [{"name": info.name, "delivered_stream_seq": info.delivered and info.delivered.stream_seq,
                      "ack_floor_stream_seq": info.ack_floor and info.ack_floor.stream_seq,
                      "num_pending": info.num_pending}
                     for info in await js.consumers_info(settings.stream_name)]
    finally:
        await nc.close()
    took = layout.seconds(time.monotonic() - step)
    say(f"  поток {settings.stream_name}: сообщений {snapshot.state['messages']}, последнее № "
        f"{snapshot.state['last_seq']}, снимок {layout.megabytes(snapshot.size)} ({took})")
    if after_copy:
        say(f"  событий без строки в копиях баз (будут удалены из потока при восстановлении): {len(after_copy)}")
    stream_files = [layout.file_entry(directory, directory / "nats" / name) for name in (DATA_FILE, META_FILE)]
    return {
        "format": layout.FORMAT, "created_at": started.isoformat(), "finished_at": datetime.now(UTC).isoformat(),
        "duration_s": round(time.monotonic() - clock, 3), "mentoring_version": version("mentoring"),
        "migrations": _migration_heads(), "databases": databases, "files": files,
        # names in the stream's events are sealed with PERSONAL_DATA_KEYS when set, else with var/'s key file (kept)
        "sealed_with_setting": bool(settings.personal_data_keys),
        "stream": {"name": settings.stream_name, "files": stream_files, "messages": snapshot.state["messages"],
                   "first_seq": snapshot.state["first_seq"], "last_seq": snapshot.state["last_seq"],
                   "last_seq_before_copy": before_copy, "events_after_copy": after_copy,
                   "consumers_at_backup": consumers},
    }


def _copy_databases(directory: Path, paths: dict[str, Path], say: Say) -> list[dict[str, Any]]:
    entries = []
    for service in layout.DATABASE_ORDER:
        source, target = paths[service], directory / "databases" / f"{service}.db"
        if not source.is_file():
            say(f"  {layout.TITLES[service]}: базы {source} нет, пропускаю")
            continue
        step = time.monotonic()
        layout.copy_database(source, target)
        entry = layout.file_entry(directory, target)
        entry.update(service=service, copied_at=datetime.now(UTC).isoformat(),
                     revision=layout.alembic_revision(target, service))
        entries.append(entry)
        took = layout.seconds(time.monotonic() - step)
        say(f"  {layout.TITLES[service]}: {layout.megabytes(entry['bytes'])} ({took})")
    return entries


def _copy_kept_files(var_dir: Path, directory: Path) -> list[dict[str, Any]]:
    entries = []
    for name in layout.KEPT_FILES:
        source = var_dir / name
        found = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for path in (p for p in found if p.is_file()):
            target = directory / "files" / path.relative_to(var_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            entries.append(layout.file_entry(directory, target))
    return entries


async def _events_after_copy(js: Any, stream: str, before_copy: int, last_seq: int,
                             copies: dict[str, Path]) -> list[int]:
    """Sequences after `before_copy` whose event no copied outbox holds: published after their producer's copy."""
    ids: dict[int, str] = {}
    for seq in range(before_copy + 1, last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except NotFoundError:
            continue
        ids[seq] = (msg.headers or {}).get("Nats-Msg-Id") or json.loads(msg.data)["id"]
    known = layout.event_ids_in_outboxes(copies, set(ids.values()))
    return [seq for seq, event_id in ids.items() if event_id not in known]


def _migration_heads() -> dict[str, list[str]]:
    """The migration heads of this version of the code, per service."""
    from alembic.script import ScriptDirectory

    from ops import migrations

    return {service: list(ScriptDirectory.from_config(migrations.alembic_config(service, "sqlite://")).get_heads())
            for service in migrations.SERVICES}
