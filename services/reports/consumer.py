"""Durable consumer of the reports service: every event into the indicator projection."""

from __future__ import annotations

from services.reports.adapters.projection import projection_spec
from shared.config import Settings
from shared.consumer import ConsumerSpec


def consumer_specs(settings: Settings) -> dict[str, ConsumerSpec]:
    """`projection`: registry and pair events into indicator tables."""
    return {"projection": projection_spec()}
