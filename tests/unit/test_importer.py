"""Import of mentors, mentees and organizations: sample files against truth.json, layouts, encodings."""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.registry.importing.importer import ImportFileError, Limits, import_file, natural_key

DATA = Path(__file__).resolve().parents[1] / "data"
TRUTH = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))
REASONS = {"missing_fio", "bad_email", "missing_org", "missing_subject"}
MENTOR_HEADER = ["Район", "ОО, где работает наставник", "ФИО наставника",
                 "Наставляемый. Кто может стать наставляемым", "Предмет", "Направление совместной деятельности",
                 "Примерный стаж наставляемого", "Предполагаемая категория наставляемого",
                 "Электронный адрес наставника, страница (если есть)"]
MENTOR_ROW = ["Белоярский район", "МБОУ СОШ № 3 п. Белоярский", "Иванова Анна Петровна", "молодой специалист",
              "Математика", "Методическая деятельность", "0-3", "Первая", "ivanova@mail.ru"]


def xlsx(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    """An XLSX workbook with one sheet holding `rows` from A1, with `merges` merged."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], separator: str = ";", encoding: str = "cp1251") -> bytes:
    return "\r\n".join(separator.join(row) for row in rows).encode(encoding)


def mentors(data: bytes, filename: str = "bank.xlsx"):
    return import_file(data, filename, None, "mentors")


def truth_errors(entries: list[dict], row_key: str) -> set[tuple[int, str]]:
    return {(entry[row_key], entry["reason"]) for entry in entries}


def test_the_sample_mentors_xlsx_reproduces_truth():
    result = mentors((DATA / "mentors.xlsx").read_bytes())
    assert (result.rows, result.valid) == (TRUTH["mentors_rows"], TRUTH["mentors_valid"])
    assert {(e.row, e.code) for e in result.errors} == truth_errors(TRUTH["invalid_mentors"], "xlsx_row")
    assert len(result.errors) == len(TRUTH["invalid_mentors"])


def test_the_sample_mentors_csv_in_cp1251_reproduces_truth_at_its_line_numbers():
    result = mentors((DATA / "mentors_cp1251.csv").read_bytes(), "mentors.csv")
    assert (result.rows, result.valid) == (TRUTH["mentors_rows"], TRUTH["mentors_valid"])
    assert {(e.row, e.code) for e in result.errors} == truth_errors(TRUTH["invalid_mentors"], "csv_row")
    assert len(result.errors) == len(TRUTH["invalid_mentors"])


def test_the_sample_mentees_xlsx_reproduces_truth():
    result = import_file((DATA / "mentees.xlsx").read_bytes(), "mentees.xlsx", None, "mentees")
    assert (result.rows, result.valid) == (TRUTH["mentees_rows"], TRUTH["mentees_valid"])
    assert {(e.row, e.code) for e in result.errors} == truth_errors(TRUTH["invalid_mentees"], "xlsx_row")
    assert len(result.errors) == len(TRUTH["invalid_mentees"])


def test_errors_name_the_row_column_and_value_in_russian():
    result = mentors((DATA / "mentors.xlsx").read_bytes())
    bad_email = next(e for e in result.error_dicts() if e["code"] == "bad_email")
    assert bad_email["row"] == 32
    assert bad_email["column"] == "Электронный адрес наставника, страница (если есть)"
    assert bad_email["value"] == "ivanova@"
    assert "электронной почты" in bad_email["message"]


def test_csv_and_xlsx_give_the_same_mentor_records():
    from_xlsx = mentors((DATA / "mentors.xlsx").read_bytes())
    from_csv = mentors((DATA / "mentors_cp1251.csv").read_bytes(), "mentors.csv")
    assert sorted(map(repr, (r.record for r in from_xlsx.records))) == sorted(
        map(repr, (r.record for r in from_csv.records)))
    assert {natural_key(r.record) for r in from_xlsx.records} == {natural_key(r.record) for r in from_csv.records}


def test_sample_records_carry_dictionary_ids_and_the_truth_districts():
    result = mentors((DATA / "mentors.xlsx").read_bytes())
    by_row = {r.row: r.record for r in result.records}
    first = by_row[3]
    assert first.subjects == ("russian", "literature")
    assert first.mentee_kinds == ("low_experience",)
    assert first.mentee_experience == (11, 20)
    assert (first.email, first.capacity, first.consent_to_publication) == ("komarova74@mail.ru", 2, True)
    assert by_row[13].formats == ("in_person", "remote")
    assert by_row[4].page_url == "https://sosh1.bkobr.ru/deyatelnost/nastavnichestvo"
    assert by_row[42].subjects == ("primary_classes",) and "primary" in by_row[42].stages
    assert {r.record.municipality for r in result.records} == set(TRUTH["districts"])


def test_a_title_row_and_blank_rows_above_the_header_are_skipped():
    result = mentors(xlsx([["Банк наставников"], [], [], MENTOR_HEADER, MENTOR_ROW]))
    assert (result.header_row, result.rows, result.valid) == (4, 1, 1)
    assert result.records[0].row == 5


def test_the_first_sheet_holding_the_layout_is_read():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Инструкция: заполните лист «Банк»"])
    bank = workbook.create_sheet("Банк")
    for row in (MENTOR_HEADER, MENTOR_ROW):
        bank.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = mentors(buffer.getvalue())
    assert (result.sheet, result.valid) == ("Банк", 1)


def test_a_mentee_without_a_stage_gets_one_from_the_subject_and_organization():
    result = import_file((DATA / "mentees.xlsx").read_bytes(), "mentees.xlsx", None, "mentees")
    by_row = {r.row: r.record for r in result.records}
    assert by_row[42].stages == ("preschool",)
    assert by_row[81].stages == ("preschool",)
    assert by_row[12].preferred_mentors == ("Комарова Альфия Сергеевна",)


def test_columns_in_any_order_are_matched():
    order = list(reversed(range(len(MENTOR_HEADER))))
    result = mentors(xlsx([[MENTOR_HEADER[i] for i in order], [MENTOR_ROW[i] for i in order]]))
    assert result.ok and result.records[0].record.full_name == "Иванова Анна Петровна"


def test_headers_with_line_breaks_case_spaces_and_yo_are_matched():
    header = [h.upper().replace(" ", "\n", 1) + "  " for h in MENTOR_HEADER]
    header[2] = "фио   НАСТАВНИКА*"
    header[3] = "Наставляемый.\nКто может стать наставляемым"
    result = mentors(xlsx([header, MENTOR_ROW]))
    assert result.ok and result.valid == 1


def test_a_missing_required_column_is_a_file_error():
    with pytest.raises(ImportFileError, match="ФИО наставника") as caught:
        mentors(xlsx([MENTOR_HEADER[:2] + MENTOR_HEADER[3:], MENTOR_ROW[:2] + MENTOR_ROW[3:]]))
    assert caught.value.code == "missing_columns"


def test_a_duplicated_header_is_a_file_error():
    with pytest.raises(ImportFileError, match="повторяется") as caught:
        mentors(xlsx([MENTOR_HEADER + ["ФИО  наставника"], MENTOR_ROW + ["Петров"]]))
    assert caught.value.code == "duplicate_columns"


def test_a_district_merged_over_rows_is_filled_down_to_every_row_of_the_range():
    second = [""] + MENTOR_ROW[1:2] + ["Петрова Ольга Ивановна"] + MENTOR_ROW[3:]
    third = [""] + MENTOR_ROW[1:2] + ["Сидорова Мария Ивановна"] + MENTOR_ROW[3:]
    result = mentors(xlsx([MENTOR_HEADER, MENTOR_ROW, second, third], merges=("A2:A4",)))
    assert result.ok and result.valid == 3
    assert {r.record.municipality for r in result.records} == {"Белоярский район"}


def test_an_empty_full_name_is_not_filled_from_the_row_above():
    second = MENTOR_ROW[:2] + [""] + MENTOR_ROW[3:]
    result = mentors(xlsx([MENTOR_HEADER, MENTOR_ROW, second], merges=("A2:A3",)))
    assert [(e.row, e.code) for e in result.errors] == [(3, "missing_fio")]


def test_several_values_in_one_cell_become_several_ids():
    row = MENTOR_ROW[:4] + ["Русский язык и литература", "Методическая деятельность, Обучение"] + MENTOR_ROW[6:]
    record = mentors(xlsx([MENTOR_HEADER, row])).records[0].record
    assert record.subjects == ("russian", "literature")
    assert record.directions == ("methodical", "training")


def test_an_unknown_spelling_is_an_error_in_its_row_and_column():
    row = MENTOR_ROW[:4] + ["Астрология"] + MENTOR_ROW[5:]
    result = mentors(xlsx([MENTOR_HEADER, MENTOR_ROW, row]))
    assert result.valid == 1
    [error] = result.errors
    assert (error.row, error.column, error.value, error.code) == (3, "Предмет", "Астрология", "unknown_value")
    assert "«Астрология»" in error.message


def test_stages_follow_the_subject_and_organization_without_a_stage_column():
    rows = [MENTOR_HEADER, MENTOR_ROW,
            MENTOR_ROW[:2] + ["Б Б Б"] + MENTOR_ROW[3:4] + ["Начальные классы"] + MENTOR_ROW[5:],
            MENTOR_ROW[:1] + ["МАДОУ «Детский сад № 5»", "В В В"] + MENTOR_ROW[3:]]
    stages = [r.record.stages for r in mentors(xlsx(rows)).records]
    assert stages == [("basic", "secondary"), ("primary",), ("preschool",)]


def test_optional_mentor_columns_are_read_with_defaults_when_empty():
    header = MENTOR_HEADER + ["Уровень образования", "Максимум наставляемых", "Формат", "Согласие на публикацию"]
    rows = [header, MENTOR_ROW + ["5-9", "4", "смешанный", "да"], MENTOR_ROW[:2] + ["Б Б Б"] + MENTOR_ROW[3:]]
    first, second = (r.record for r in mentors(xlsx(rows)).records)
    assert (first.stages, first.capacity, first.formats, first.consent_to_publication) == (
        ("basic",), 4, ("blended",), True)
    assert (second.capacity, second.formats, second.consent_to_publication) == (1, (), False)


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("separator", [";", ","])
def test_csv_in_cp1251_or_utf8_with_semicolons_or_commas_reads_alike(encoding, separator):
    quoted = [[f'"{cell}"' for cell in row] for row in (MENTOR_HEADER, MENTOR_ROW)]
    result = mentors(csv_bytes(quoted, separator, encoding), "bank.csv")
    assert result.ok and result.valid == 1
    assert result.records[0].row == 2
    assert result.records[0].record == mentors(xlsx([MENTOR_HEADER, MENTOR_ROW])).records[0].record


def test_a_mentee_request_keeps_free_text_deficits_beside_directions():
    header = ["Район", "ОО", "ФИО наставляемого", "Предмет", "Уровень образования", "Стаж (лет)",
              "Категория наставляемого", "Запрос (направления, дефициты)", "Формат", "Желаемый наставник"]
    row = ["Октябрьский район", "МБОУ СОШ № 1 п. Андра", "Петрова Анна", "Химия", "10-11", 1,
           "Молодой специалист", "Обучение; не умею удерживать дисциплину", "очно",
           "Иванова Анна Петровна; Сидорова Мария"]
    record = import_file(xlsx([header, row]), "m.xlsx", None, "mentees").records[0].record
    assert (record.directions, record.deficits) == (("training",), ("не умею удерживать дисциплину",))
    assert (record.stages, record.experience_years, record.category) == (("secondary",), 1, "young_specialist")
    assert record.preferred_mentors == ("Иванова Анна Петровна", "Сидорова Мария")


def test_organizations_are_validated_and_their_kind_guessed_from_the_name():
    header = ["Район", "Наименование", "Вид", "Педагогов", "Молодых специалистов", "Обучающихся",
              "Страница наставничества"]
    rows = [header,
            ["Белоярский район", "МБОУ СОШ № 3 п. Белоярский", "", 40, 5, 500, "https://sosh3.ru/nast"],
            ["Белоярский район", "МАДОУ «Детский сад № 2»", "ДОУ", 12, 1, 90, ""],
            ["Белоярский район", "МБОУ СОШ № 4", "", 10, 12, "много", "не ссылка"]]
    result = import_file(xlsx(rows), "orgs.xlsx", None, "organizations")
    assert [(r.record.kind, r.record.teachers) for r in result.records] == [("school", 40), ("preschool", 12)]
    assert {e.code for e in result.errors} == {"bad_number", "bad_url"}
    assert {e.row for e in result.errors} == {4}


def test_the_natural_key_ignores_case_spaces_and_yo():
    first = mentors(xlsx([MENTOR_HEADER, MENTOR_ROW])).records[0].record
    row = [MENTOR_ROW[0], " мбоу сош №3  п. Белоярский", "ИВАНОВА  анна петровна"] + MENTOR_ROW[3:]
    second = mentors(xlsx([MENTOR_HEADER, row])).records[0].record
    assert natural_key(first) == natural_key(second)


def test_the_same_person_twice_in_one_file_is_an_error_on_the_second_row():
    result = mentors(xlsx([MENTOR_HEADER, MENTOR_ROW, MENTOR_ROW]))
    assert [(e.row, e.code) for e in result.errors] == [(3, "duplicate_row")]
    assert "строку 2" in result.errors[0].message


def test_ten_thousand_mentor_rows_parse_and_validate():
    body = [list(map(str, row)) for row in _sample_mentor_rows()]
    rng = random.Random(7)
    rows = [MENTOR_HEADER + ["Уровень образования", "Максимум наставляемых", "Формат", "Согласие на публикацию"]]
    for index in range(10_000):
        row = list(rng.choice(body))
        row[2] = f"Наставник{index} Имя Отчество"
        rows.append(row)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Банк")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = mentors(buffer.getvalue())
    assert result.rows == 10_000 and result.valid > 9_000


def _sample_mentor_rows() -> list[tuple]:
    result = mentors((DATA / "mentors.xlsx").read_bytes())
    grid = python_calamine.CalamineWorkbook.from_path(str(DATA / "mentors.xlsx")).get_sheet_by_index(0)
    rows = grid.to_python(skip_empty_area=False)
    return [tuple(rows[r.row - 1]) for r in result.records]


RUSSIAN = "[А-Яа-яЁё]"


def rejected(data: bytes, filename: str = "bank.xlsx", **limits) -> ImportFileError:
    with pytest.raises(ImportFileError, match=RUSSIAN) as caught:
        import_file(data, filename, None, "mentors", limits=Limits(**limits) if limits else None)
    return caught.value


def rezip(data: bytes, change) -> bytes:
    """The XLSX with every worksheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item.filename, change(body) if item.filename.startswith("xl/worksheets/") else body)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty_file"),
    (b"  \r\n\t ", "empty_file"),
    (random.Random(1).randbytes(4096), "not_spreadsheet"),
    (b"%PDF-1.7\n\x00\x01binary", "not_spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "unsupported_format"),
])
def test_empty_or_non_spreadsheet_bytes_are_rejected_in_russian(data, code):
    assert rejected(data, "bank.csv").code == code


def test_a_truncated_xlsx_is_rejected_as_damaged():
    data = (DATA / "mentors.xlsx").read_bytes()
    assert rejected(data[: len(data) // 2]).code == "corrupt_file"
    assert rejected(data[:-30]).code == "corrupt_file"


def test_a_non_zip_named_xlsx_is_rejected_as_damaged():
    assert rejected("Район;ФИО\r\n".encode(), "bank.xlsx").code == "corrupt_file"


def test_a_zip_that_is_not_a_workbook_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert rejected(buffer.getvalue()).code == "not_spreadsheet"


def test_a_zip_bomb_is_rejected_before_the_reader_touches_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x20" * (64 * 2**20))
    error = rejected(buffer.getvalue())
    assert error.code == "zip_bomb" and error.status == 413


def test_a_workbook_expanding_past_the_uncompressed_limit_is_rejected():
    data = (DATA / "mentors.xlsx").read_bytes()
    assert rejected(data, max_uncompressed_bytes=20_000).code == "zip_bomb"


def test_a_file_over_the_upload_limit_is_rejected():
    assert rejected((DATA / "mentors.xlsx").read_bytes(), max_bytes=1000).code == "file_too_large"


def test_a_ten_megabyte_cell_is_rejected_in_csv_and_xlsx():
    big = "ж" * (10 * 2**20)
    csv_data = csv_bytes([MENTOR_HEADER, MENTOR_ROW[:-1] + [big]])
    assert rejected(csv_data, "bank.csv").code == "cell_too_large"
    noise = random.Random(3).randbytes(5 * 2**20).hex()
    assert rejected(xlsx([MENTOR_HEADER, MENTOR_ROW[:-1] + [noise]])).code == "cell_too_large"


def test_a_thousand_columns_are_rejected():
    wide = MENTOR_HEADER + [f"Столбец {i}" for i in range(1000)]
    assert rejected(xlsx([wide, MENTOR_ROW])).code == "too_many_columns"
    assert rejected(csv_bytes([wide, MENTOR_ROW]), "bank.csv").code == "too_many_columns"


def test_a_sheet_without_cell_references_is_still_measured():
    wide = xlsx([MENTOR_HEADER + [f"Столбец {i}" for i in range(300)], MENTOR_ROW])
    stripped = rezip(wide, lambda body: re.sub(rb'\sr="[A-Z]*\d*"', b"", body))
    assert rejected(stripped).code == "too_many_columns"


def test_a_far_away_cell_counts_towards_the_row_limit():
    data = xlsx([MENTOR_HEADER, MENTOR_ROW])
    far = rezip(data, lambda body: body.replace(b"</sheetData>",
                                                b'<row r="900000"><c r="A900000"><v>1</v></c></row></sheetData>'))
    assert rejected(far).code == "too_many_rows"


def test_too_many_rows_are_rejected():
    rows = [MENTOR_HEADER] + [MENTOR_ROW[:2] + [f"Н{i} А А"] + MENTOR_ROW[3:] for i in range(30)]
    assert rejected(xlsx(rows), max_rows=10).code == "too_many_rows"
    assert rejected(csv_bytes(rows), "bank.csv", max_rows=10).code == "too_many_rows"


def test_a_sheet_without_the_expected_header_is_rejected():
    assert rejected(xlsx([["Список"], ["a", "b"], [1, 2]])).code == "header_not_found"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2048), st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b),
                 st.text(max_size=500).map(lambda t: t.encode("utf-8"))))
def test_arbitrary_bytes_either_import_or_raise_import_file_error(data):
    try:
        import_file(data, "upload.bin", None, "mentors")
    except ImportFileError as error:
        assert re.search(RUSSIAN, error.message)


@pytest.mark.parametrize("cell,is_formula", [
    ("=1+1", True), ('=HYPERLINK("http://x","y")', True), ("@SUM(A1:A9)", True), ("+SUM(A1)", True),
    ("-cmd(1)", True), ("+7 912 000-00-00", False), ("-", False), ("Иванова Анна", False), ("= ", False),
    ("a@b.ru", False),
])
def test_only_cells_a_spreadsheet_would_run_as_formulas_are_refused(cell, is_formula):
    from services.registry.importing.columns import Header
    from services.registry.importing.rows import RowContext

    row = RowContext(2, ("Район", cell), Header(1, {"district": 0, "contact": 1}, {"contact": "Контакты"}))
    row.refuse_formulas()
    assert [error.code for error in row.errors] == (["formula"] if is_formula else [])
