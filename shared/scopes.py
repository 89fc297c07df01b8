"""The scope value `kind:id` and the rule "rows this caller may see", over columns rather than models.

Pure at import: the pure cores use `Scope`; the SQL helpers import SQLAlchemy only when called, and take the
columns that locate a row (its organization, municipality and region) so each service passes its own table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from shared.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from shared.auth import Principal

ScopeKind = Literal["region", "municipality", "organization"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("region", "municipality", "organization")
KIND_LABELS = {"region": "Регион", "municipality": "Район", "organization": "Организация"}
PersonKind = Literal["mentor", "mentee"]
PERSON_KINDS: tuple[PersonKind, ...] = ("mentor", "mentee")


@dataclass(frozen=True)
class Scope:
    """A region, a municipality or one organization: where a run, an indicator or a caller's rights apply."""

    kind: ScopeKind
    id: str

    @classmethod
    def parse(cls, text: str, field: str = "scope") -> Scope:
        """`region:<id>`, `municipality:<id>` or `organization:<id>`; anything else is a 422 naming `field`."""
        kind, _, ident = text.partition(":")
        if kind not in SCOPE_KINDS or not ident or len(ident) > 36:
            raise ValidationFailed("Область: region:<id>, municipality:<id> или organization:<id>",
                                   errors=[{"field": field, "message": f"недопустимое значение «{text[:60]}»"}])
        return cls(kind, ident)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    def includes(self, organization_id: str, municipality_id: str, region_id: str) -> bool:
        """Whether a record located in this organization, municipality and region lies inside the scope."""
        located = {"organization": organization_id, "municipality": municipality_id, "region": region_id}
        return located[self.kind] == self.id


def person_scope(kind: str, person_id: str) -> str:
    """The scope of a mentor's or a mentee's account: their own record, `mentor:<id>` or `mentee:<id>`."""
    if kind not in PERSON_KINDS or not person_id:
        raise ValueError(f"область человека: mentor:<id> или mentee:<id>, не {kind}:{person_id}")
    return f"{kind}:{person_id}"


def visible_rows(principal: Principal, *, region: Any, municipality: Any, organization: Any, mentor: Any = None,
                 mentee: Any = None) -> tuple[Any, ...]:
    """WHERE clauses for the rows located inside the caller's scope: `stmt.where(*visible_rows(...))`.

    Admin and integrator see every row (no clause); a scoped role sees the rows of its own region,
    municipality or organization; a mentor or a mentee the rows whose `mentor`/`mentee` column names them, and
    none where the caller gives no such column.
    """
    from shared.auth import Role

    if principal.role in (Role.ADMIN, Role.INTEGRATOR):
        return ()
    column = {"region": region, "municipality": municipality, "organization": organization, "mentor": mentor,
              "mentee": mentee}.get(principal.scope_kind or "")
    if column is None:
        from sqlalchemy import false

        return (false(),)
    return (column == principal.scope_id,)


def region_of(session: Any, scope: Scope, *, region: Any, municipality: Any, organization: Any,
              known_to: str) -> str:
    """The region a scope lies in, looked up in the service's own organizations (columns given).

    `known_to` completes the not-found message: «Район … неизвестен {known_to}».
    """
    if scope.kind == "region":
        return scope.id
    from sqlalchemy import select

    column = municipality if scope.kind == "municipality" else organization
    found = session.execute(select(region).where(column == scope.id).limit(1)).scalar()
    if found is None:
        raise NotFound(f"{KIND_LABELS[scope.kind]} {scope.id} неизвестен(на) {known_to}")
    return str(found)
