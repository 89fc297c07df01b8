"""The three services' HTTP APIs, called as the signed-in person with a short-lived token minted per call.

An answer of 400 or more becomes a `ServiceError` carrying the service's Russian detail and its errors per
field (problem+json, RFC 9457); a service that does not answer is a 503 with a Russian message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.auth import issue_token
from shared.config import Settings

SERVICE_NAMES = {"registry": "реестр", "matching": "сервис подбора", "reports": "сервис показателей"}
TOKEN_TTL_S = 120
MAX_PAGES = 40


@dataclass
class ServiceError(Exception):
    """A refusal or failure of a service, as a person should read it."""

    status: int
    detail: str
    title: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


def field_errors(items: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    """problem+json `errors` by form field: `body.subjects.0` → `subjects`."""
    result: dict[str, list[str]] = {}
    for item in items or []:
        parts = [p for p in str(item.get("field") or "").split(".") if p and p not in ("body", "query")]
        name = next((p for p in parts if not p.isdigit()), "")
        message = str(item.get("message") or "")
        if message and message not in result.get(name, []):
            result.setdefault(name, []).append(message)
    return result


def error_from(response: httpx.Response, service: str) -> ServiceError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    detail = body.get("detail") or body.get("title") or f"{SERVICE_NAMES[service].capitalize()} ответил ошибкой " \
                                                         f"{response.status_code}"
    return ServiceError(response.status_code, str(detail), str(body.get("title") or ""),
                        field_errors(body.get("errors") if isinstance(body.get("errors"), list) else None), body)


class ServiceClient:
    """One person's calls: role, scope and account id go into every token."""

    def __init__(self, settings: Settings, http: httpx.Client, *, role: str, scope: str | None, subject: str) -> None:
        self.settings, self.http = settings, http
        self.role, self.scope, self.subject = role, scope, subject

    def _url(self, service: str, path: str) -> str:
        return getattr(self.settings, f"{service}_url").rstrip("/") + path

    def request(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = issue_token(self.settings, self.role, self.scope, subject=self.subject, ttl_s=TOKEN_TTL_S)
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        try:
            response = self.http.request(method, self._url(service, path), headers=headers, **kwargs)
        except httpx.HTTPError:
            raise ServiceError(503, f"Не удалось связаться: {SERVICE_NAMES[service]} недоступен. "
                                    "Повторите попытку через минуту.") from None
        if response.status_code >= 400:
            raise error_from(response, service)
        return response

    def get(self, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self.request(service, "GET", path, params=clean).json()

    def send(self, service: str, method: str, path: str, body: dict[str, Any], version: int | None = None) -> Any:
        headers = {"If-Match": f'W/"{version}"'} if version is not None else {}
        return self.request(service, method, path, json=body, headers=headers).json()

    def every(self, service: str, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paged list (at most MAX_PAGES pages of 500)."""
        cursor = None
        for _ in range(MAX_PAGES):
            page = self.get(service, path, limit=500, cursor=cursor, **params)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    # the registry ---------------------------------------------------------------------------------------------

    def organizations(self) -> list[dict[str, Any]]:
        return list(self.every("registry", "/api/v1/organizations"))

    def people(self, plural: str, **filters: Any) -> dict[str, Any]:
        return self.get("registry", f"/api/v1/{plural}", **filters)

    def person(self, plural: str, ident: str) -> dict[str, Any]:
        return self.get("registry", f"/api/v1/{plural}/{ident}")

    def import_file(self, kind: str, filename: str, content: bytes, *, dry_run: bool, on_error: str) -> Any:
        params = {"kind": kind, "dry_run": str(dry_run).lower(), "on_error": on_error}
        return self.request("registry", "POST", "/api/v1/imports", params=params,
                            files={"file": (filename, content)}, timeout=300).json()

    def export(self, plural: str, extension: str, **filters: Any) -> httpx.Response:
        """The registry's download of `plural` (mentors: xlsx, csv; mentees: xlsx), filtered as the list."""
        clean = {k: v for k, v in filters.items() if v not in (None, "")}
        return self.request("registry", "GET", f"/api/v1/exports/{plural}.{extension}", params=clean, timeout=300)

    def template(self, kind: str) -> httpx.Response:
        """The registry's blank template of an import layout (XLSX)."""
        return self.request("registry", "GET", f"/api/v1/imports/templates/{kind}.xlsx")

    def municipalities(self) -> list[dict[str, Any]]:
        """The districts of the person's scope: id, name, region_id, organizations."""
        return self.get("registry", "/api/v1/municipalities")["items"]

    def summary(self, scope: str | None = None) -> dict[str, Any]:
        """Active mentors, their places, active mentees and organizations of a scope (default: the person's)."""
        return self.get("registry", "/api/v1/summary", scope=scope)

    def dictionaries(self) -> dict[str, list[dict[str, Any]]]:
        return self.get("registry", "/api/v1/dictionaries")

    # matching and reports -------------------------------------------------------------------------------------

    def pairs(self, **filters: Any) -> Iterator[dict[str, Any]]:
        return self.every("matching", "/api/v1/pairs", **filters)

    def attention(self) -> list[dict[str, Any]]:
        return self.get("matching", "/api/v1/pairs/attention")["items"]

    def indicators(self, scope: str, period: str | None = None) -> dict[str, Any]:
        return self.get("reports", "/api/v1/indicators", scope=scope, period=period)

    # the pair workflow, suggestions, indicator downloads and self-assessments ---------------------------------

    def suggestions(self, mentee_id: str, limit: int = 5) -> dict[str, Any]:
        return self.get("matching", f"/api/v1/mentees/{mentee_id}/suggestions", limit=limit)

    def pair(self, ident: str) -> dict[str, Any]:
        """A pair with its program, plan, diary, reports and `version` (for If-Match)."""
        return self.get("matching", f"/api/v1/pairs/{ident}")

    def pair_write(self, method: str, ident: str, tail: str, body: dict[str, Any], version: int | None = None) -> Any:
        """A write on one pair: `tail` is `confirm`, `program`, `diary`, `plan/<item>`, `reports/<id>/decision`…"""
        return self.send("matching", method, f"/api/v1/pairs/{ident}/{tail}", body, version)

    def indicators_xlsx(self, scope: str, period: str | None = None) -> httpx.Response:
        params = {"scope": scope, **({"period": period} if period else {})}
        return self.request("reports", "GET", "/api/v1/indicators.xlsx", params=params, timeout=120)

    def assessments(self, **filters: Any) -> dict[str, Any]:
        return self.get("reports", "/api/v1/assessments", **filters)

    # bulk matching runs and their review ------------------------------------------------------------------------

    def runs(self, **params: Any) -> dict[str, Any]:
        """One page of the runs the person may read, newest first (`cursor`, `limit`, `status`, `scope`, `draft`):
        `items` and `next_cursor`."""
        return self.get("matching", "/api/v1/runs", **params)

    def run(self, ident: str) -> dict[str, Any]:
        """A run: status, phase, progress, counts, changes, unmatched, unmet demand, review and publication."""
        return self.get("matching", f"/api/v1/runs/{ident}")

    def start_run(self, scope: str | list[str], *, draft: bool, options: dict[str, Any]) -> dict[str, Any]:
        """Queue a run (202 with its id); `all` or a list of regions: a run over several regions."""
        return self.send("matching", "POST", "/api/v1/runs",
                         {"scope": scope, "draft": draft, "dry_run": False, "options": options})

    def run_proposals(self, ident: str, **params: Any) -> dict[str, Any]:
        """One page of a run's proposals (`cursor`, `limit`, `decision`, `change`, `organization_id`, `subject`):
        `items`, `next_cursor` and the `total` under those filters."""
        return self.get("matching", f"/api/v1/runs/{ident}/proposals", **params)

    def run_facets(self, ident: str) -> dict[str, Any]:
        """A run's proposals counted by the mentee's school, subject and (drafts) decision, for the filters."""
        return self.get("matching", f"/api/v1/runs/{ident}/proposals/facets")

    def pairs_summary(self, **params: Any) -> dict[str, Any]:
        """Pairs by state (`scope`, `run_id`): `total` and `by_state`."""
        return self.get("matching", "/api/v1/pairs/summary", **params)

    def run_write(self, ident: str, action: str, body: dict[str, Any] | None = None) -> Any:
        """`decisions`, `publish`, `discard` or `withdraw` on a run."""
        return self.send("matching", "POST", f"/api/v1/runs/{ident}/{action}", body or {})

    def run_file(self, ident: str, name: str) -> httpx.Response:
        """A run's workbook: `proposals.xlsx` or `unmatched.xlsx`."""
        return self.request("matching", "GET", f"/api/v1/runs/{ident}/{name}", timeout=120)
