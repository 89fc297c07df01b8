"""Durable consumer of the reports service: every event into the indicator projection."""

from __future__ import annotations

from shared.config import Settings
from shared.consumer import ConsumerSpec, Handler, dispatch

PROJECTION_HANDLERS: dict[str, Handler] = {}


def consumer_specs(settings: Settings) -> dict[str, ConsumerSpec]:
    """`projection`: registry and pair events into indicator tables."""
    return {
        "projection": ConsumerSpec(
            durable="reports-projection",
            filter_subjects=["mentoring.organization.>", "mentoring.mentor.>", "mentoring.mentee.>",
                             "mentoring.pair.>", "mentoring.run.>"],
            handler=dispatch(PROJECTION_HANDLERS),
        ),
    }
