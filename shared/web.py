"""The HTTP edge shared by every service: the app factory, problem+json, health, metrics, auth."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from types import TracebackType
from typing import Any

from flask import Response, current_app, g, has_request_context, jsonify, request
from flask_openapi3 import APIBlueprint, Info, OpenAPI, Tag
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, MetaData
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from shared.auth import Principal, VerifiedTokens
from shared.broker import nats_reachable
from shared.config import Settings
from shared.db import UnitOfWork, create_tables, engine_from_settings, ping
from shared.errors import AppError, BadRequest, TooManyRequests, Unauthorized, ValidationFailed
from shared.json_provider import OrjsonProvider
from shared.logs import configure_logging
from shared.metrics import LATENCY, REQUESTS, render
from shared.openapi import Problem, ServiceOpenAPI
from shared.outbox import Outbox
from shared.problems import (
    carries_nul,
    constraint_problem,
    is_unique_violation,
    problem_response,
    validation_problem,
)
from shared.proxies import behind_proxies

log = logging.getLogger(__name__)
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
SECURITY = [{"bearer": []}]
HTTP_MESSAGES = {
    400: ("Некорректный запрос", "Запрос не удалось разобрать"),
    404: ("Не найдено", "По этому адресу ничего нет"),
    405: ("Метод не поддерживается", "Этот метод не поддерживается для этого адреса"),
    413: ("Слишком большой запрос", "Размер запроса превышает допустимый"),
    415: ("Неподдерживаемый формат", "Тип содержимого запроса не поддерживается"),
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
health_tag = Tag(name="Служебное", description="Здоровье, готовность, метрики")


class ReadUnitOfWork(UnitOfWork):
    """A GET's unit of work: closing the session ends its transaction (a rollback when nothing was committed)
    without first expiring every object it loaded, which a read never needs."""

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.close()


@dataclass
class ServiceContext:
    """What a service's handlers need, built once per app."""

    settings: Settings
    engine: Engine
    outbox: Outbox | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        """The request's unit of work; a GET reads in a plain transaction, so on SQLite reads never queue behind
        each other or behind a writer (an import, a run's proposals) for the write lock."""
        if has_request_context() and request.method in SAFE_METHODS:
            return ReadUnitOfWork(self.reader, self.outbox)
        return UnitOfWork(self.engine, self.outbox)

    @cached_property
    def tokens(self) -> VerifiedTokens:
        """Tokens this process verified already (a token is decoded once, then looked up while it is valid)."""
        return VerifiedTokens(self.settings)

    @cached_property
    def reader(self) -> Engine:
        """The engine for reads: plain `BEGIN` on SQLite (made once, not per request)."""
        return self.engine.execution_options(read_only=True)


def etag_response(body: dict[str, Any], version: int, status: int = 200) -> Response:
    """A JSON answer carrying the record's version as a weak ETag."""
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'W/"{version}"'
    return response


def expected_version(body_version: int | None) -> int | None:
    """The version a write expects, from the `If-Match` header (`W/"3"`, `"3"` or `3`) or else the body."""
    header = request.headers.get("If-Match")
    if header and header.strip() != "*":
        raw = header.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise BadRequest("Заголовок If-Match должен содержать версию записи, например W/\"3\"")
        return int(raw)
    return body_version


def context() -> ServiceContext:
    """The running service's context."""
    return current_app.extensions["mentoring"]


def principal() -> Principal:
    """The caller of the current request (anonymous without a token; a bad token is a 401)."""
    if "principal" not in g:
        g.principal = context().tokens.principal(request.headers.get("Authorization"))
    return g.principal


def create_service_app(name: str, settings: Settings, metadata: MetaData, *, title: str, version: str = "1.0",
                       outbox: Outbox | None = None, create_schema: bool = True) -> OpenAPI:
    """Build a service app: engine, tables, error handling, health, metrics, auth, request ids."""
    configure_logging(settings.log_level, json_format=settings.log_json, service=name)
    engine = engine_from_settings(settings)
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    if create_schema:
        create_tables(engine, metadata)
    app = ServiceOpenAPI(name, info=Info(title=title, version=version), security_schemes=SECURITY_SCHEMES,
                         validation_error_callback=validation_problem, doc_prefix="/docs")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes + 1024 * 1024
    app.json = OrjsonProvider(app)  # answers encoded in C, the same bytes as the standard encoder's
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["mentoring"] = ServiceContext(settings=settings, engine=engine, outbox=outbox)
    behind_proxies(app, settings)
    _install_hooks(app, name)
    app.register_api(_health_blueprint())
    app.add_url_rule("/openapi.json", "openapi_json", lambda: jsonify(app.api_doc))
    return app


def _install_hooks(app: OpenAPI, service: str) -> None:
    @app.before_request
    def _before() -> None:
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.started = time.perf_counter()
        blueprint = app.blueprints.get(request.blueprint or "")
        if getattr(blueprint, "abp_security", None) and principal().is_anonymous:
            # before the request is validated: a caller without a valid token learns nothing about the body
            raise Unauthorized("Нужен токен доступа (заголовок Authorization: Bearer …)")
        if carries_nul():
            raise ValidationFailed("Текст запроса содержит нулевой символ (U+0000): такой текст не сохраняется",
                                   errors=[{"field": "", "message": "недопустимый символ U+0000"}])

    @app.after_request
    def _after(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(service, request.method, endpoint).observe(time.perf_counter() - g.started)
        return response

    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> Response:
        response = problem_response(exc.to_problem(request.path), exc.status)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(ValidationError)
    def _pydantic_error(exc: ValidationError) -> Response:
        return validation_problem(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        title, detail = HTTP_MESSAGES.get(status, (exc.name, exc.description))
        response = problem_response({"type": "about:blank", "title": title, "status": status, "detail": detail,
                                     "instance": request.path}, status)
        for name, value in exc.get_headers():
            if name == "Allow":  # RFC 9110: a 405 lists the methods the URL takes
                response.headers[name] = value
        return response

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError) -> Response:
        # The last guard: the use cases check every unique rule first; two requests racing past that check
        # meet the database's constraint here, and the client is told to look again rather than shown a 500.
        # its first line names the constraint; PostgreSQL's DETAIL line quotes the values, which stay out of the log
        log.warning("integrity error: %s", str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig))
        return problem_response(constraint_problem(exc, request.path), 409 if is_unique_violation(exc) else 422)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response({"type": "about:blank", "title": "Внутренняя ошибка", "status": 500,
                                 "detail": f"Внутренняя ошибка сервиса; номер запроса {g.get('request_id')}",
                                 "instance": request.path}, 500)


class HealthStatus(BaseModel):
    status: str
    checks: dict[str, bool] = {}


def _health_blueprint() -> APIBlueprint:
    bp = APIBlueprint("health", __name__, abp_tags=[health_tag])

    @bp.get("/healthz", summary="Процесс жив", responses={200: HealthStatus})
    def healthz() -> Response:
        return jsonify({"status": "ok", "checks": {}})

    @bp.get("/readyz", summary="База данных и NATS доступны", responses={200: HealthStatus, 503: Problem})
    def readyz() -> Response:
        ctx = context()
        checks = {"database": ping(ctx.engine), "nats": nats_reachable(ctx.settings.nats_url)}
        if all(checks.values()):
            return jsonify({"status": "ready", "checks": checks})
        failed = ", ".join(k for k, ok in checks.items() if not ok)
        return problem_response({"type": "about:blank", "title": "Сервис не готов", "status": 503,
                                 "detail": f"Недоступно: {failed}", "checks": checks, "instance": request.path}, 503)

    @bp.get("/metrics", summary="Метрики Prometheus",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
    def metrics() -> Response:
        body, content_type = render()
        return Response(body, mimetype=content_type.split(";")[0], content_type=content_type)

    return bp
