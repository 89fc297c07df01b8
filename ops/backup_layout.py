"""What a backup of the embedded stack holds and how it is laid out, checked and copied.

    DIR/manifest.json            written last: a folder without it is not a finished backup
    DIR/databases/<service>.db   an online copy of each service's SQLite file (one file, no -wal)
    DIR/files/...                the small files of var/ that are data too (console secret, demo marker, ...)
    DIR/nats/stream.tar.s2       the MENTORING stream's snapshot, and nats/backup.json its config and state
                                 (the layout of `nats stream backup`)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from shared.config import Settings, load_settings

MANIFEST = "manifest.json"
FORMAT = 1
# Consumers before producers: an event applied in a consumer's copy was committed before that copy was taken, so
# it is in the producer's copy taken after it (reports consumes both; matching consumes the registry's events).
# Reports' own events (the monitoring submissions) are consumed by no service, so it can still go first.
DATABASE_ORDER = ("reports", "matching", "registry", "console")
PRODUCERS = ("registry", "matching", "reports")  # the services with an outbox: every event of the stream comes from one
# personal-data-key: the key the stream's names are sealed with (shared/sealing.py); without it they never open.
KEPT_FILES = ("console-secret", "personal-data-key", "console-admin.json", "demo-loaded.json", "console/run-marks",
              "nats/users.json")
TITLES = {"registry": "реестр", "matching": "подбор", "reports": "показатели", "console": "консоль"}


class BackupError(Exception):
    """A backup or a restore refused or failed; the message is for the operator (Russian)."""


def service_settings(service: str) -> Settings:
    return load_settings(service)  # type: ignore[arg-type]


def database_path(settings: Settings) -> Path:
    """The service's SQLite file; PostgreSQL is backed up with its own tools (deploy/README.md)."""
    if not settings.is_sqlite:
        raise BackupError(f"{TITLES[settings.service]}: база PostgreSQL — резервируйте её pg_dump или PITR "
                          "(см. deploy/README.md, раздел «Резервное копирование»)")
    return Path(settings.resolved_database_url().removeprefix("sqlite:///"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def file_entry(root: Path, path: Path) -> dict[str, Any]:
    return {"file": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "sha256": sha256_of(path)}


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: one step, so the copy is one consistent moment even while services write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        copy.close()
        origin.close()
    if verdict != "ok":
        raise BackupError(f"копия {source.name} повреждена: {verdict}")


def alembic_revision(path: Path, service: str) -> str | None:
    """The migration the database is at (None: an embedded database Alembic has not stamped yet)."""
    with sqlite3.connect(path) as connection:
        try:
            row = connection.execute(f"SELECT version_num FROM alembic_version_{service}").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def event_ids_in_outboxes(copies: dict[str, Path], candidates: set[str]) -> set[str]:
    """Which of `candidates` the copied outboxes hold (sent or not)."""
    found: set[str] = set()
    wanted = sorted(candidates)
    for service in PRODUCERS:
        if service not in copies:
            continue
        with sqlite3.connect(copies[service]) as connection:
            for start in range(0, len(wanted), 500):
                part = wanted[start:start + 500]
                marks = ",".join("?" * len(part))
                found.update(row[0] for row in connection.execute(
                    f"SELECT event_id FROM {service}_outbox WHERE event_id IN ({marks})", part))
    return found


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"в {directory} нет {MANIFEST}: это не резервная копия или она не завершена")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"неизвестный формат резервной копии: {manifest.get('format')}")
    return manifest


def damaged_files(directory: Path, manifest: dict[str, Any]) -> list[str]:
    """Files of the manifest that are missing or whose checksum differs."""
    entries = [*manifest["databases"], *manifest["files"], *manifest["stream"]["files"]]
    damaged = []
    for entry in entries:
        path = directory / entry["file"]
        if not path.is_file() or path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            damaged.append(entry["file"])
    return damaged


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} МБ".replace(".", ",")


def seconds(duration: float) -> str:
    return f"{duration:.2f} с".replace(".", ",")
