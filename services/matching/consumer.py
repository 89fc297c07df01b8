"""Durable consumers of the matching service."""

from __future__ import annotations

from services.matching.adapters.read_model import read_model_handlers
from shared.config import Settings
from shared.consumer import ConsumerSpec, dispatch


def consumer_specs(settings: Settings) -> dict[str, ConsumerSpec]:
    """`read-model`: registry events into the matching service's own mentor and mentee tables, and the
    registry's checkpoints that let runs start (`read_model.apply_checkpoint`)."""
    return {
        "read-model": ConsumerSpec(
            durable="matching-read-model",
            filter_subjects=["mentoring.organization.>", "mentoring.mentor.>", "mentoring.mentee.>",
                             "mentoring.registry.>"],
            handler=dispatch(read_model_handlers(settings)),
        ),
    }
