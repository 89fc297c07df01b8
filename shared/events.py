"""The CloudEvents 1.0 envelope: one encode/decode place for every event the system publishes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


def as_utc(moment: datetime | None) -> datetime | None:
    """A timestamp read back naive (SQLite keeps no zone) as the UTC moment it was written as."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


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


_VARIANT = bytes((byte & 0x3F) | 0x80 for byte in range(256))  # the top bits of octet 8: RFC 9562 variant
_SEQUENCE = "".join(f"{k:03x}" for k in range(4096)).encode()
_TIME_AT = (0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14)  # where the 48-bit milliseconds and the version go
_RANDOM_AT = (19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35)


def fast_ids(count: int) -> list[str]:
    """`count` time-ordered UUIDv7 strings (RFC 9562) for bulk writes.

    Ordered keys append to the end of primary-key and unique indexes instead of landing at random
    pages, which is what made large outbox and proposal inserts slow. The text of all ids is laid out
    column by column in one buffer (strided slice assignment), then split: no Python work per id.
    """
    if count <= 0:
        return []
    millis = time.time_ns() // 1_000_000
    tail = bytearray(os.urandom(8 * count))
    tail[0::8] = tail[0::8].translate(_VARIANT)
    hexed = tail.hex().encode()
    out = bytearray(b"-" * (37 * count))  # 36 characters and a newline per id
    out[36::37] = b"\n" * count
    for block in range(0, count, 4096):  # 12 bits of sequence per millisecond, then the next millisecond
        n, base = min(4096, count - block), 37 * block
        stop = base + 37 * n
        for at, char in zip(_TIME_AT, f"{millis + (block >> 12):012x}7".encode(), strict=True):
            out[base + at:stop:37] = bytes((char,)) * n
        for m in range(3):
            out[base + 15 + m:stop:37] = _SEQUENCE[m:3 * n:3]
    for m, at in enumerate(_RANDOM_AT):
        out[at::37] = hexed[m::16]
    return out.decode("ascii").split("\n")[:count]


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


def encode_rows(type_: str, source: str, fields: Sequence[str], constant: Mapping[str, Any],
                rows: Iterable[Sequence[Any]], count: int, *,
                omit_none: str | None = None) -> Iterator[tuple[str, bytes]]:
    """(event id, encoded envelope) per row, lazily: the bulk form of `encode_many` without a dict per event.

    The data of an event holds `fields` in that order; those in `constant` have the same value in every
    event, each row gives the others in order, the first of them also being the event's subject.
    `omit_none` names one optional field (not the first varying one) left out of the data when it is None.
    The bytes equal `encode_many`'s for the same ids: a template per shape, filled with each value's own
    `orjson` text; `count` is the number of rows (ids are made up front, in one go).
    """
    if type_ not in CATALOG:
        raise ValueError(f"unknown event type {type_!r}")
    stamp = utcnow().isoformat().replace("+00:00", "Z")
    dumps = orjson.dumps
    varying = [name for name in fields if name not in constant]

    def template(without: str | None) -> bytes:
        def text(value: Any) -> bytes:
            return dumps(value).replace(b"%", b"%%")

        data = b",".join(text(name) + b":" + (b"%s" if name not in constant else text(constant[name]))
                         for name in fields if name != without)
        return (b'{"specversion":' + text(SPEC_VERSION) + b',"id":%s,"type":' + text(type_) + b',"source":'
                + text(source) + b',"subject":%s,"time":' + text(stamp) + b',"datacontenttype":'
                + text(CONTENT_TYPE) + b',"data":{' + data + b"}}")

    full = template(None)
    optional = varying.index(omit_none) if omit_none is not None else -1
    short = template(omit_none) if omit_none is not None else full
    for event_id, row in zip(fast_ids(count), rows, strict=True):
        values = [dumps(value) for value in row]
        head = dumps(event_id)
        if optional >= 0 and row[optional] is None:
            del values[optional]
            yield event_id, short % (head, values[0], *values)
        else:
            yield event_id, full % (head, values[0], *values)
