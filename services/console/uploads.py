"""Spreadsheets kept between the dry run and the load: under var/, keyed by a random id, bound to the account."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

KEEP_S = 24 * 3600
IDENT = re.compile(r"^[A-Za-z0-9_-]{20,40}$")


@dataclass(frozen=True)
class Upload:
    ident: str
    kind: str
    filename: str
    account_id: str
    content: bytes


class UploadStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, ident: str) -> tuple[Path, Path]:
        return self.directory / f"{ident}.bin", self.directory / f"{ident}.json"

    def save(self, kind: str, filename: str, account_id: str, content: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sweep()
        ident = secrets.token_urlsafe(18)
        data, meta = self._paths(ident)
        data.write_bytes(content)
        meta.write_text(json.dumps({"kind": kind, "filename": filename, "account_id": account_id,
                                    "saved": time.time()}, ensure_ascii=False))
        return ident

    def load(self, ident: str, account_id: str) -> Upload | None:
        """The upload if it exists, is recent and belongs to this account."""
        if not IDENT.fullmatch(ident):
            return None
        data, meta = self._paths(ident)
        try:
            info = json.loads(meta.read_text())
            content = data.read_bytes()
        except (OSError, ValueError):
            return None
        if info.get("account_id") != account_id or time.time() - info.get("saved", 0) > KEEP_S:
            return None
        return Upload(ident, info["kind"], info["filename"], account_id, content)

    def drop(self, ident: str) -> None:
        if IDENT.fullmatch(ident):
            for path in self._paths(ident):
                path.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Forget uploads older than a day (never loaded nor cancelled)."""
        cutoff = time.time() - KEEP_S
        for path in self.directory.glob("*.*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
