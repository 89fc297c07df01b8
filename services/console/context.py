"""What the console's views need, built once per app: settings, the database engine, one HTTP client."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
from flask import current_app
from sqlalchemy import Engine
from sqlmodel import Session

from shared.config import Settings
from shared.db import UnitOfWork, read_session


@dataclass
class ConsoleContext:
    settings: Settings
    engine: Engine
    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def http(self) -> httpx.Client:
        """One pooled client for every call to the services (thread-safe)."""
        return httpx.Client(timeout=httpx.Timeout(30.0, connect=3.0))

    def uow(self) -> UnitOfWork:
        """A write: rolled back unless committed."""
        return UnitOfWork(self.engine)

    def read(self) -> Session:
        """A read whose rows stay usable after the session closes (no rollback expires them)."""
        return read_session(self.engine)

    @property
    def uploads(self) -> Path:
        return self.settings.var_dir / "console" / "uploads"


def console() -> ConsoleContext:
    return current_app.extensions["console"]


def secret_key(settings: Settings) -> str:
    """CONSOLE_SECRET, or the embedded default: a random key written once into var/console-secret (mode 0600)."""
    if settings.console_secret:
        return settings.console_secret
    path = settings.var_dir / "console-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".console-secret.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # the first process to get here wins; the others read its key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
