"""The order fixing mentoring pairs: the default template filled in, a DOCX in Russian with the pairs in an appendix
table."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from services.matching.adapters.default_order_template import shipped
from services.matching.domain.order_document import (
    OrderDraft,
    OrderPair,
    order_context,
    order_docx,
    program_period,
    russian_date,
)


def pair(n: int = 1, **kw) -> OrderPair:
    base = dict(mentor_name=f"Иванова Анна Петровна {n}", mentor_position="учитель математики",
                mentee_name=f"Петров Пётр Ильич {n}", mentee_position="учитель информатики", form="Традиционная",
                role_model="Педагог – педагог", started_on=date(2026, 9, 1), planned_end_on=date(2027, 5, 31))
    return OrderPair(**{**base, **kw})


def draft(pairs: list[OrderPair] | None = None, **kw) -> OrderDraft:
    base = dict(organization_name="МБОУ «СОШ № 63»", municipality_name="г. Казань", order_number="15-о",
                order_date=date(2026, 11, 24), curator_name="Ефимова М.Г.", head_name="Сидоров С.С.",
                head_position="Директор", pairs=[pair()] if pairs is None else pairs, year=2026)
    return OrderDraft(**{**base, **kw})


def opened(d: OrderDraft) -> docx.document.Document:
    return docx.Document(io.BytesIO(order_docx(d, shipped())))


def body_text(document: docx.document.Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def table_rows(document: docx.document.Document) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[0].rows]


def test_the_order_names_the_organization_and_carries_the_title_and_the_points():
    document = opened(draft())
    text = body_text(document)
    assert document.paragraphs[0].text == "МБОУ «СОШ № 63»"
    assert document.paragraphs[0].runs[0].bold
    assert "ПРИКАЗ" in text
    assert "О закреплении наставнических пар" in text
    assert "2026/2027 учебный год" in text
    for start in ("1. Закрепить наставнические пары", "2. Утвердить сроки", "3. Назначить куратором",
                  "4. Куратору", "5. Контроль исполнения"):
        assert start in text
    assert "Назначить куратором реализации персонализированных программ наставничества: Ефимова М.Г." in text
    assert "Директор ____________ Сидоров С.С." in text


def test_the_order_date_and_number_render_in_russian():
    text = body_text(opened(draft()))
    assert "от «24» ноября 2026 г.\t№ 15-о" in text


MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
          "декабря"]


@pytest.mark.parametrize(("month", "genitive"), list(enumerate(MONTHS, start=1)))
def test_every_month_is_written_in_the_genitive(month: int, genitive: str):
    assert russian_date(date(2026, month, 5)) == f"«05» {genitive} 2026 г."


def test_the_program_period_is_written_with_day_month_year_and_a_dash():
    assert program_period(date(2026, 9, 1), date(2027, 5, 31)) == "01.09.2026 – 31.05.2027"
    assert program_period(date(2026, 9, 1), None) == "01.09.2026 – __.__.____"
    assert program_period(None, None) == ""


def test_every_pair_is_a_table_row_with_both_names_and_the_program_period():
    pairs = [pair(1), pair(2, mentee_position=None, started_on=None, planned_end_on=None)]
    rows = table_rows(opened(draft(pairs)))
    assert rows[0] == ["№", "ФИО наставника", "Должность наставника", "ФИО наставляемого", "Должность наставляемого",
                       "Форма наставничества", "Ролевая модель", "Срок программы"]
    assert rows[1] == ["1", "Иванова Анна Петровна 1", "учитель математики", "Петров Пётр Ильич 1",
                       "учитель информатики", "Традиционная", "Педагог – педагог", "01.09.2026 – 31.05.2027"]
    assert rows[2][:4] == ["2", "Иванова Анна Петровна 2", "учитель математики", "Петров Пётр Ильич 2"]
    assert rows[2][4] == rows[2][7] == ""


def test_a_common_period_is_stated_in_the_order_and_differing_periods_refer_to_the_appendix():
    assert "с 01.09.2026 по 31.05.2027" in body_text(opened(draft()))
    text = body_text(opened(draft([pair(1), pair(2, planned_end_on=date(2027, 12, 31))])))
    assert "Утвердить сроки реализации персонализированных программ наставничества согласно приложению." in text


def test_missing_number_date_curator_and_head_give_blank_lines_not_none():
    document = opened(draft(order_number=None, order_date=None, curator_name=None, head_name=None,
                            head_position=None))
    text = body_text(document)
    assert "None" not in text
    assert "от «__» ______ 20__ г.\t№ ____" in text
    assert "к приказу от «__» ______ 20__ г. № ____" in text
    assert "Назначить куратором реализации персонализированных программ наставничества: ____" in text
    assert "4. Куратору обеспечить" in text
    assert "Руководитель образовательной организации ____________ ____________________" in text
    assert all("None" not in cell for row in table_rows(document) for cell in row)


def test_the_curators_position_follows_the_name_when_known():
    text = body_text(opened(draft(curator_position="заместитель директора по УВР")))
    assert "наставничества: Ефимова М.Г., заместитель директора по УВР." in text


def test_the_context_holds_text_only_with_the_academic_year_and_numbered_pairs():
    context = order_context(draft([pair(1), pair(2)]))
    assert context["year"] == "2026/2027" and context["number"] == "15-о"
    assert [p["n"] for p in context["pairs"]] == ["1", "2"]
    assert context["pairs"][0]["started_on"] == "01.09.2026" and context["pairs"][0]["planned_end_on"] == "31.05.2027"
    assert all(isinstance(v, str) for k, v in context.items() if k != "pairs")


def test_names_with_quotes_and_angle_brackets_survive():
    tricky = "Иванова «Анна» \"Петровна\" & <b>Ко</b>"
    document = opened(draft([pair(mentor_name=tricky)], organization_name="ООО «Школа <№1> & Ко»"))
    assert table_rows(document)[1][1] == tricky
    assert document.paragraphs[0].text == "ООО «Школа <№1> & Ко»"


def test_control_characters_in_names_are_dropped_instead_of_breaking_the_document():
    rows = table_rows(opened(draft([pair(mentor_name="Иванова\x00 Анна\x0b")])))
    assert rows[1][1] == "Иванова Анна"


def test_an_order_without_pairs_has_a_header_only_table_and_says_no_pairs_were_chosen():
    document = opened(draft([]))
    assert len(table_rows(document)) == 1
    assert "Пары не выбраны" in body_text(document)


def test_the_document_is_a4_in_times_new_roman_with_a_landscape_appendix():
    document = opened(draft())
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert 12 <= normal.font.size.pt <= 14
    order, appendix = document.sections
    assert (round(order.page_width.cm, 1), round(order.page_height.cm, 1)) == (21.0, 29.7)
    assert appendix.page_width > appendix.page_height


def test_two_hundred_pairs_make_a_201_row_table():
    data = order_docx(draft([pair(n) for n in range(1, 201)]), shipped())
    rows = table_rows(docx.Document(io.BytesIO(data)))
    assert len(rows) == 201
    assert rows[200][0] == "200"
