"""Roles of console accounts: Russian names, what each may open, whom each may invite (pure)."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, REGION, MUNICIPAL, CURATOR = "admin", "region_operator", "municipal_operator", "school_curator"
ROLE_LABELS = {
    ADMIN: "Администратор",
    REGION: "Региональный оператор",
    MUNICIPAL: "Муниципальный оператор",
    CURATOR: "Куратор образовательной организации",
}
SCOPE_KIND = {REGION: "region", MUNICIPAL: "municipality", CURATOR: "organization"}
KIND_LABELS = {"region": "Регион", "municipality": "Район", "organization": "Организация"}
OPERATORS = (ADMIN, REGION, MUNICIPAL)
USER_MANAGERS = (ADMIN, REGION)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...]


NAV = (
    NavItem("home.index", "Главная", (ADMIN, REGION, MUNICIPAL, CURATOR)),
    NavItem("bank.index", "Банк наставников", (ADMIN, REGION, MUNICIPAL, CURATOR)),
    NavItem("mentees.index", "Наставляемые", (ADMIN, REGION, MUNICIPAL, CURATOR)),
    NavItem("upload.index", "Загрузка файлов", OPERATORS),
    NavItem("users.index", "Пользователи", USER_MANAGERS),
)


def nav_for(role: str) -> list[NavItem]:
    """The menu of a role, in order."""
    return [item for item in NAV if role in item.roles]


def assignable_roles(inviter_role: str) -> list[str]:
    """Roles an inviter may give: an admin any; a region operator the roles inside a region."""
    if inviter_role == ADMIN:
        return [ADMIN, REGION, MUNICIPAL, CURATOR]
    if inviter_role == REGION:
        return [REGION, MUNICIPAL, CURATOR]
    return []


def scope_problem(role: str, scope: str | None) -> str | None:
    """Why a scope does not fit a role (Russian), or None: an admin has none, the others need their kind."""
    if role not in ROLE_LABELS:
        return "Неизвестная роль"
    if role == ADMIN:
        return "Администратору область не назначается" if scope else None
    kind, _, ident = (scope or "").partition(":")
    if kind != SCOPE_KIND[role] or not ident:
        return f"Для роли «{ROLE_LABELS[role]}» выберите: {KIND_LABELS[SCOPE_KIND[role]].lower()}"
    return None
