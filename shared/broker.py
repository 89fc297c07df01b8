"""NATS JetStream adapter: connecting, the one stream, readiness."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlparse

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.config import Settings

log = logging.getLogger(__name__)


async def connect(url: str, *, name: str, timeout_s: float = 2.0, reconnect_forever: bool = True) -> NATS:
    """Connect once; raises on an unreachable server within about `timeout_s` (nats.py #645)."""

    async def _noop(*_args: object) -> None:
        return None

    servers = [server.strip() for server in url.split(",") if server.strip()]
    coro = nats.connect(
        servers, name=name, connect_timeout=timeout_s, max_reconnect_attempts=2, reconnect_time_wait=0.5,
        allow_reconnect=True, error_cb=_noop, disconnected_cb=_noop, reconnected_cb=_noop, closed_cb=_noop,
    )
    nc = await asyncio.wait_for(coro, timeout=timeout_s * 3)
    if reconnect_forever:
        nc.options["max_reconnect_attempts"] = -1
    return nc


async def connect_with_retry(settings: Settings, *, name: str, stop: asyncio.Event | None = None,
                             max_backoff_s: float = 5.0) -> NATS:
    """Connect, retrying with capped exponential backoff until the server answers (or `stop` is set)."""
    delay = 0.2
    while True:
        try:
            return await connect(settings.nats_url, name=name, timeout_s=settings.nats_connect_timeout_s)
        except Exception as exc:
            log.warning("nats unreachable, retrying", extra={"error": str(exc), "delay_s": delay})
            if stop is not None and stop.is_set():
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_backoff_s)


def stream_config(settings: Settings) -> StreamConfig:
    """The MENTORING stream: every event, file storage, a long duplicate window."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=[settings.stream_subjects],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        num_replicas=settings.stream_replicas,
        duplicate_window=settings.stream_duplicate_window_s,
    )


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create the stream, or bring its configuration up to date; safe to call from every process."""
    config = stream_config(settings)
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except Exception:  # noqa: BLE001 - another process created it first
            await js.stream_info(settings.stream_name)
    await js.update_stream(config)


def nats_reachable(url: str, timeout_s: float = 1.0) -> bool:
    """True when a NATS server answers with its INFO line at the first reachable URL."""
    for server in url.split(","):
        parsed = urlparse(server.strip())
        try:
            with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout_s) as sock:
                sock.settimeout(timeout_s)
                if sock.recv(5).startswith(b"INFO"):
                    return True
        except OSError:
            continue
    return False
