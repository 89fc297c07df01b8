"""Error pages in Russian: never a stack trace; another school's record is «не найдено» like a missing one."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from services.console.auth.forms import SignInForm
from services.console.auth.limits import LOCKOUT_MINUTES
from services.console.client import ServiceError

log = logging.getLogger(__name__)
PAGES = {
    400: ("Запрос не выполнен", "Форма устарела или отправлена не со страницы консоли. Обновите страницу и "
                                "повторите действие."),
    403: ("Недостаточно прав", "У вашей роли нет доступа к этой странице."),
    404: ("Не найдено", "Такой страницы или записи нет, или она вне вашей области ответственности."),
    405: ("Действие недоступно", "Это действие нельзя выполнить так."),
    413: ("Файл слишком большой", "Файл больше допустимого размера. Разделите его на части."),
    503: ("Сервис недоступен", "Один из сервисов сейчас не отвечает. Повторите попытку через минуту."),
}


def error_page(status: int, detail: str | None = None) -> tuple[str, int]:
    title, default = PAGES.get(status, ("Ошибка", "Что-то пошло не так. Повторите попытку."))
    return render_template("error.html", title=title, detail=detail or default, status=status), status


def install_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_page(400)

    @app.errorhandler(429)
    def _locked(exc: HTTPException):
        message = (f"Слишком много неудачных попыток входа. Вход с этим адресом почты или с этого компьютера "
                   f"будет возможен через {LOCKOUT_MINUTES} минут.")
        return render_template("auth/sign_in.html", form=SignInForm(), error=message), 429

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        if exc.status == 404:
            return error_page(404)
        if exc.status in (401, 403):
            return error_page(403, exc.detail)
        return error_page(exc.status if exc.status in PAGES else 502, exc.detail)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 404 and request.path.startswith("/static/"):
            return Response("Не найдено", 404, mimetype="text/plain")
        page, status = error_page(exc.code or 500)
        return page, status, [(name, value) for name, value in exc.get_headers() if name == "Allow"]  # 405: RFC 9110

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        number = uuid.uuid4().hex[:12]
        log.exception("unhandled error", extra={"error_id": number, "path": request.path,
                                                "account": getattr(current_user, "id", None)})
        return error_page(500, f"Внутренняя ошибка консоли. Сообщите администратору номер ошибки {number}.")
