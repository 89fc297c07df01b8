"""The order fixing mentoring pairs (приказ о закреплении наставнических пар): what it says, as the placeholders
of a DOCX template (docxtpl, Jinja) a municipality may replace with its own, and its rendering.

Placeholders of a template (every value is text; a missing one is a blank line to fill in by hand):

    organization, municipality        the school and its municipality
    number, date                      the order's number and date («24» ноября 2026 г.), blank until signing
    year                              the academic year, «2026/2027»
    period                            the programs' common period («с 01.09.2026 по 31.05.2027») or
                                      «согласно приложению» when the pairs' periods differ
    head_name, head_position          who signs: the head of the organization
    curator_name, curator_position    the curator of the programs
    pairs                             the pairs, a table row loop: {%tr for p in pairs %} … {%tr endfor %}
      p.n, p.mentor_name, p.mentor_position, p.mentee_name, p.mentee_position, p.form, p.role_model,
      p.started_on, p.planned_end_on, p.period
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["BLANK", "BLANK_DATE", "BLANK_NUMBER", "MONTHS_GENITIVE", "PAIR_FIELDS", "PLACEHOLDERS", "SAMPLE",
           "OrderDraft", "OrderPair", "order_context", "order_docx", "program_period", "russian_date",
           "template_environment"]

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                   "ноября", "декабря")
BLANK = "____________________"
BLANK_DATE = "«__» ______ 20__ г."
BLANK_NUMBER = "____"
BLANK_DAY = "__.__.____"
HEAD_POSITION = "Руководитель образовательной организации"
PLACEHOLDERS = ("organization", "municipality", "number", "date", "year", "period", "head_name", "head_position",
                "curator_name", "curator_position", "pairs")
PAIR_FIELDS = ("n", "mentor_name", "mentor_position", "mentee_name", "mentee_position", "form", "role_model",
               "started_on", "planned_end_on", "period")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class OrderPair:
    """One mentoring pair as a row of the order's appendix."""

    mentor_name: str
    mentor_position: str | None
    mentee_name: str
    mentee_position: str | None
    form: str
    role_model: str
    started_on: date | None
    planned_end_on: date | None


@dataclass(frozen=True)
class OrderDraft:
    """What the head of an organization signs: the school, number and date (None until signing), who signs, the
    curator, the pairs and the academic year (its first calendar year)."""

    organization_name: str
    municipality_name: str
    order_number: str | None
    order_date: date | None
    curator_name: str | None
    head_name: str | None
    pairs: list[OrderPair]
    year: int
    head_position: str | None = None
    curator_position: str | None = None


def russian_date(day: date | None) -> str:
    """A date as «24» ноября 2026 г.; None as a blank line to fill in by hand."""
    if day is None:
        return BLANK_DATE
    return f"«{day.day:02d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def _day(day: date | None) -> str:
    return BLANK_DAY if day is None else day.strftime("%d.%m.%Y")


def program_period(started_on: date | None, planned_end_on: date | None) -> str:
    """Program period as dd.mm.yyyy – dd.mm.yyyy; empty when both ends are unknown."""
    if started_on is None and planned_end_on is None:
        return ""
    return f"{_day(started_on)} – {_day(planned_end_on)}"


def _text(value: str | None, blank: str = "") -> str:
    """Text safe for XML (control characters dropped); blank when missing or empty."""
    cleaned = ILLEGAL_XML.sub("", value or "").strip()
    return cleaned or blank


def _common_period(pairs: list[OrderPair]) -> str:
    """Common program period of all pairs, or a reference to the appendix when they differ or are unknown."""
    periods = {(p.started_on, p.planned_end_on) for p in pairs}
    if len(periods) == 1:
        start, end = periods.pop()
        if start is not None and end is not None:
            return f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"
    return "согласно приложению"


def _pair(n: int, p: OrderPair) -> dict[str, str]:
    return {"n": str(n), "mentor_name": _text(p.mentor_name), "mentor_position": _text(p.mentor_position),
            "mentee_name": _text(p.mentee_name), "mentee_position": _text(p.mentee_position), "form": _text(p.form),
            "role_model": _text(p.role_model), "started_on": "" if p.started_on is None else _day(p.started_on),
            "planned_end_on": "" if p.planned_end_on is None else _day(p.planned_end_on),
            "period": program_period(p.started_on, p.planned_end_on)}


def order_context(draft: OrderDraft) -> dict[str, Any]:
    """The values of the placeholders (`PLACEHOLDERS`), all text: blank lines where the draft has no value."""
    return {
        "organization": _text(draft.organization_name, BLANK), "municipality": _text(draft.municipality_name),
        "number": _text(draft.order_number, BLANK_NUMBER), "date": russian_date(draft.order_date),
        "year": f"{draft.year}/{draft.year + 1}", "period": _common_period(draft.pairs),
        "head_name": _text(draft.head_name, BLANK), "head_position": _text(draft.head_position, HEAD_POSITION),
        "curator_name": _text(draft.curator_name, BLANK), "curator_position": _text(draft.curator_position),
        "pairs": [_pair(n, p) for n, p in enumerate(draft.pairs, start=1)],
    }


def template_environment() -> SandboxedEnvironment:
    """Jinja for order templates: sandboxed (a template comes from outside), escaping XML, strict on unknowns."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def order_docx(draft: OrderDraft, template: bytes) -> bytes:
    """The order as a DOCX: `template` (a docxtpl document) filled with the draft's values."""
    document = DocxTemplate(io.BytesIO(template))
    document.render(order_context(draft), jinja_env=template_environment(), autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


SAMPLE = OrderDraft(
    organization_name="МБОУ «СОШ № 1»", municipality_name="Белоярский район", order_number="15-н",
    order_date=date(2026, 9, 1), curator_name="Ефимова Мария Геннадьевна", head_name="Сидоров Сергей Сергеевич",
    head_position="Директор", curator_position="заместитель директора", year=2026,
    pairs=[OrderPair("Иванова Анна Петровна", "учитель (математика)", "Петров Пётр Ильич", None, "Традиционная",
                     "Педагог – педагог", date(2026, 9, 1), date(2027, 5, 31)),
           OrderPair("Смирнова Ольга Ивановна", None, "Козлова Ирина Олеговна", "учитель (химия)", "Групповая",
                     "Педагог – педагог", None, None)])
