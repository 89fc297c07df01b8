"""The CloudEvents 1.0 envelope: one encode/decode place for every event the system publishes."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from shared.event_catalog import CATALOG

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class EventDecodeError(ValueError):
    """A message that is not a valid event of the catalog: it can never be processed."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CloudEvent:
    """An immutable event; `id` doubles as the JetStream `Nats-Msg-Id`, `type` as the NATS subject."""

    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: fast_ids(1)[0])
    time: datetime = field(default_factory=utcnow)
    specversion: str = SPEC_VERSION
    datacontenttype: str = CONTENT_TYPE

    @property
    def nats_subject(self) -> str:
        return self.type

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": self.specversion,
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "subject": self.subject,
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "datacontenttype": self.datacontenttype,
            "data": self.data,
        }


def new_event(type_: str, source: str, subject: str, payload: BaseModel | dict[str, Any]) -> CloudEvent:
    """Build an event whose data is validated against the catalog's payload model."""
    model = CATALOG.get(type_)
    if model is None:
        raise ValueError(f"unknown event type {type_!r}")
    validated = payload if isinstance(payload, model) else model.model_validate(
        payload.model_dump() if isinstance(payload, BaseModel) else payload)
    return CloudEvent(type=type_, source=source, subject=str(subject), data=validated.model_dump(mode="json"))


def encode(event: CloudEvent) -> bytes:
    return orjson.dumps(event.to_dict())


def decode(raw: bytes) -> CloudEvent:
    """Parse and validate an envelope and its payload; raise EventDecodeError when that is impossible."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventDecodeError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("specversion") != SPEC_VERSION:
        raise EventDecodeError("not a CloudEvents 1.0 envelope")
    try:
        type_, data = str(doc["type"]), doc["data"]
        model = CATALOG.get(type_)
        if model is None:
            raise EventDecodeError(f"unknown event type {type_!r}")
        model.model_validate(data)
        return CloudEvent(
            id=str(doc["id"]), type=type_, source=str(doc["source"]), subject=str(doc.get("subject", "")),
            time=datetime.fromisoformat(str(doc["time"]).replace("Z", "+00:00")), data=data,
            datacontenttype=str(doc.get("datacontenttype", CONTENT_TYPE)),
        )
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        if isinstance(exc, EventDecodeError):
            raise
        raise EventDecodeError(f"invalid envelope or payload: {exc}") from exc


def trusted_event(type_: str, source: str, subject: str, data: dict[str, Any]) -> CloudEvent:
    """An event whose JSON-ready data was built by our own code from validated rows (bulk paths).

    The catalog's schema still applies: tests validate what is actually published against it.
    """
    if type_ not in CATALOG:
        raise ValueError(f"unknown event type {type_!r}")
    return CloudEvent(type=type_, source=source, subject=str(subject), data=data)


def fast_ids(count: int) -> list[str]:
    """`count` time-ordered UUIDv7 strings (RFC 9562) for bulk writes.

    Ordered keys append to the end of primary-key and unique indexes instead of landing at random
    pages, which is what made large outbox and proposal inserts slow.
    """
    millis = time.time_ns() // 1_000_000
    randomness = os.urandom(8 * count)
    ids = []
    for k in range(count):
        tail = int.from_bytes(randomness[k * 8:(k + 1) * 8], "big") & 0x3FFF_FFFF_FFFF_FFFF
        sequence = k & 0x0FFF  # keeps ids of one batch ordered within the millisecond
        value = (millis + (k >> 12)) << 80 | 0x7 << 76 | sequence << 64 | 0b10 << 62 | tail
        ids.append(str(uuid.UUID(int=value)))
    return ids


def encode_many(type_: str, source: str, items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, bytes]]:
    """(event id, encoded envelope) for many events of one type built by our own code (bulk paths)."""
    if type_ not in CATALOG:
        raise ValueError(f"unknown event type {type_!r}")
    stamp = utcnow().isoformat().replace("+00:00", "Z")
    ids = fast_ids(len(items))
    dumps = orjson.dumps
    return [(event_id, dumps({"specversion": SPEC_VERSION, "id": event_id, "type": type_, "source": source,
                              "subject": subject, "time": stamp, "datacontenttype": CONTENT_TYPE, "data": data}))
            for event_id, (subject, data) in zip(ids, items, strict=True)]
