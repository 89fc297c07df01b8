"""`mentoring restore DIR`: put a backup back while the stack is stopped; `mentoring up` then resumes from it.

Nothing is overwritten before the whole backup checked out (every checksum, known migrations), and nothing of the
current var/ is deleted: it moves to var/before-restore-<time>/. The stream is restored into an empty store by
the embedded nats-server started alone; the events the manifest lists as published after their database's copy
are deleted from it (see ops/backup.py), and the consumers, absent from the snapshot, read the stream again from
the first event when the stack starts.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ops import backup_layout as layout
from ops.backup import Say
from ops.nats_alone import nats_alone, store_dir
from ops.stream_snapshot import StreamSnapshotError, restore_stream
from shared.broker import connect
from shared.config import DEFAULT_PORTS, Settings, load_settings
from shared.outbox import SingleRelayLock


def restore_backup(directory: Path, say: Say = print) -> dict[str, Any]:
    """Check the backup, move the current data aside, put the backup's databases, files and stream in place."""
    clock = time.monotonic()
    settings = load_settings()
    manifest = layout.read_manifest(directory)
    say(f"Проверка резервной копии {directory} (сделана {manifest['created_at']}): контрольные суммы, миграции")
    paths = {service: layout.database_path(layout.service_settings(service)) for service in layout.DATABASE_ORDER}
    if damaged := layout.damaged_files(directory, manifest):
        raise layout.BackupError(f"резервная копия повреждена, контрольные суммы не сходятся: {', '.join(damaged)}")
    _check_migrations_known(manifest)
    _check_sealing_key(settings, manifest)
    if running := running_parts(settings, paths):
        raise layout.BackupError(f"стенд запущен ({', '.join(running)}): остановите «mentoring up» (Ctrl-C) "
                                 "и повторите восстановление")
    say("Восстановление:")
    aside = _move_current_aside(settings, paths)
    if aside:
        say(f"  прежние данные перенесены в {aside}")
    for entry in manifest["databases"]:
        target = paths[entry["service"]]
        _put_file(directory / entry["file"], target)
        say(f"  {layout.TITLES[entry['service']]}: {layout.megabytes(entry['bytes'])}")
    for entry in manifest["files"]:
        _put_file(directory / entry["file"], settings.var_dir / Path(entry["file"]).relative_to("files"))
    step = time.monotonic()
    with nats_alone(settings, fsync_every_write=False) as url:
        try:
            state = asyncio.run(_restore_stream(settings, url, directory / "nats", manifest["stream"]))
        except StreamSnapshotError as exc:
            raise layout.BackupError(f"поток не восстановлен ({exc}); базы уже на месте, прежние данные — в "
                                     f"{aside}; повторите восстановление") from exc
    say(f"  поток {manifest['stream']['name']}: сообщений {state['messages']}, последнее № {state['last_seq']} "
        f"({layout.seconds(time.monotonic() - step)})")
    say(f"Готово за {layout.seconds(time.monotonic() - clock)}. Запустите «mentoring up»: потребители перечитают "
        "поток с начала, уже применённые события отбросят их входящие.")
    return state


async def _restore_stream(settings: Settings, url: str, folder: Path, stream: dict[str, Any]) -> dict[str, Any]:
    nc = await connect(settings, url=url, name="mentoring-restore", reconnect_forever=False)
    try:
        state = await restore_stream(nc, folder)
        if state["last_seq"] != stream["last_seq"] or state["messages"] != stream["messages"]:
            raise layout.BackupError(f"поток восстановлен не полностью: {state}, ожидалось {stream}")
        js = nc.jetstream()
        for seq in stream["events_after_copy"]:
            await js.delete_msg(stream["name"], seq)
        info = await js.stream_info(stream["name"])
    finally:
        await nc.close()
    return {"messages": info.state.messages, "last_seq": info.state.last_seq}


def running_parts(settings: Settings, paths: dict[str, Path]) -> list[str]:
    """What of the stack answers or holds its files: its ports, the relays' locks."""
    running = []
    for service in ("registry", "matching", "reports", "console"):
        port = urlparse(getattr(settings, f"{service}_url")).port or DEFAULT_PORTS[service]
        if _listening(port):
            running.append(f"{layout.TITLES[service]} на порту {port}")
    nats_port = urlparse(settings.nats_url).port or 4223
    if _listening(nats_port):
        running.append(f"NATS на порту {nats_port}")
    for service in layout.PRODUCERS:
        lock = SingleRelayLock(Path(f"{paths[service]}.relay.lock"))
        try:
            lock.acquire()
        except RuntimeError:
            running.append(f"ретранслятор «{layout.TITLES[service]}»")
        else:
            lock.release()
    return running


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _check_migrations_known(manifest: dict[str, Any]) -> None:
    """A database from a newer version of the program cannot be run by this one."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from ops import migrations

    for entry in manifest["databases"]:
        if entry["revision"] is None:
            continue
        scripts = ScriptDirectory.from_config(migrations.alembic_config(entry["service"], "sqlite://"))
        try:
            scripts.get_revision(entry["revision"])
        except CommandError:
            raise layout.BackupError(
                f"{layout.TITLES[entry['service']]}: миграция {entry['revision']} неизвестна этой версии программы "
                f"(копия сделана версией {manifest['mentoring_version']}); обновите программу") from None


def _check_sealing_key(settings: Settings, manifest: dict[str, Any]) -> None:
    """The names in the stream's events are sealed with the stack's key (shared/sealing.py): PERSONAL_DATA_KEYS when
    the backed-up stack had it, else its key file, which the backup keeps (none there: nothing was ever sealed). A
    stream restored without its key would have matching terminate every person's event, so that is refused."""
    if manifest.get("sealed_with_setting") and not settings.personal_data_keys and manifest["stream"]["messages"]:
        raise layout.BackupError("ФИО в событиях потока запечатаны ключом из PERSONAL_DATA_KEYS, а он не задан: подбор "
                                 "не прочтёт ни одного события о людях. Задайте PERSONAL_DATA_KEYS с ключом стенда, "
                                 "где сделана копия, и повторите восстановление")


def _move_current_aside(settings: Settings, paths: dict[str, Path]) -> Path | None:
    var_dir = settings.var_dir.resolve()
    aside = var_dir / f"before-restore-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    current = [p for path in paths.values() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))]
    current += [var_dir / name for name in layout.KEPT_FILES] + [store_dir(settings).resolve()]
    moved = False
    for path in (p for p in current if p.exists()):
        target = aside / path.relative_to(var_dir) if path.is_relative_to(var_dir) else aside / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved = True
    return aside if moved else None


def _put_file(source: Path, target: Path) -> None:
    """Copy, flush to disk, then rename into place: a crash leaves the old file or the new one, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.restoring")
    shutil.copy2(source, draft)  # with its mode: the secrets (NATS users, console secret) stay 0600
    with draft.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(draft, target)
