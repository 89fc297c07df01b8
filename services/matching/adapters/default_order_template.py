"""The default order template (services/matching/templates/order.docx), built with python-docx.

The .docx ships with the package; this module is how it was made. After a change here, write it again with
`python -m services.matching.adapters.default_order_template` (a unit test checks the shipped file matches).
Each placeholder sits in one run of its own paragraph or cell, so that Word's run splitting cannot break it."""

from __future__ import annotations

import io
import sys
from importlib import resources
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_PARAGRAPH_ALIGNMENT, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Times New Roman"
COLUMNS = ("№", "ФИО наставника", "Должность наставника", "ФИО наставляемого", "Должность наставляемого",
           "Форма наставничества", "Ролевая модель", "Срок программы")
CELLS = ("{{ p.n }}", "{{ p.mentor_name }}", "{{ p.mentor_position }}", "{{ p.mentee_name }}",
         "{{ p.mentee_position }}", "{{ p.form }}", "{{ p.role_model }}", "{{ p.period }}")
WIDTHS_CM = (1.0, 3.8, 3.3, 3.8, 3.3, 3.2, 3.2, 3.8)
PREAMBLE = ("В соответствии с региональным положением о системе (целевой модели) наставничества педагогических "
            "работников в образовательных организациях, программой наставничества {{ organization }} на {{ year }} "
            "учебный год, на основании письменного согласия наставников и наставляемых на возложение на них "
            "дополнительных обязанностей, связанных с наставнической деятельностью, п р и к а з ы в а ю:")
POINTS = (
    "1. Закрепить наставнические пары согласно приложению к настоящему приказу.",
    "2. Утвердить сроки реализации персонализированных программ наставничества {{ period }}.",
    "3. Назначить куратором реализации персонализированных программ наставничества: {{ curator_name }}"
    "{% if curator_position %}, {{ curator_position }}{% endif %}.",
    "4. Куратору обеспечить ежемесячный сбор дневников наставников, ведение банка наставников и наставляемых "
    "и подготовку отчета о реализации персонализированных программ наставничества по итогам полугодия.",
    "5. Контроль исполнения настоящего приказа оставляю за собой.",
)


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


def _body(doc: DocxDocument) -> None:
    """Header, title, preamble, numbered points and the head's signature."""
    _paragraph(doc, "{{ organization }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "{{ municipality }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _paragraph(doc, "ПРИКАЗ", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=16)
    _paragraph(doc)
    line = doc.add_paragraph()
    line.paragraph_format.tab_stops.add_tab_stop(Cm(16.5), WD_TAB_ALIGNMENT.RIGHT)
    line.add_run("от {{ date }}\t№ {{ number }}")
    _paragraph(doc)
    _paragraph(doc, "О закреплении наставнических пар", bold=True)
    _paragraph(doc)
    _paragraph(doc, PREAMBLE, indent=True)
    for point in POINTS:
        _paragraph(doc, point, indent=True)
    _paragraph(doc)
    _paragraph(doc)
    _paragraph(doc, "{{ head_position }} ____________ {{ head_name }}")


def _appendix(doc: DocxDocument) -> None:
    """Landscape appendix: the table of pairs, one row per pair (`{%tr for %}`), a header repeated on each page."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin, section.right_margin = Cm(2), Cm(2)
    for text in ("Приложение", "к приказу от {{ date }} № {{ number }}"):
        _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
    _paragraph(doc)
    _paragraph(doc, "Наставнические пары на {{ year }} учебный год", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    table = doc.add_table(rows=4, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = (COLUMNS, ("{%tr for p in pairs %}", *[""] * 7), CELLS, ("{%tr endfor %}", *[""] * 7))
    for index, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, value, width in zip(row.cells, values, WIDTHS_CM, strict=True):
            cell.width = Cm(width)
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(12)
            run.bold = index == 0
    repeat_header = OxmlElement("w:tblHeader")
    repeat_header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat_header)
    _paragraph(doc, "{% if not pairs %}Пары не выбраны{% endif %}", align=WD_ALIGN_PARAGRAPH.CENTER, size=12)


def build() -> bytes:
    """The default template as .docx bytes."""
    doc = Document()
    _setup(doc)
    doc.core_properties.title = "О закреплении наставнических пар"
    doc.core_properties.author = ""
    _body(doc)
    _appendix(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def shipped() -> bytes:
    """The default template as it ships with the package."""
    return resources.files("services.matching").joinpath("templates/order.docx").read_bytes()


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "templates" / "order.docx"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(build())
    sys.stdout.write(f"{target}\n")
