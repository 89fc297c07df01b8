"""One error hierarchy, mapped to RFC 9457 problem+json in one place (`shared.web`)."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A failure a client can act on; `detail` is Russian, read by a person."""

    status = 400
    title = "Некорректный запрос"
    type_ = "about:blank"

    def __init__(self, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type_, "title": self.title, "status": self.status,
                                "detail": self.detail}
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class BadRequest(AppError):
    status, title = 400, "Некорректный запрос"


class Unauthorized(AppError):
    status, title = 401, "Требуется авторизация"


class Forbidden(AppError):
    status, title = 403, "Недостаточно прав"


class NotFound(AppError):
    status, title = 404, "Не найдено"


class Conflict(AppError):
    status, title = 409, "Конфликт состояния"


class PayloadTooLarge(AppError):
    status, title = 413, "Слишком большой файл"


class ValidationFailed(AppError):
    status, title = 422, "Ошибка проверки данных"


class TooManyRequests(AppError):
    """A limit per sender is spent; `retry_after` (seconds) goes out as the Retry-After header too."""

    status, title = 429, "Слишком много запросов"

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class Unavailable(AppError):
    status, title = 503, "Сервис временно недоступен"
