"""The pairs of the caller's scope as a workbook an operator can send to schools: Russian columns, state and result
in words, the program's dates and the order; read in one streamed query, written as it is read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair
from services.matching.domain.workflow import STATE_LABELS, State
from services.matching.use_cases.pair_access import WRITERS
from services.matching.use_cases.pair_lists import filtered
from shared.auth import Principal, Role
from shared.dictionaries import label
from shared.xlsx import for_people, one_sheet, to_bytes

HEADER = ("Муниципалитет", "Организация", "Наставник", "Наставляемый", "Состояние", "Форма наставничества",
          "Дата начала", "Плановое окончание", "Фактическое окончание", "Результат", "Номер приказа", "Дата приказа")
WIDTHS = (26, 36, 32, 32, 22, 22, 13, 13, 13, 26, 14, 13)
RESULT_LABELS = {"reached": "цели достигнуты", "partly": "цели достигнуты частично",
                 "not_reached": "цели не достигнуты"}
BATCH = 2000
COLUMNS = (OrganizationView.municipality_name, OrganizationView.name, MentorView.full_name, MenteeView.full_name,
           Pair.state, Pair.form, Pair.started_on, Pair.planned_end_on, Pair.ended_at, Pair.result,
           Pair.order_number, Pair.order_date)


def _row(values: Any) -> tuple[object, ...]:
    (municipality, organization, mentor, mentee, state, form, started_on, planned_end_on, ended_at, result,
     order_number, order_date) = values
    ended: date | None = ended_at.date() if isinstance(ended_at, datetime) else ended_at
    return (municipality or "", organization or "", mentor or "", mentee or "", STATE_LABELS[State(state)],
            label("forms", form), started_on, planned_end_on, ended, RESULT_LABELS.get(result or "", result or ""),
            order_number or "", order_date)


def pairs_workbook(session: Session, principal: Principal, proposed_from: date | None = None,
                   proposed_to: date | None = None, **equal: str | None) -> bytes:
    """The pairs the list would show under the same filters and scope, ordered by municipality, school and
    mentee, one row each (`HEADER`)."""
    principal.require(*WRITERS, Role.INTEGRATOR)
    query = (select(*COLUMNS)
             .outerjoin(MentorView, MentorView.id == Pair.mentor_id)
             .outerjoin(MenteeView, MenteeView.id == Pair.mentee_id)
             .outerjoin(OrganizationView, OrganizationView.id == Pair.organization_id))
    query = filtered(query, principal, proposed_from, proposed_to, equal).order_by(
        OrganizationView.municipality_name, OrganizationView.name, MenteeView.full_name, Pair.id)

    def rows() -> Iterator[tuple[object, ...]]:
        result = session.connection().execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for values in result:
            yield _row(values)

    return to_bytes(one_sheet("Пары", HEADER, rows(), WIDTHS, write_cell=for_people))
