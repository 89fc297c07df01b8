"""Small async helpers shared by integration tests: reading the stream, waiting for conditions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from shared.broker import connect
from shared.config import Settings
from shared.events import new_event


async def stream_messages(url: str, stream: str = "MENTORING") -> list[Any]:
    """Every stored message of the stream (`seq`, `subject`, `headers`, `data`), in stream order; deleted
    sequences are skipped."""
    from nats.js.errors import NotFoundError

    nc = await connect(url, name="test-reader", reconnect_forever=False)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else ():
            try:
                out.append(await js.get_msg(stream, seq))
            except NotFoundError:
                continue
        return out
    finally:
        await nc.close()


async def stream_events(settings: Settings) -> list[dict]:
    """Every message in the stream, decoded, in stream order."""
    return [json.loads(msg.data) for msg in await stream_messages(settings.nats_url, settings.stream_name)]


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


REGION = "r-86"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def org_event(org: str, municipality: str, version: int = 1):
    return new_event("mentoring.organization.upserted", "/registry", org, {
        "organization_id": org, "version": version, "name": f"Школа {org}", "kind": "school",
        "municipality_id": municipality, "municipality_name": f"Район {municipality}", "region_id": REGION})


def mentor_event(mentor: str, org: str, municipality: str, *, capacity: int = 1, subjects=("math",),
                 version: int = 1, status: str = "active", formats=("in_person",)):
    action = "registered" if version == 1 else "updated"
    return new_event(f"mentoring.mentor.{action}", "/registry", mentor, {
        "mentor_id": mentor, "version": version, "status": status, "organization_id": org,
        "municipality_id": municipality, "region_id": REGION, "full_name": f"Наставник {mentor}",
        "subjects": list(subjects), "stages": ["basic", "secondary"], "capacity": capacity,
        "formats": list(formats), "registered_at": NOW.isoformat()})


def mentee_event(mentee: str, org: str, municipality: str, *, subject: str = "math", version: int = 1):
    return new_event("mentoring.mentee.registered", "/registry", mentee, {
        "mentee_id": mentee, "version": version, "status": "active", "organization_id": org,
        "municipality_id": municipality, "region_id": REGION, "full_name": f"Молодой {mentee}", "subject": subject,
        "stage": "basic", "category": "young_specialist", "formats": ["in_person"], "registered_at": NOW.isoformat()})
