"""The registry's answer to a matching run: a checkpoint after every registry change committed so far.

A run must see every registry change committed before it was requested. The registry relays its outbox in
order, so a checkpoint written now lands in the stream after all of them; the matching read model applies the
stream in order, so once it has applied the checkpoint it holds every change the run may ask for.
"""

from __future__ import annotations

from sqlalchemy import func, select

from services.registry.adapters.tables import outbox
from shared.db import UnitOfWork
from shared.event_catalog import RegistryCheckpoint, RunRequested
from shared.events import new_event


def answer_run_request(uow: UnitOfWork, request: RunRequested) -> None:
    """Publish `mentoring.registry.checkpoint` with the registry's last outbox sequence number (the position).

    A region's run inside a run over several regions needs none: its parent waited for the checkpoint before
    the regions' runs were created."""
    if request.parent_id is not None:
        return
    position = uow.session.execute(select(func.coalesce(func.max(outbox.table.c.seq), 0))).scalar_one()
    uow.publish(new_event("mentoring.registry.checkpoint", "/registry", request.run_id,
                          RegistryCheckpoint(run_id=request.run_id, position=int(position))))
