"""The CloudEvents envelope and the event catalog."""

from __future__ import annotations

import json

import jsonschema
import pytest

from shared.event_catalog import CATALOG, SCHEMA_DIR, json_schema
from shared.events import EventDecodeError, decode, encode, new_event

ORG = {"organization_id": "o1", "version": 1, "name": "МБОУ СОШ № 1", "kind": "school", "municipality_id": "m1",
       "municipality_name": "Белоярский район", "region_id": "r1"}


def test_an_event_survives_encoding_and_decoding_unchanged():
    event = new_event("mentoring.organization.upserted", "/registry", "o1", ORG)
    decoded = decode(encode(event))
    assert decoded == event
    assert json.loads(encode(event))["specversion"] == "1.0"


def test_russian_text_is_kept_readable_in_the_payload():
    assert "Белоярский".encode() in encode(new_event("mentoring.organization.upserted", "/registry", "o1", ORG))


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b'{"specversion": "0.3"}',
                                 b'{"specversion": "1.0", "id": "x", "type": "mentoring.unknown", "source": "/x",'
                                 b' "time": "2026-01-01T00:00:00Z", "data": {}}',
                                 b'{"specversion": "1.0", "id": "x", "type": "mentoring.organization.upserted",'
                                 b' "source": "/x", "time": "2026-01-01T00:00:00Z", "data": {"name": 1}}'])
def test_messages_that_are_not_catalog_events_are_refused(raw):
    with pytest.raises(EventDecodeError):
        decode(raw)


def test_building_an_event_with_fields_outside_its_schema_fails():
    with pytest.raises(ValueError):
        new_event("mentoring.organization.upserted", "/registry", "o1", {**ORG, "email": "x@y.ru"})


@pytest.mark.parametrize("type_", sorted(CATALOG))
def test_the_published_json_schema_of_each_type_is_current(type_):
    on_disk = json.loads((SCHEMA_DIR / f"{type_}.json").read_text())
    assert on_disk == json_schema(type_), "run `make schemas`"
    jsonschema.Draft202012Validator.check_schema(on_disk)


def test_an_encoded_event_validates_against_its_json_schema():
    event = new_event("mentoring.organization.upserted", "/registry", "o1", ORG)
    body = json.loads(encode(event))
    jsonschema.validate(body["data"], json.loads((SCHEMA_DIR / f"{event.type}.json").read_text()))
