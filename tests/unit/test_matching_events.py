"""Pair events of one pair and of a run's many proposals come from one encoder and agree with the catalog;
read-model handlers get the catalog's payload model, and a payload the catalog refuses is never applied."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.matching.adapters.pair_events import PAIR_EVENT_FIELDS, pair_event, proposed_events
from services.matching.adapters.tables import Pair, Run
from shared.consumer import PermanentEventError, dispatch
from shared.event_catalog import MentorChanged, PairChanged
from shared.events import CloudEvent, decode
from shared.sealing import seal
from tests.integration.helpers import SEALING

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def proposal(subject: str | None) -> Pair:
    return Pair(id="p1", mentor_id="t1", mentee_id="s1", run_id="r1", cost=12, region_id="86", municipality_id="m1",
                organization_id="o1", mentor_organization_id="o2", mentee_category="young_specialist",
                mentee_subject=subject, mentee_stage="basic", mentee_is_student=False, proposed_at=NOW,
                updated_at=NOW, updated_by="run:r1")


def test_the_pair_event_fields_are_the_catalogs():
    assert set(PAIR_EVENT_FIELDS) == set(PairChanged.model_fields)
    event = pair_event(proposal("math"), "proposed", actor="admin")
    assert set(event.data) == set(PairChanged.model_fields)
    PairChanged.model_validate(event.data)


@pytest.mark.parametrize("subject", ["math", None])
def test_a_bulk_proposal_event_carries_what_the_single_event_carries(subject):
    pair = proposal(subject)
    run = Run(id="r1", scope="region:86", scope_kind="region", scope_id="86", requested_by="admin")
    stamp = NOW.isoformat().replace("+00:00", "Z")
    columns = {"pair_id": [pair.id], "mentor_id": [pair.mentor_id], "mentee_id": [pair.mentee_id],
               "organization_id": [pair.organization_id], "municipality_id": [pair.municipality_id],
               "region_id": [pair.region_id], "mentor_organization_id": [pair.mentor_organization_id],
               "mentee_category": [pair.mentee_category], "mentee_subject": [pair.mentee_subject],
               "mentee_stage": [pair.mentee_stage], "mentee_is_student": [pair.mentee_is_student]}
    [(event_id, body)] = list(proposed_events(run, stamp, columns, 1))
    bulk = decode(body)
    assert bulk.id == event_id and bulk.type == "mentoring.pair.proposed" and bulk.subject == pair.id
    single = pair_event(pair, "proposed", actor="admin").data
    assert {k: v for k, v in single.items() if v is not None and k != "occurred_at"} == \
        {k: v for k, v in bulk.data.items() if k != "occurred_at"}
    assert PairChanged.model_validate(bulk.data) == PairChanged.model_validate({**single, "occurred_at": stamp})


def test_proposal_columns_must_name_every_varying_field():
    run = Run(id="r1", scope="region:86", scope_kind="region", scope_id="86", requested_by="admin")
    with pytest.raises(ValueError, match="proposal columns"):
        proposed_events(run, "2026-11-24T09:30:00Z", {"pair_id": ["p1"]}, 1)


def mentor_changed(**data) -> CloudEvent:
    base = {"mentor_id": "t1", "version": 1, "status": "active", "organization_id": "o1", "municipality_id": "m1",
            "region_id": "86", "full_name_sealed": seal(SEALING, "Наставник"), "registered_at": "2026-11-24T09:30:00Z"}
    return CloudEvent(type="mentoring.mentor.registered", source="/registry", subject="t1", data={**base, **data})


def test_dispatch_hands_the_handler_the_catalogs_payload_model():
    seen = []
    dispatch({"mentoring.mentor.registered": lambda uow, payload: seen.append(payload)})(None, mentor_changed())
    assert isinstance(seen[0], MentorChanged) and seen[0].registered_at == NOW
    dispatch({})(None, mentor_changed())  # a type nobody projects is skipped


def test_a_payload_the_catalog_refuses_is_never_applied():
    handler = dispatch({"mentoring.mentor.registered": lambda uow, payload: pytest.fail("applied")})
    with pytest.raises(PermanentEventError):
        handler(None, mentor_changed(capacity="many"))
