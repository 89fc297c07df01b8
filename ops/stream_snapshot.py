"""JetStream's stream snapshot and restore API, which nats-py does not wrap.

Snapshot (`$JS.API.STREAM.SNAPSHOT.<stream>`, nats-server `jsStreamSnapshotRequest`/`streamSnapshot`): the request
names a deliver subject; the server answers with the stream's config and state, then sends the snapshot (an opaque
S2-compressed archive) to that subject in chunks. Each chunk but a short last one carries a reply subject: answering
it (an empty message) is the ack that frees a slot in the server's window; without acks for 5 s the server gives up
with `408 No Flow Response`. The end is an empty message: no status or `Status: 204` is success, any other status
(408, 500) is the server's error.

Restore (`$JS.API.STREAM.RESTORE.<stream>` with `{"config", "state"}`): the server answers with a deliver subject;
each chunk is a request to it (empty reply: taken; a JSON reply: an error), and an empty request ends the upload;
its reply is a stream create response with the restored stream's state. The stream must not exist.

The files are what `nats stream backup` writes (`stream.tar.s2` and `backup.json` with the config and state), so
`nats stream restore DIR` reads them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

DATA_FILE = "stream.tar.s2"
META_FILE = "backup.json"
SNAPSHOT_API = "$JS.API.STREAM.SNAPSHOT.{}"
RESTORE_API = "$JS.API.STREAM.RESTORE.{}"


class StreamSnapshotError(RuntimeError):
    """The server refused or broke off a snapshot or a restore."""


@dataclass(frozen=True)
class SnapshotResult:
    """What the server said the snapshot holds, and how many bytes were written."""

    config: dict[str, Any]
    state: dict[str, Any]
    size: int
    chunks: int


async def _api(nc: NATS, subject: str, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=timeout_s)
    answer: dict[str, Any] = json.loads(reply.data)
    if answer.get("error"):
        error = answer["error"]
        raise StreamSnapshotError(f"{error.get('code')} {error.get('description')}")
    return answer


async def snapshot_stream(nc: NATS, stream: str, directory: Path, *, chunk_size: int = 128 * 1024,
                          window_size: int = 8 * 1024 * 1024, idle_timeout_s: float = 30.0,
                          consumers: bool = False) -> SnapshotResult:
    """Write the stream's snapshot into `directory` (DATA_FILE and META_FILE); by default without consumers.

    At most `window_size` bytes are in flight: the server sends more as chunks are acknowledged."""
    directory.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[None] = loop.create_future()
    activity = asyncio.Event()
    counts = {"size": 0, "chunks": 0}
    with (directory / DATA_FILE).open("wb") as out:

        async def on_chunk(msg: Msg) -> None:
            activity.set()
            if not msg.data:
                status = (msg.headers or {}).get("Status", "")
                if status and status != "204" and not finished.done():
                    description = (msg.headers or {}).get("Description", "")
                    finished.set_exception(StreamSnapshotError(f"{status} {description}".strip()))
                elif not finished.done():
                    finished.set_result(None)
                return
            if msg.reply:
                await nc.publish(msg.reply, b"")
            out.write(msg.data)
            counts["size"] += len(msg.data)
            counts["chunks"] += 1

        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox, cb=on_chunk, pending_msgs_limit=-1, pending_bytes_limit=-1)
        try:
            answer = await _api(nc, SNAPSHOT_API.format(stream), {
                "deliver_subject": inbox, "no_consumers": not consumers, "chunk_size": chunk_size,
                "window_size": window_size}, idle_timeout_s)
            await _wait_while_active(finished, activity, idle_timeout_s)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
    (directory / META_FILE).write_text(json.dumps({"config": answer["config"], "state": answer["state"]},
                                                  indent=2))
    return SnapshotResult(answer["config"], answer["state"], counts["size"], counts["chunks"])


async def _wait_while_active(finished: asyncio.Future[None], activity: asyncio.Event, idle_timeout_s: float) -> None:
    """Wait for the end marker; give up only when no chunk came for `idle_timeout_s` (not on a long snapshot)."""
    while True:
        activity.clear()
        done, _ = await asyncio.wait({finished}, timeout=idle_timeout_s)
        if done:
            finished.result()
            return
        if not activity.is_set():
            raise StreamSnapshotError(f"no snapshot chunk for {idle_timeout_s:.0f} s")


async def restore_stream(nc: NATS, directory: Path, *, chunk_size: int = 64 * 1024, timeout_s: float = 10.0,
                         finish_timeout_s: float = 600.0) -> dict[str, Any]:
    """Create the stream from the snapshot in `directory`; returns the restored stream's state."""
    meta = json.loads((directory / META_FILE).read_text())
    stream = meta["config"]["name"]
    answer = await _api(nc, RESTORE_API.format(stream), {"config": meta["config"], "state": meta["state"]},
                        timeout_s)
    deliver = answer["deliver_subject"]
    with (directory / DATA_FILE).open("rb") as data:
        while chunk := data.read(chunk_size):
            reply = await nc.request(deliver, chunk, timeout=timeout_s)
            if reply.data:
                raise StreamSnapshotError(f"restore refused a chunk: {reply.data[:300]!r}")
    final = json.loads((await nc.request(deliver, b"", timeout=finish_timeout_s)).data)
    if final.get("error"):
        raise StreamSnapshotError(f"{final['error'].get('code')} {final['error'].get('description')}")
    state: dict[str, Any] = final["state"]
    return state
