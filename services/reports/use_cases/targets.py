"""Configuring the target of an indicator for a scope (or everywhere) and a year (or every year)."""

from __future__ import annotations

from sqlmodel import select

from services.reports.adapters.tables import TargetRow
from services.reports.domain.targets import DEFAULT_TARGETS, Targets
from services.reports.use_cases.access import require_scope
from shared.auth import Principal, Role
from shared.db import UnitOfWorkFactory
from shared.errors import Forbidden, ValidationFailed
from shared.scopes import Scope


def set_target(open_uow: UnitOfWorkFactory, p: Principal, code: str, value: float | None, scope: str | None,
               year: int | None) -> None:
    """Store a target; a region operator sets it only for a scope of their own, the admin also for all."""
    p.require(Role.REGION_OPERATOR)
    with open_uow() as uow:
        if p.role is not Role.ADMIN:
            if scope is None:
                raise Forbidden("Целевое значение для всех регионов задаёт администратор; укажите уровень")
            require_scope(p, uow.session, Scope.parse(scope), "Уровень вне вашей зоны ответственности")
        if code not in DEFAULT_TARGETS:
            raise ValidationFailed(f"Нет показателя «{code}»")
        try:
            Targets().with_target(code, value, Scope.parse(scope) if scope else None, year)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        key = (code, scope or "*", year or 0)
        row = uow.session.exec(select(TargetRow).where(TargetRow.code == key[0], TargetRow.scope == key[1],
                                                       TargetRow.year == key[2])).first()
        if row is None:
            row = TargetRow(code=key[0], scope=key[1], year=key[2])
            uow.session.add(row)
        row.value = value
        uow.commit()
