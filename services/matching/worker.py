"""The matching worker: the JetStream entry of bulk runs, and the lease that keeps a run this worker's.

A run is leased through its JetStream message: while a worker runs it, it tells JetStream the message is in
progress, so the message comes back (after `ack_wait`) only when that worker died or hung. The worker that
gets it then takes the run over; the one that lost it can no longer write its result. What a run does is in
`use_cases.run_claim` and `use_cases.run_execution`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from services.matching.use_cases.run_claim import (
    MAX_ATTEMPTS,
    RunTakenOver,
    claim,
    fail_if_still_owned,
    release_for_retry,
)
from services.matching.use_cases.run_execution import execute
from services.matching.use_cases.run_regions import RegistryNotReady, expand, is_parent, wait_for_registry
from shared.consumer import ConsumerRunner, ConsumerSpec, Outcome, RetryLater
from shared.events import CloudEvent

log = logging.getLogger(__name__)
RETRY_DELAY_S = 5.0  # a region's run that broke is offered to the workers again after this


class RunWorker(ConsumerRunner):
    """A work-queue consumer of `mentoring.run.requested`: each run is taken by one worker."""

    batch_size = 1  # one run at a time, so a busy worker never holds runs an idle one could take

    def consumer_config(self) -> Any:
        config = super().consumer_config()
        config.ack_wait = self.settings.worker_ack_wait_s
        config.max_deliver = 3 * (MAX_ATTEMPTS + 1)  # deliveries postponed by claim() count too
        config.max_ack_pending = 100
        return config

    async def process(self, msg: Any) -> Outcome:
        """Process one run while renewing its lease: JetStream redelivers it only if this worker dies or hangs."""
        lease = asyncio.create_task(_renew_lease(msg, self.settings.worker_ack_wait_s / 3))
        try:
            return await super().process(msg)
        finally:
            lease.cancel()

    def apply(self, event: CloudEvent) -> Outcome:
        """Claim the run, wait for the registry's checkpoint, then execute it (a run over several regions: create
        its regions' runs). A run that broke is failed with the error, unless it was taken over; a region's run
        inside a run over several regions goes back to the queue first, up to its attempts."""
        run_id = event.data["run_id"]
        run = claim(self.engine, run_id, timedelta(seconds=self.settings.worker_ack_wait_s))
        if run is None:
            return Outcome.DUPLICATE
        try:
            position = wait_for_registry(self.engine, self.settings, run)
            if is_parent(run):
                expand(self.engine, run, position)
            else:
                execute(self.engine, self.settings, run, position)
        except RunTakenOver:
            log.warning("run taken over by another worker; result dropped", extra={"run_id": run_id})
        except RegistryNotReady as exc:
            fail_if_still_owned(self.engine, run, str(exc))
        except Exception as exc:
            log.exception("run failed", extra={"run_id": run_id})
            message = f"ошибка при подборе: {exc}"
            if run.parent_id is None:
                fail_if_still_owned(self.engine, run, message)
            elif release_for_retry(self.engine, run, message):
                raise RetryLater(message, delay_s=RETRY_DELAY_S) from exc
        return Outcome.APPLIED


async def _renew_lease(msg: Any, every_s: float) -> None:
    """Tell JetStream the run is still being worked on (`+WPI`), every `every_s` seconds."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await msg.in_progress()
        except Exception as exc:  # noqa: BLE001 - the broker is restarting: the next renewal tries again
            log.warning("run lease renewal failed", extra={"error": repr(exc)})


def worker_spec() -> ConsumerSpec:
    """The durable consumer of run requests (`apply` above does the work, not this spec's handler)."""
    return ConsumerSpec(durable="matching-worker", filter_subjects=["mentoring.run.requested"],
                        handler=lambda uow, event: None)
