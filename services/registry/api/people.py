"""Routes of mentors and of mentees, built once per kind: list, add, read, change, withdraw, erase."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag

from services.registry.adapters.filters import Filters
from services.registry.adapters.person_kinds import MENTORS, PersonKind
from services.registry.adapters.person_lists import ListTotals
from services.registry.api.schemas.common import EraseIn, IdPath, PersonQuery, WithdrawIn
from services.registry.api.schemas.mentees import MenteeOut
from services.registry.api.schemas.mentors import MentorOut
from services.registry.use_cases import erasure, own_record, people
from services.registry.use_cases.results import PersonCard
from shared.json_provider import moments, timestamp_names
from shared.web import context, etag_response, expected_version, principal

FILTERS = {"region", "municipality", "organization", "q", "status", "subject", "stage", "direction", "category"}
ERASURE = ("По заявлению субъекта (152-ФЗ): ФИО заменяется псевдонимом «Субъект ПДн № …», контакты и свободный текст "
           "удаляются в реестре, журнале изменений, подборе и отчётах; статус и счётчики сохраняются. Необратимо; "
           "повторный вызов ничего не меняет. Региональный и муниципальный операторы (в своей зоне), администратор.")
CONSENT = ("Даёт сам человек в консоли (роль mentor или mentee, своя запись): согласие датируется сегодняшним днём, "
           "в журнале изменений записано, кто его дал. Уже данное согласие не меняется.")
LOCKING = "Оптимистическая блокировка: версия в `If-Match` или в поле `version`; устаревшая → 409."


def person_filters(query: PersonQuery) -> Filters:
    """The filters of a list or an export of people, as the query names them."""
    return Filters(**query.model_dump(include=FILTERS))


def person_out(kind: PersonKind, card: PersonCard) -> dict[str, Any]:
    """The mentor as `MentorOut` JSON, the mentee as `MenteeOut`."""
    model = MentorOut if kind is MENTORS else MenteeOut
    return model(organization_name=card.organization_name, municipality_name=card.municipality_name,
                 **card.person.model_dump()).model_dump(mode="json")


def person_response(kind: PersonKind, card: PersonCard, status: int = 200) -> Response:
    """A mentor or mentee with its organization's names, versioned by ETag."""
    return etag_response(person_out(kind, card), card.person.version, status)


def register(api: APIBlueprint, kind: PersonKind, plural: str, create_model: type, patch_model: type,
             out_model: type, list_model: type, tag: Tag) -> None:
    """The six routes of `kind` under /`plural`, their operation ids named after the kind."""

    totals, stamps, shown = ListTotals(), timestamp_names(kind.model.__table__), tuple(out_model.model_fields)

    def list_people(query: PersonQuery) -> Response:
        with context().uow() as uow:
            page = people.list_people(uow, principal(), kind, person_filters(query), query.cursor, query.limit,
                                      totals)
        # plain rows, written exactly as `out_model` writes them (its fields; timestamps with Z), without a model
        items = [moments({name: row[name] for name in shown}, stamps) for row in page.items]
        return jsonify({"items": items, "next_cursor": page.next_cursor, "total": page.total})

    def create_person(body: Any) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            return person_response(kind, people.create_person(uow, ctx.settings, principal(), kind, body.model_dump()),
                                   201)

    def get_person(path: IdPath) -> Response:
        with context().uow() as uow:
            return person_response(kind, people.get_person(uow, principal(), kind, path.id))

    def patch_person(path: IdPath, body: Any) -> Response:
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        ctx = context()
        with ctx.uow() as uow:
            card = people.patch_person(uow, ctx.settings, principal(), kind, path.id, changes,
                                       expected_version(body.version))
            return person_response(kind, card)

    def withdraw_person(path: IdPath, body: WithdrawIn) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            card = people.withdraw_person(uow, ctx.settings, principal(), kind, path.id, expected_version(body.version),
                                          body.reason)
            return person_response(kind, card)

    def consent_person(path: IdPath) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            return person_response(kind, own_record.give_consent(uow, ctx.settings, principal(), kind, path.id))

    def erase_person(path: IdPath, body: EraseIn) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            return person_response(kind, erasure.erase_person(uow, ctx.settings, principal(), kind, path.id,
                                                              body.reason))

    create_person.__annotations__["body"] = create_model
    patch_person.__annotations__["body"] = patch_model
    for view, name in ((list_people, f"list_{plural}"), (create_person, f"create_{kind.entity}"),
                       (get_person, f"get_{kind.entity}"), (patch_person, f"patch_{kind.entity}"),
                       (withdraw_person, f"withdraw_{kind.entity}"), (erase_person, f"erase_{kind.entity}"),
                       (consent_person, f"consent_{kind.entity}")):
        view.__name__ = view.__qualname__ = name
    label = kind.label.lower()
    api.get(f"/{plural}", tags=[tag], summary=f"Список: {label}", operation_id=f"list_{plural}",
            responses={200: list_model})(list_people)
    api.post(f"/{plural}", tags=[tag], summary=f"Добавить: {label}", operation_id=f"create_{kind.entity}",
             responses={201: out_model})(create_person)
    api.get(f"/{plural}/<id>", tags=[tag], summary=f"Карточка: {label}", operation_id=f"get_{kind.entity}",
            responses={200: out_model})(get_person)
    api.patch(f"/{plural}/<id>", tags=[tag], summary=f"Изменить: {label}", operation_id=f"patch_{kind.entity}",
              description=LOCKING, responses={200: out_model})(patch_person)
    api.post(f"/{plural}/<id>/withdraw", tags=[tag], summary=f"Вывести из базы: {label}",
             operation_id=f"withdraw_{kind.entity}", responses={200: out_model})(withdraw_person)
    api.post(f"/{plural}/<id>/erase", tags=[tag], summary=f"Удалить персональные данные: {label}",
             operation_id=f"erase_{kind.entity}", description=ERASURE, responses={200: out_model})(erase_person)
    api.post(f"/{plural}/<id>/consent", tags=[tag], summary=f"Согласие на обработку персональных данных: {label}",
             operation_id=f"consent_{kind.entity}", description=CONSENT, responses={200: out_model})(consent_person)
