"""A municipality's own order template: what the upload check accepts and refuses (in Russian), and that an accepted
template is what the order is filled into."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from services.matching.adapters.default_order_template import build, shipped
from services.matching.domain.order_document import SAMPLE, order_docx
from services.matching.domain.order_template import MAX_BYTES, TemplateRejected, check_template

LOOP = ("{%tr for p in pairs %}", "{%tr endfor %}")


def template(*paragraphs: str, cells: tuple[str, ...] = ("{{ p.mentor_name }}", "{{ p.mentee_name }}"),
             loop: tuple[str, str] | None = LOOP) -> bytes:
    """A .docx with these paragraphs and a table: a header, the loop's opening row, a row per pair, its end."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    rows = [("Наставник", "Наставляемый")] + ([(loop[0], ""), cells, (loop[1], "")] if loop else [])
    table = document.add_table(rows=len(rows), cols=2)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def repacked(content: bytes, extra: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    """The same package with parts added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, (replace or {}).get(item.filename, source.read(item)))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def refusal(content: bytes) -> str:
    with pytest.raises(TemplateRejected) as refused:
        check_template(content)
    return str(refused.value)


def test_the_default_template_and_a_small_one_of_ones_own_pass_the_check():
    check_template(shipped())
    check_template(template("Приказ по {{ organization }} от {{ date }} № {{ number }}", "{{ head_name }}"))


def test_the_shipped_default_template_is_what_the_generator_builds():
    with zipfile.ZipFile(io.BytesIO(shipped())) as ours, zipfile.ZipFile(io.BytesIO(build())) as fresh:
        assert ours.read("word/document.xml") == fresh.read("word/document.xml")


def test_an_unknown_placeholder_is_refused_naming_it_and_the_known_ones():
    message = refusal(template("{{ director }} {{ organization }} {{ stamp.number }}"))
    assert message.startswith("Неизвестные поля в шаблоне: {{ director }}, {{ stamp }}.")
    assert "Допустимы: organization, municipality" in message and "p.mentor_name" in message


def test_an_unknown_field_of_a_pair_is_refused():
    assert refusal(template(cells=("{{ p.salary }}", ""))).startswith("Неизвестное поле пары: p.salary")


def test_a_template_without_the_pairs_loop_is_refused():
    message = refusal(template("{{ organization }}", loop=None))
    assert "нет таблицы пар" in message and "{%tr for p in pairs %}" in message


def test_a_loop_over_something_else_is_not_the_pairs_loop():
    message = refusal(template(cells=("{{ x }}", ""), loop=("{%tr for x in [1, 2] %}", "{%tr endfor %}")))
    assert "нет таблицы пар" in message


@pytest.mark.parametrize(("content", "start"), [
    (b"", "Файл шаблона пуст"),
    (b"%PDF-1.7 a scanned order", "Это не документ Word (.docx)"),
    (b"PK\x05\x06" + b"\x00" * 18, "Это не документ Word (.docx): в архиве нет основного текста"),
], ids=["empty", "pdf", "empty zip"])
def test_what_is_not_a_word_document_is_refused(content: bytes, start: str):
    assert refusal(content).startswith(start)


def test_a_macro_enabled_document_is_refused():
    with_macros = repacked(shipped(), extra={"word/vbaProject.bin": b"\x00attribute vb_name"})
    assert "макросами" in refusal(with_macros)


def test_a_word_template_file_dotx_is_refused():
    with zipfile.ZipFile(io.BytesIO(shipped())) as package:
        types = package.read("[Content_Types].xml").replace(b"document.main+xml", b"template.main+xml")
    assert "а не как шаблон (.dotx)" in refusal(repacked(shipped(), replace={"[Content_Types].xml": types}))


def test_a_file_over_the_size_limit_or_unpacking_huge_is_refused():
    assert "больше 5 МБ" in refusal(b"PK" + b"\x00" * MAX_BYTES)
    bomb = repacked(shipped(), extra={"word/media/zeros.bin": b"\x00" * (60 * 1024 * 1024)})
    assert "слишком большой объём" in refusal(bomb)


def test_broken_jinja_is_refused_with_the_parsers_reason():
    assert refusal(template("{% if organization %}без конца")).startswith("Ошибка в разметке шаблона:")


def test_a_template_cannot_reach_python_internals():
    message = refusal(template("{{ organization.__class__.__mro__ }}"))
    assert message.startswith("Шаблон не заполняется пробными данными")


def test_an_accepted_template_is_filled_with_the_pairs_in_its_table():
    own = template("МАРКЕР {{ municipality }}: {{ organization }}", "№ {{ number }} от {{ date }}",
                   cells=("{{ p.n }}. {{ p.mentor_name }} ({{ p.period }})", "{{ p.mentee_name }}"))
    check_template(own)
    document = docx.Document(io.BytesIO(order_docx(SAMPLE, own)))
    assert document.paragraphs[0].text == "МАРКЕР Белоярский район: МБОУ «СОШ № 1»"
    assert document.paragraphs[1].text == "№ 15-н от «01» сентября 2026 г."
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows == [["Наставник", "Наставляемый"],
                    ["1. Иванова Анна Петровна (01.09.2026 – 31.05.2027)", "Петров Пётр Ильич"],
                    ["2. Смирнова Ольга Ивановна ()", "Козлова Ирина Олеговна"]]
