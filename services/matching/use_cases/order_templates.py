"""A municipality's own order template: upload (checked before it is kept), download, return to the default.

The municipal operator manages the template of its municipality, the region's operator those of its region,
the administrator any; the orders of every school of the municipality are filled into it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from services.matching.adapters.default_order_template import shipped
from services.matching.adapters.tables import OrderTemplate, OrganizationView
from services.matching.domain.order_template import TemplateRejected, check_template
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import NotFound, ValidationFailed
from shared.events import utcnow

DEFAULT_NAME = "Шаблон приказа (по умолчанию).docx"


@dataclass(frozen=True)
class TemplateFile:
    """The template a municipality's orders use: its bytes, file name, and whether it is the default one."""

    content: bytes
    filename: str
    default: bool


def template_of(session: Session, municipality_id: str) -> bytes:
    """The template the municipality's orders are filled into: its own, or the default."""
    own = session.get(OrderTemplate, municipality_id)
    return own.content if own is not None else shipped()


def _check_access(session: Session, principal: Principal, municipality_id: str) -> None:
    """Operators inside their scope (403 outside); a municipality the read model does not know is 404."""
    principal.require(Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    region = session.exec(select(OrganizationView.region_id)
                          .where(OrganizationView.municipality_id == municipality_id).limit(1)).first()
    if region is None:
        raise NotFound(f"Муниципалитет {municipality_id} не найден")
    principal.require_scope(municipality_id=municipality_id, region_id=region)


def current_template(session: Session, principal: Principal, municipality_id: str,
                     default: bool = False) -> TemplateFile:
    """The municipality's template as a file to download (the default one when `default`)."""
    _check_access(session, principal, municipality_id)
    own = None if default else session.get(OrderTemplate, municipality_id)
    if own is None:
        return TemplateFile(shipped(), DEFAULT_NAME, default=True)
    return TemplateFile(own.content, own.filename, default=False)


def upload_template(uow: UnitOfWork, principal: Principal, municipality_id: str, content: bytes,
                    filename: str) -> TemplateFile:
    """Keep the municipality's own template once it passes every check (422 with the reason otherwise)."""
    session = uow.session
    _check_access(session, principal, municipality_id)
    try:
        check_template(content)
    except TemplateRejected as rejected:
        raise ValidationFailed(str(rejected), errors=[{"field": "file", "message": str(rejected)}]) from None
    name = (filename or "").strip()[:300] or "Шаблон приказа.docx"
    own = session.get(OrderTemplate, municipality_id) or OrderTemplate(
        municipality_id=municipality_id, content=content, filename=name, uploaded_by=principal.actor)
    own.content, own.filename = content, name
    own.uploaded_by, own.uploaded_at = principal.actor, utcnow()
    session.add(own)
    uow.commit()
    return TemplateFile(content, name, default=False)


def reset_template(uow: UnitOfWork, principal: Principal, municipality_id: str) -> None:
    """Return the municipality to the default template (nothing to do when it has none of its own)."""
    session = uow.session
    _check_access(session, principal, municipality_id)
    own = session.get(OrderTemplate, municipality_id)
    if own is not None:
        session.delete(own)
    uow.commit()
