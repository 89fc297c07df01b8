"""`mentoring retention`: pseudonymise the registry's people withdrawn longer than the retention period, and the
applications from the public bank decided (or waiting) longer than it.

Run daily (in Kubernetes a CronJob with the registry's image and settings); each batch is one transaction, so a
stopped run loses nothing and the next one carries on.
"""

from __future__ import annotations

from ops.runtime import engine_for
from services.registry.adapters.person_kinds import MENTEES, MENTORS
from services.registry.adapters.tables import outbox
from services.registry.use_cases.erasure import erase_old_applications, erase_withdrawn
from shared.config import Settings
from shared.db import UnitOfWork


def run_retention(settings: Settings, days: int) -> dict[str, int]:
    """Erase every mentor and mentee withdrawn, and every application decided, more than `days` days ago; how many
    of each, by label."""
    engine = engine_for(settings)
    erased: dict[str, int] = {}
    for kind in (MENTORS, MENTEES):
        erased[kind.label] = 0
        while True:
            with UnitOfWork(engine, outbox) as uow:
                done = erase_withdrawn(uow, settings, kind, days)
            erased[kind.label] += done
            if not done:
                break
    erased["Заявка из банка"] = 0
    while True:
        with UnitOfWork(engine) as uow:
            done = erase_old_applications(uow, days)
        erased["Заявка из банка"] += done
        if not done:
            break
    engine.dispose()
    return erased
