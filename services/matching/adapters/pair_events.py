"""The one encoder of pair events (`mentoring.pair.<action>`): what reports and integrators need of every
transition, its fields taken from the event catalog's `PairChanged`, for one pair or a run's many proposals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from services.matching.adapters.tables import Pair, Run
from shared.event_catalog import PairChanged
from shared.events import CloudEvent, encode_many, encode_rows, trusted_event, utcnow

SOURCE = "/matching"
PAIR_EVENT_FIELDS = tuple(PairChanged.model_fields)  # the catalog's fields, in its order
STAMPED = {"occurred_at", "actor"}  # set by the transition, not read from the pair
# Fields a fresh proposal of a run never has (null): its bulk events leave them out, as the catalog allows.
UNSET_IN_A_PROPOSAL = {"group_id", "confirmed_at", "started_on", "planned_end_on", "ended_at", "result", "reason"}
PROPOSAL_FIELDS = tuple(name for name in PAIR_EVENT_FIELDS if name not in UNSET_IN_A_PROPOSAL)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def pair_event(pair: Pair, action: str, actor: str | None = None) -> CloudEvent:
    """`mentoring.pair.<action>` carrying the pair as it is after the transition."""
    data = {name: _json(getattr(pair, "id" if name == "pair_id" else name)) for name in PAIR_EVENT_FIELDS
            if name not in STAMPED}
    data["occurred_at"] = _json(utcnow())
    data["actor"] = actor
    return trusted_event(f"mentoring.pair.{action}", SOURCE, data["pair_id"], data)


def proposed_events(run: Run, stamp: str, columns: dict[str, Sequence[Any]], count: int, *,
                    actor: str | None = None) -> Iterator[tuple[str, bytes]]:
    """(event id, encoded envelope) of `mentoring.pair.proposed` per proposal of a run, lazily.

    `columns` holds, by field name, the values that differ between proposals (`pair_id` first); the others
    are the run's. A null subject is left out of the data, like the fields a fresh proposal never has. The
    actor is who requested the run, or who published its draft."""
    constant = {"version": 1, "state": "proposed", "form": "traditional", "role_model": "teacher_teacher",
                "run_id": run.id, "occurred_at": stamp, "proposed_at": stamp, "actor": actor or run.requested_by}
    varying = [name for name in PROPOSAL_FIELDS if name not in constant]
    if set(varying) != set(columns) or varying[0] != "pair_id":
        raise ValueError(f"proposal columns must be {varying}")
    rows = zip(*(columns[name] for name in varying), strict=True)
    return encode_rows("mentoring.pair.proposed", SOURCE, PROPOSAL_FIELDS, constant, rows, count,
                       omit_none="mentee_subject")


def changed_events(action: str, rows: Sequence[dict[str, Any]], actor: str) -> list[tuple[str, bytes]]:
    """(event id, encoded envelope) of `mentoring.pair.<action>` for many pairs, each given as a dict of the
    pair's columns after the transition (`id` and the catalog's fields): the bulk form of `pair_event`."""
    stamp = _json(utcnow())
    items = []
    for row in rows:
        data = {name: _json(row["id" if name == "pair_id" else name]) for name in PAIR_EVENT_FIELDS
                if name not in STAMPED}
        data["occurred_at"], data["actor"] = stamp, actor
        items.append((str(row["id"]), data))
    return encode_many(f"mentoring.pair.{action}", SOURCE, items)
