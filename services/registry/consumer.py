"""Durable consumers of the registry service."""

from __future__ import annotations

from services.registry.use_cases.checkpoints import answer_run_request
from shared.config import Settings
from shared.consumer import ConsumerSpec, dispatch


def consumer_specs(settings: Settings) -> dict[str, ConsumerSpec]:
    """`checkpoints`: each matching run request answered with the registry's position (see `checkpoints`)."""
    return {
        "checkpoints": ConsumerSpec(durable="registry-checkpoints", filter_subjects=["mentoring.run.requested"],
                                    handler=dispatch({"mentoring.run.requested": answer_run_request})),
    }
