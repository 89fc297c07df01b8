"""Roles of console accounts: Russian names, what each may open, whom each may invite (pure)."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, REGION, MUNICIPAL, CURATOR = "admin", "region_operator", "municipal_operator", "school_curator"
MENTOR, MENTEE = "mentor", "mentee"
ROLE_LABELS = {
    ADMIN: "Администратор",
    REGION: "Региональный оператор",
    MUNICIPAL: "Муниципальный оператор",
    CURATOR: "Куратор образовательной организации",
    MENTOR: "Наставник",
    MENTEE: "Наставляемый",
}
SCOPE_KIND = {REGION: "region", MUNICIPAL: "municipality", CURATOR: "organization", MENTOR: "mentor",
              MENTEE: "mentee"}
KIND_LABELS = {"region": "Регион", "municipality": "Район", "organization": "Организация", "mentor": "Наставник",
               "mentee": "Наставляемый"}
OPERATORS = (ADMIN, REGION, MUNICIPAL)
STAFF = (ADMIN, REGION, MUNICIPAL, CURATOR)
PEOPLE = (MENTOR, MENTEE)
"""A mentor's or a mentee's account is bound to their own record (`mentor:<id>`, `mentee:<id>`)."""
PERSON_ACCOUNT_MAKERS = OPERATORS
"""Who opens a mentor's or a mentee's account from the person's card."""
USER_MANAGERS = (ADMIN, REGION)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...]


NAV = (
    NavItem("home.index", "Главная", STAFF),
    NavItem("bank.index", "Банк наставников", STAFF),
    NavItem("mentees.index", "Наставляемые", STAFF),
    NavItem("upload.index", "Загрузка файлов", OPERATORS),
    NavItem("users.index", "Пользователи", USER_MANAGERS),
    NavItem("own.pairs", "Мои пары", (MENTOR,)),
    NavItem("own.program", "Моя программа", (MENTEE,)),
    NavItem("consent.index", "Согласие на обработку данных", PEOPLE),
)


def nav_for(role: str) -> list[NavItem]:
    """The menu of a role, in order."""
    return [item for item in NAV if role in item.roles]


def assignable_roles(inviter_role: str) -> list[str]:
    """Roles an inviter may give on the users' page: an admin any; a region operator the roles inside a region (a
    mentor's or a mentee's account is opened from their card instead)."""
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
