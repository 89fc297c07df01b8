"""How a Mentor, a Mentee or an Organization changes: the fields that differ, its version, its ranges."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.dictionaries import normalize
from shared.errors import Conflict, ValidationFailed
from shared.events import utcnow


def plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def apply_changes(row: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the fields that differ; return {field: [old, new]}. A new name gets its normalized form too."""
    diff: dict[str, list[Any]] = {}
    for field, value in changes.items():
        old = plain(getattr(row, field))
        if old != plain(value):
            diff[field] = [old, plain(value)]
            setattr(row, field, value)  # the column gets the Python value (a date stays a date)
    if "full_name" in diff or "name" in diff:
        row.normalized_name = normalize(row.full_name if hasattr(row, "full_name") else row.name)
    return diff


def bump_version(row: Any, actor: str) -> None:
    """A changed record gets the next version, the time and the author of the change."""
    row.version += 1
    row.updated_at, row.updated_by = utcnow(), actor


def check_version(row: Any, expected: int | None, label: str) -> None:
    """Optimistic locking: refuse (409) a change made against another version than the stored one."""
    if expected is not None and expected != row.version:
        raise Conflict(f"{label} изменён другим пользователем: версия {row.version}, а в запросе {expected}. "
                       "Перечитайте запись и повторите изменение.", current_version=row.version)


def check_experience_range(row: Any) -> None:
    """A mentor's range of the mentee's experience must not run backwards."""
    low, high = getattr(row, "mentee_experience_min", None), getattr(row, "mentee_experience_max", None)
    if low is not None and high is not None and low > high:
        raise ValidationFailed("Стаж наставляемого: «от» больше «до»",
                               errors=[{"field": "mentee_experience_min",
                                        "message": "больше, чем mentee_experience_max"}])
