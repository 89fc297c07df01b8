"""Every event type, as the relays publish it, passes the official CloudEvents SDK's JSON parser unchanged.

An integrator who reads our stream with the SDK (cloudevents 2.x, `cloudevents.core.formats.json`) gets the same
id, type, source, subject, time and data we wrote. Payloads are drawn by hypothesis from the catalog's models, so a
new type or field is covered without a hand-written example.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from shared.event_catalog import CATALOG
from shared.events import encode, new_event

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
INTEGERS = st.integers(-(2**63), 2**63 - 1)
SUBJECTS = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=36)


def values(annotation: Any, metadata: Sequence[Any] = ()) -> st.SearchStrategy[Any]:
    """Values of a field's annotation and constraints (pattern, bounds) as our code can produce them: JSON numbers
    stay within 64 bits."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType):
        return st.one_of(*(values(arg, metadata) for arg in args))
    if origin is Annotated:
        return values(args[0], [*metadata, *args[1:]])
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    if annotation is str and pattern:
        return st.from_regex(pattern, fullmatch=True)
    if annotation is int:
        low = max([m.ge for m in metadata if getattr(m, "ge", None) is not None]
                  + [m.gt + 1 for m in metadata if getattr(m, "gt", None) is not None] + [-(2**63)])
        high = min([m.le for m in metadata if getattr(m, "le", None) is not None] + [2**63 - 1])
        return st.integers(low, high)
    if origin is list:
        return st.lists(values(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(TEXT, st.one_of(TEXT, INTEGERS, st.booleans()), max_size=3)
    if annotation is str:
        return TEXT
    return st.from_type(annotation)


def payloads(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid payloads of one catalog model: each field drawn from its annotation, optional ones sometimes left out."""
    required, optional = {}, {}
    for name, info in model.model_fields.items():
        (required if info.is_required() else optional)[name] = values(info.annotation, info.metadata)
    return st.fixed_dictionaries(required, optional=optional)


@pytest.mark.parametrize("type_", sorted(CATALOG))
def test_the_sdk_parses_every_event_type_into_the_same_event(type_):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(payloads(CATALOG[type_]), SUBJECTS)
    def check(payload: dict[str, Any], subject: str) -> None:
        event = new_event(type_, "/registry", subject, payload)
        parsed = JSONFormat().read(None, encode(event))
        assert isinstance(parsed, SdkEvent)
        assert parsed.get_specversion() == "1.0"
        assert (parsed.get_id(), parsed.get_type(), parsed.get_source(), parsed.get_subject()) == (
            event.id, event.type, event.source, event.subject)
        assert parsed.get_time() == event.time.astimezone(UTC)
        assert parsed.get_datacontenttype() == "application/json"
        assert parsed.get_data() == event.data

    check()


def test_the_sdk_refuses_an_envelope_without_its_required_attributes():
    """The parser is strict, so the test above means something: an event without a source is refused."""
    body = encode(new_event("mentoring.run.failed", "/matching", "r1", {"run_id": "r1", "scope": "region:1",
                                                                         "error": "x"}))
    with pytest.raises(Exception, match="source"):
        JSONFormat().read(None, body.replace(b'"source":"/matching",', b""))
