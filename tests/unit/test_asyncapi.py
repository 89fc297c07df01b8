"""The AsyncAPI document of the event catalog, its page in docs/, and `mentoring schemas` noticing either is stale."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

import shared.asyncapi
from ops import asyncapi_page
from ops.asyncapi_page import PAGE_PATH, render_page
from ops.cli import main
from shared.asyncapi import DOCUMENT_PATH, build_document, public_types, render_yaml
from shared.event_catalog import CATALOG, INTERNAL_TYPES, PERSONAL_DATA
from shared.events import encode, new_event
from tests.unit.test_events import ORG

NAMES_OF_PEOPLE = {("OrganizationUpserted", "curator_name_sealed"), ("OrganizationUpserted", "head_name_sealed"),
                   ("MentorChanged", "full_name_sealed"), ("MenteeChanged", "full_name_sealed")}
CONTACTS = {"email", "phone", "page", "url", "site", "address"}  # a bool like `has_mentoring_page` is no contact


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_catalog_type_is_a_channel_an_integrator_receives_with_its_payload(document):
    assert document["asyncapi"] == "3.0.0"
    by_address = {channel["address"]: key for key, channel in document["channels"].items()}
    assert set(by_address) == set(CATALOG) - INTERNAL_TYPES
    for type_, key in by_address.items():
        operations = [op for op in document["operations"].values() if op["channel"]["$ref"] == f"#/channels/{key}"]
        assert [op["action"] for op in operations] == ["receive"], type_
        message = resolve(document, operations[0]["messages"][0]["$ref"])
        envelope = resolve(document, message["$ref"])["payload"]
        assert envelope["properties"]["type"]["const"] == type_
        data = resolve(document, envelope["properties"]["data"]["$ref"])
        assert set(data["properties"]) == set(CATALOG[type_].model_fields), type_
        assert resolve(document, resolve(document, message["$ref"])["headers"]["$ref"])["required"] == ["Nats-Msg-Id"]
    assert all(op["action"] == "receive" for op in document["operations"].values())


def test_every_reference_in_the_document_resolves(document):
    found = refs(document)
    assert len(found) > 3 * len(CATALOG)
    for ref in found:
        assert resolve(document, ref) is not None, ref


def test_names_of_people_are_marked_personal_data_with_a_reason_and_named_in_the_description(document):
    schemas = document["components"]["schemas"]
    marked = {(model, name) for model, schema in schemas.items() for name, prop in schema.get("properties", {}).items()
              if prop.get(PERSONAL_DATA)}
    assert marked >= NAMES_OF_PEOPLE
    for model, name in marked:
        assert len(schemas[model]["properties"][name][PERSONAL_DATA]) > 20, (model, name)
        assert f"`{model}.{name}`" in document["info"]["description"]
    assert "152-ФЗ" in document["info"]["description"]


def test_no_payload_carries_a_contact_field(document):
    fields = {name for schema in document["components"]["schemas"].values() for name in schema.get("properties", {})}
    suffixes = tuple(f"_{contact}" for contact in CONTACTS - {"page"})
    assert not [name for name in fields if name in CONTACTS or name.endswith(suffixes)]


def test_the_document_and_its_page_are_the_same_bytes_every_time_and_as_published():
    first, second = build_document(), build_document()
    assert render_yaml(first) == render_yaml(second) == DOCUMENT_PATH.read_text(encoding="utf-8"), \
        "run `make schemas`"
    assert yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8")) == first
    assert render_page(first) == render_page(second) == PAGE_PATH.read_text(encoding="utf-8"), "run `make schemas`"


def test_the_page_shows_every_channel_and_marks_personal_data(document):
    page = render_page(document)
    assert '<html lang="ru">' in page
    for type_ in public_types():
        assert f"<code>{type_}</code>" in page
    for type_ in INTERNAL_TYPES:  # named in the introduction as closed, never a channel of the table
        assert f"<code>{type_}</code></td>" not in page
    assert page.count("персональные данные:") == sum(
        1 for schema in document["components"]["schemas"].values()
        for prop in schema.get("properties", {}).values() if PERSONAL_DATA in prop)


@pytest.mark.parametrize("stale", ["document", "page"])
def test_the_schemas_check_fails_when_the_document_or_the_page_is_stale(stale, tmp_path, monkeypatch, capsys):
    document_copy, page_copy = tmp_path / "asyncapi.yaml", tmp_path / "asyncapi.html"
    document_copy.write_text(DOCUMENT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    page_copy.write_text(PAGE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(shared.asyncapi, "DOCUMENT_PATH", document_copy)
    monkeypatch.setattr(asyncapi_page, "PAGE_PATH", page_copy)
    assert main(["schemas"]) == 0
    (document_copy if stale == "document" else page_copy).write_text("устаревшее\n", encoding="utf-8")
    assert main(["schemas"]) == 1
    assert f"asyncapi.{'yaml' if stale == 'document' else 'html'}" in capsys.readouterr().err


def test_an_encoded_event_matches_its_message_in_the_document_and_not_another_channels(document):
    event = json.loads(encode(new_event("mentoring.organization.upserted", "/registry", "o1", ORG)))
    messages = document["components"]["messages"]

    def payload_schema(key: str) -> dict[str, Any]:
        return {**messages[key]["payload"], "components": document["components"]}

    jsonschema.validate(event, payload_schema("organization_upserted"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(event, payload_schema("mentor_registered"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**event, "data": {**event["data"], "email": "x@y.ru"}},
                            payload_schema("organization_upserted"))
