"""NATS JetStream adapter: connecting, the one stream, readiness."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlparse

import nats
from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from shared.config import Settings
from shared.nats_auth import connect_options

log = logging.getLogger(__name__)


async def connect(settings: Settings, *, name: str, url: str | None = None, timeout_s: float | None = None,
                  reconnect_forever: bool = True) -> NATS:
    """Connect once with the settings' credentials and TLS (to `url`, else `settings.nats_url`); raises on an
    unreachable server within about `timeout_s` (nats.py #645)."""

    async def _noop(*_args: object) -> None:
        return None

    async def _refused(error: Exception) -> None:
        """The server's refusals (a permissions violation, wrong credentials) are otherwise silent timeouts."""
        text = str(error)
        refused = "violation" in text.lower()
        log.log(logging.WARNING if refused else logging.DEBUG, "nats refused" if refused else "nats error",
                extra={"error": text, "connection": name})

    timeout_s = settings.nats_connect_timeout_s if timeout_s is None else timeout_s
    servers = [server.strip() for server in (url or settings.nats_url).split(",") if server.strip()]
    coro = nats.connect(
        servers, name=name, connect_timeout=timeout_s, max_reconnect_attempts=2, reconnect_time_wait=0.5,
        allow_reconnect=True, error_cb=_refused, disconnected_cb=_noop, reconnected_cb=_noop, closed_cb=_noop,
        **connect_options(settings),
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
            return await connect(settings, name=name)
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


# A refused request is never answered: a consumer's user waits this long, not the JetStream timeout, before it
# looks again for the stream a relay creates.
STREAM_CHANGE_TIMEOUT_S = 0.5


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create the stream, or bring its configuration up to date; safe to call from every process.

    Only the relays and the admin may create or change the stream: a consumer's user finds it as it should be
    and goes on, or, refused, waits until a relay has created it (or goes on with the stream as it is)."""
    config = stream_config(settings)
    while True:
        try:
            info = await js.stream_info(settings.stream_name)
        except NotFoundError:
            info = None
        if info is not None and _same_stream(info.config, config):
            return
        try:
            change = js.add_stream(config) if info is None else js.update_stream(config)
            await asyncio.wait_for(change, STREAM_CHANGE_TIMEOUT_S)
            return
        except BadRequestError:
            if info is not None:
                raise
            continue  # another process created it first: compare again
        except (NatsTimeoutError, TimeoutError) as exc:  # no answer: this user may not change the stream
            log.warning("stream not created or updated by this user", extra={"error": repr(exc)})
            if info is not None:
                return
            await asyncio.sleep(0.2)


def _same_stream(have: StreamConfig, want: StreamConfig) -> bool:
    fields = ("subjects", "retention", "storage", "discard", "num_replicas", "duplicate_window")
    return all(getattr(have, field) == getattr(want, field) for field in fields)


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
