"""Small async helpers shared by integration tests: reading the stream, waiting for conditions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import nats

from shared.config import Settings


async def stream_events(settings: Settings) -> list[dict]:
    """Every message in the stream, decoded, in stream order."""
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(settings.stream_name)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await js.get_msg(settings.stream_name, seq)
            out.append(json.loads(msg.data))
        return out
    finally:
        await nc.close()


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout_s: float = 15.0,
                     every_s: float = 0.05) -> None:
    """Wait until `check()` is true or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(every_s)
