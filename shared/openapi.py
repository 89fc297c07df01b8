"""The published OpenAPI document: errors declared as problem+json, file downloads, ISO 8601 dates in JSON."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from http import HTTPStatus
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import OpenAPI
from pydantic import BaseModel

from shared.fields import NO_NUL

PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def file_answer(media_type: str | Iterable[str], description: str) -> dict[str, Any]:
    """The OpenAPI declaration of a file download, for a route's `responses` (one media type or any of several)."""
    media_types = [media_type] if isinstance(media_type, str) else sorted(set(media_type))
    return {"description": description,
            "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}}


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path_item in spec.get("paths", {}).values():
        yield from (op for method, op in path_item.items() if method in HTTP_METHODS)


def _edge_statuses(operation: dict[str, Any]) -> set[int]:
    """What the shared edge itself may answer for an operation, whatever its handler does."""
    statuses: set[int] = set()
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)  # request validation, `shared.problems.validation_problem`
    if operation.get("requestBody"):
        statuses.add(413)  # MAX_CONTENT_LENGTH
    if operation.get("security"):
        statuses |= {401, 403}  # a bad token, a role or scope that does not reach
    return statuses


# gunicorn refuses a request line longer than `limit_request_line` (deploy/gunicorn.conf.py) before the app sees it,
# with its own HTML page: what the wire carries for an operation whose parameters can make the URL that long.
URI_TOO_LONG = {"description": "URI Too Long: строка запроса длиннее 8190 байт, её отклоняет HTTP-сервер",
                "content": {"text/html": {"schema": {"type": "string"}}}}


# Text never carries U+0000 (PostgreSQL cannot store it, no person types it): every request string says so, and
# the shared edge refuses a request that carries one (`shared.web`). Patterns of their own exclude it themselves.
FREE_FORM = ("binary", "byte")


def _request_schemas(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The schemas of the parameters and request bodies, and of every component they refer to."""
    components = spec.get("components", {}).get("schemas", {})
    pending: list[Any] = [op.get("parameters", []) for op in _operations(spec)]
    pending += [op.get("requestBody", {}) for op in _operations(spec)]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref not in seen:
                seen.add(ref)
                pending.append(components.get(ref.rsplit("/", 1)[-1], {}))
            if node.get("type") == "string":
                yield node
            pending.extend(value for key, value in node.items() if key != "$ref")


def forbid_nul(spec: dict[str, Any]) -> None:
    """State in the document that request strings carry no U+0000 (those without a pattern of their own)."""
    for schema in _request_schemas(spec):
        if not ({"pattern", "enum", "const"} & schema.keys()) and schema.get("format") not in FREE_FORM:
            schema["pattern"] = f"^{NO_NUL}$"


def declare_problems(spec: dict[str, Any]) -> None:
    """Declare every error answer as what it is on the wire: RFC 9457 `application/problem+json` with `Problem`.

    flask-openapi3 files each response model under `application/json` and adds its own 422 model to every
    operation; the services answer every error as problem+json, including the statuses of `_edge_statuses`.
    """
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("ValidationErrorModel", None)
    schemas["Problem"] = Problem.model_json_schema()
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operation in _operations(spec):
        responses = operation.setdefault("responses", {})
        declared = {int(status) for status in responses if int(status) >= 400}
        if 422 in declared and not (operation.get("parameters") or operation.get("requestBody")):
            declared.discard(422)  # flask-openapi3's default 422 on an operation that takes nothing
            del responses["422"]
        for status in sorted(declared | _edge_statuses(operation)):
            responses[str(status)] = {"description": HTTPStatus(status).phrase, "content": problem}
        if operation.get("parameters"):
            responses["414"] = URI_TOO_LONG


class IsoJSONProvider(DefaultJSONProvider):
    """JSON answers carry dates and moments as ISO 8601, as the OpenAPI `date` and `date-time` formats say."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class ServiceOpenAPI(OpenAPI):
    """flask-openapi3 whose published document declares the service's problem+json answers."""

    json_provider_class = IsoJSONProvider

    def generate_spec_json(self) -> None:
        super().generate_spec_json()
        declare_problems(self.spec_json)
        forbid_nul(self.spec_json)
