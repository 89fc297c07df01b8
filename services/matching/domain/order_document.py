"""Draft of the order fixing mentoring pairs (приказ о закреплении наставнических пар) as a DOCX document."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_PARAGRAPH_ALIGNMENT, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

__all__ = ["MONTHS_GENITIVE", "OrderDraft", "OrderPair", "order_docx", "program_period", "russian_date"]

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                   "ноября", "декабря")
BLANK = "____________________"
BLANK_DATE = "«___» ____________ 20___ г."
BLANK_DAY = "__.__.____"
FONT = "Times New Roman"
COLUMNS = ("№", "ФИО наставника", "Должность наставника", "ФИО наставляемого", "Должность наставляемого",
           "Форма наставничества", "Ролевая модель", "Срок программы")
WIDTHS_CM = (1.0, 3.8, 3.3, 3.8, 3.3, 3.2, 3.2, 3.8)
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
    """What the head of an organization signs: organization, number, date, curator, pairs, academic year."""

    organization_name: str
    municipality_name: str
    order_number: str | None
    order_date: date | None
    curator_name: str | None
    head_name: str | None
    pairs: list[OrderPair]
    year: int


def russian_date(day: date | None) -> str:
    """A date as «24» ноября 2026 г.; None as a blank line to fill in by hand."""
    if day is None:
        return BLANK_DATE
    return f"«{day.day:02d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def program_period(started_on: date | None, planned_end_on: date | None) -> str:
    """Program period as dd.mm.yyyy – dd.mm.yyyy; empty when both ends are unknown."""
    if started_on is None and planned_end_on is None:
        return ""
    start, end = (BLANK_DAY if d is None else d.strftime("%d.%m.%Y") for d in (started_on, planned_end_on))
    return f"{start} – {end}"


def _text(value: str | None, blank: str = "") -> str:
    """Text safe for XML (control characters dropped); blank when missing or empty."""
    cleaned = ILLEGAL_XML.sub("", value or "").strip()
    return cleaned or blank


def _paragraph(doc: DocxDocument, text: str = "", *, bold: bool = False, align: WD_PARAGRAPH_ALIGNMENT | None = None,
               indent: bool = False, size: float | None = None) -> None:
    """Add one paragraph with a single run."""
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
    run = paragraph.add_run(text)
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)


def _setup(doc: DocxDocument) -> None:
    """A4, Times New Roman 14 pt, single spacing, margins 3/1.5/2/2 cm."""
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)


def _period_clause(pairs: list[OrderPair]) -> str:
    """Common program period of all pairs, or a reference to the appendix when they differ."""
    periods = {(p.started_on, p.planned_end_on) for p in pairs}
    if len(periods) == 1:
        start, end = periods.pop()
        if start is not None and end is not None:
            return f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"
    return "согласно приложению"


def _body(doc: DocxDocument, draft: OrderDraft) -> None:
    """Header, title, preamble, numbered points and the signature."""
    organization = _text(draft.organization_name, BLANK)
    _paragraph(doc, organization, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, _text(draft.municipality_name), align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _paragraph(doc, "ПРИКАЗ", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=16)
    _paragraph(doc)
    line = doc.add_paragraph()
    line.paragraph_format.tab_stops.add_tab_stop(Cm(16.5), WD_TAB_ALIGNMENT.RIGHT)
    line.add_run(f"от {russian_date(draft.order_date)}\t№ {_text(draft.order_number, '__________')}")
    _paragraph(doc)
    _paragraph(doc, "О закреплении наставнических пар", bold=True)
    _paragraph(doc)
    years = f"{draft.year}/{draft.year + 1} учебный год"
    _paragraph(doc, "В соответствии с региональным положением о системе (целевой модели) наставничества педагогических "
               f"работников в образовательных организациях, программой наставничества {organization} на {years}, "
               "на основании письменного согласия наставников и наставляемых на возложение на них дополнительных "
               "обязанностей, связанных с наставнической деятельностью, п р и к а з ы в а ю:", indent=True)
    curator = _text(draft.curator_name)
    points = (
        "Закрепить наставнические пары согласно приложению к настоящему приказу",
        f"Утвердить сроки реализации персонализированных программ наставничества {_period_clause(draft.pairs)}",
        f"Назначить куратором реализации персонализированных программ наставничества {curator or BLANK}",
        f"Куратору{f' ({curator})' if curator else ''} обеспечить ежемесячный сбор дневников наставников, "
        "ведение банка наставников и наставляемых и подготовку отчета о реализации персонализированных программ "
        "наставничества по итогам полугодия",
        "Контроль исполнения настоящего приказа оставляю за собой",
    )
    for number, point in enumerate(points, start=1):
        _paragraph(doc, f"{number}. {point.rstrip('.')}.", indent=True)
    _paragraph(doc)
    _paragraph(doc)
    _paragraph(doc, f"Руководитель ОО ____________ {_text(draft.head_name, BLANK)}")


def _appendix(doc: DocxDocument, draft: OrderDraft) -> None:
    """Landscape appendix with the table of pairs."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin, section.right_margin = Cm(2), Cm(2)
    reference = f"к приказу от {russian_date(draft.order_date)} № {_text(draft.order_number, '__________')}"
    for text in ("Приложение", reference):
        _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
    _paragraph(doc)
    _paragraph(doc, f"Наставнические пары на {draft.year}/{draft.year + 1} учебный год", bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    table = doc.add_table(rows=1 + len(draft.pairs), cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [COLUMNS] + [
        (str(n), _text(p.mentor_name), _text(p.mentor_position), _text(p.mentee_name), _text(p.mentee_position),
         _text(p.form), _text(p.role_model), program_period(p.started_on, p.planned_end_on))
        for n, p in enumerate(draft.pairs, start=1)
    ]
    for index, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, value, width in zip(row.cells, values, WIDTHS_CM, strict=True):
            cell.width = Cm(width)
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(12)
            run.bold = index == 0
    repeat_header = OxmlElement("w:tblHeader")
    repeat_header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat_header)
    if not draft.pairs:
        _paragraph(doc, "Пары не выбраны", align=WD_ALIGN_PARAGRAPH.CENTER, size=12)


def order_docx(draft: OrderDraft) -> bytes:
    """The order draft as a DOCX document in Russian."""
    doc = Document()
    _setup(doc)
    doc.core_properties.title = "О закреплении наставнических пар"
    doc.core_properties.author = _text(draft.organization_name)
    _body(doc, draft)
    _appendix(doc, draft)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
