"""Durable consumer of the reports service: every event into the indicator projection."""

from __future__ import annotations

from services.reports.projection import apply
from shared.config import Settings
from shared.consumer import ConsumerSpec

SUBJECTS = ["mentoring.organization.>", "mentoring.mentor.>", "mentoring.mentee.>", "mentoring.pair.>"]


def consumer_specs(settings: Settings) -> dict[str, ConsumerSpec]:
    """`projection`: registry and pair events into indicator tables."""
    return {"projection": ConsumerSpec(durable="reports-projection", filter_subjects=SUBJECTS, handler=apply)}
