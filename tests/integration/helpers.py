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
from shared.sealing import seal


async def stream_messages(settings: Settings) -> list[Any]:
    """Every stored message of the stream (`seq`, `subject`, `headers`, `data`), in stream order; deleted
    sequences are skipped."""
    from nats.js.errors import NotFoundError

    stream = settings.stream_name
    nc = await connect(settings, name="test-reader", reconnect_forever=False)
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
    return [json.loads(msg.data) for msg in await stream_messages(settings)]


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


SEALING = Settings(personal_data_keys="Kw9ALl5PLBCLihVHC3stgvi2dPOB2MwG42aQ7_dQwtE=")
"""The tests' services' key (tests/conftest.py `make_settings`): the events built here seal names with it."""
REGION = "r-86"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def org_event(org: str, municipality: str, version: int = 1, *, head_name: str | None = None,
              curator_name: str | None = None, **fields: Any):
    """A school's event; its head's and curator's names sealed as the registry seals them."""
    data = {"organization_id": org, "version": version, "name": f"Школа {org}", "kind": "school",
            "municipality_id": municipality, "municipality_name": f"Район {municipality}", "region_id": REGION,
            **fields}
    for field, name in (("head_name_sealed", head_name), ("curator_name_sealed", curator_name)):
        if name is not None:
            data[field] = seal(SEALING, name)
    return new_event("mentoring.organization.upserted", "/registry", org, data)


def mentor_event(mentor: str, org: str, municipality: str, *, capacity: int = 1, subjects=("math",),
                 version: int = 1, status: str = "active", formats=("in_person",)):
    action = "registered" if version == 1 else "updated"
    return new_event(f"mentoring.mentor.{action}", "/registry", mentor, {
        "mentor_id": mentor, "version": version, "status": status, "organization_id": org,
        "municipality_id": municipality, "region_id": REGION,
        "full_name_sealed": seal(SEALING, f"Наставник {mentor}"),
        "subjects": list(subjects), "stages": ["basic", "secondary"], "capacity": capacity,
        "formats": list(formats), "registered_at": NOW.isoformat()})


def mentee_event(mentee: str, org: str, municipality: str, *, subject: str = "math", version: int = 1):
    return new_event("mentoring.mentee.registered", "/registry", mentee, {
        "mentee_id": mentee, "version": version, "status": "active", "organization_id": org,
        "municipality_id": municipality, "region_id": REGION,
        "full_name_sealed": seal(SEALING, f"Молодой {mentee}"), "subject": subject,
        "stage": "basic", "category": "young_specialist", "formats": ["in_person"], "registered_at": NOW.isoformat()})
