"""Problem+json answers the shared edge gives: request validation in Russian, database constraints, U+0000."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from shared.errors import Conflict, ValidationFailed
from shared.openapi import PROBLEM_JSON


def problem_response(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


VALIDATION_MESSAGES = {
    "missing": "обязательное поле",
    "extra_forbidden": "неизвестное поле",
    "string_too_short": "слишком короткое значение",
    "string_too_long": "слишком длинное значение",
    "string_pattern_mismatch": "значение не подходит по формату",
    "string_type": "ожидается строка",
    "int_parsing": "ожидается целое число",
    "int_type": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "bool_parsing": "ожидается true или false",
    "bool_type": "ожидается true или false",
    "float_parsing": "ожидается число",
    "float_type": "ожидается число",
    "finite_number": "ожидается конечное число",
    "greater_than_equal": "значение меньше допустимого",
    "greater_than": "значение меньше допустимого",
    "less_than": "значение больше допустимого",
    "too_short": "слишком мало элементов",
    "uuid_parsing": "ожидается идентификатор UUID",
    "uuid_type": "ожидается идентификатор UUID",
    "string_unicode": "ожидается текст в UTF-8",
    "bytes_type": "ожидается файл",
    "int_parsing_size": "слишком большое число",
    "less_than_equal": "значение больше допустимого",
    "too_long": "слишком много элементов",
    "list_type": "ожидается список",
    "model_type": "ожидается объект JSON",
    "dict_type": "ожидается объект JSON",
    "date_from_datetime_parsing": "ожидается дата ГГГГ-ММ-ДД",
    "date_parsing": "ожидается дата ГГГГ-ММ-ДД",
    "date_from_datetime_inexact": "ожидается дата ГГГГ-ММ-ДД",
    "date_type": "ожидается дата ГГГГ-ММ-ДД",
    "datetime_parsing": "ожидается дата и время ISO 8601",
    "url_parsing": "ожидается адрес http(s)://…",
    "url_scheme": "ожидается адрес http(s)://…",
    "value_error": "недопустимое значение",
    "literal_error": "недопустимое значение",
    "enum": "недопустимое значение",
    "json_invalid": "тело запроса не является JSON",
}


def russian_message(err: dict[str, Any]) -> str:
    message = str(err.get("msg", ""))
    if err.get("type") == "value_error" and message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    # never pydantic's English text inside a Russian answer: an unlisted type reads "недопустимое значение"
    return VALIDATION_MESSAGES.get(str(err.get("type")), VALIDATION_MESSAGES["value_error"])


def validation_problem(exc: ValidationError) -> Response:
    errors = [{"field": ".".join(str(p) for p in err.get("loc", ())), "message": russian_message(err),
               "type": err.get("type", "")} for err in exc.errors(include_url=False, include_context=False)]
    return problem_response({"type": "about:blank", "title": "Ошибка проверки данных", "status": 422,
                             "detail": "Запрос не прошёл проверку: см. список полей", "errors": errors,
                             "instance": request.path}, 422)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def carries_nul() -> bool:
    """Whether the request's path, query, form fields or JSON body hold U+0000 (the documents exclude it)."""
    if "\x00" in request.path or _has_nul(dict(request.args.lists())):
        return True
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _has_nul(dict(request.form.lists()))
    return request.is_json and _has_nul(request.get_json(silent=True))


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a duplicate (PostgreSQL's SQLSTATE 23505, SQLite's UNIQUE failure)."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def constraint_problem(exc: IntegrityError, instance: str) -> dict[str, Any]:
    """A database constraint a request ran into, as problem+json in Russian (409: a duplicate; 422: the rest)."""
    if is_unique_violation(exc):
        return Conflict("Такая запись уже есть: её только что сохранил другой запрос. Обновите данные и "
                        "повторите").to_problem(instance)
    return ValidationFailed("Данные не согласуются с сохранёнными: запись, на которую ссылается запрос, "
                            "изменилась или удалена. Обновите данные и повторите").to_problem(instance)
