"""The embedded nats-server started alone, on the stack's port and store, while the rest of the stack is stopped."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from ops.backup_layout import BackupError
from ops.nats_users import embedded_accounts, write_private
from ops.natsserver import nats_server_binary, render_config
from shared.broker import nats_reachable
from shared.config import Settings

EMBEDDED_PORT = 4223


def store_dir(settings: Settings) -> Path:
    """Where `mentoring nats` keeps JetStream's files."""
    return settings.var_dir / "nats" / "store"


@contextmanager
def nats_alone(settings: Settings, *, fsync_every_write: bool = True, timeout_s: float = 15.0) -> Iterator[str]:
    """Run the embedded server (the same name, port and store as `mentoring nats`) until the block ends.

    `fsync_every_write=False` is for a restore: it writes every message of the stream, and with an fsync for each
    a region's stream takes minutes and trips the server's 5-second guard against a stalled restore. The server
    flushes its files when it stops at the end of the block; a restore cut short is simply run again."""
    port = urlparse(settings.nats_url).port or EMBEDDED_PORT
    url = f"nats://127.0.0.1:{port}"
    text = render_config(port=port, store_dir=store_dir(settings), server_name="mentoring-embedded",
                         accounts=embedded_accounts(settings.var_dir))
    if not fsync_every_write:
        text, replaced = re.subn(r"^\s*sync_interval:\s*always\s*$", "  sync_interval: 2m", text, flags=re.MULTILINE)
        if replaced != 1:
            raise RuntimeError("the embedded configuration no longer sets `sync_interval: always`")
    config = settings.var_dir / "nats" / "alone.conf"
    write_private(config, text)
    with (settings.var_dir / "nats" / "alone.log").open("ab") as log:
        process = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + timeout_s
        while not nats_reachable(url, timeout_s=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BackupError(f"nats-server не запустился (журнал: {settings.var_dir / 'nats' / 'alone.log'})")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
