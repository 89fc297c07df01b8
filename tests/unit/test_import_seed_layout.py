"""The municipal bank as seed 000 shows it, the columns added for the indicators (КПК, honours, curator, head,
a mentee's qualification), merged district cells carried down, and the report of unknown headers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.registry.domain.import_fields import mentee_fields, mentor_fields, organization_fields
from services.registry.importing import cells
from services.registry.importing.columns import detect_header
from services.registry.importing.importer import ImportFileError, import_file
from tests.unit.test_importer import MENTOR_HEADER, MENTOR_ROW, csv_bytes, xlsx

DATA = Path(__file__).resolve().parents[1] / "data"
BANK_HEADER = ["Муниципалитет", "Образовательная организация", "ФИО", "Направление помощи", "Предметная область",
               "Направление профессиональной деятельности", "Стаж", "Категория", "ссылка"]
BANK_ROW = ["Белохолуницкий", "МБОУ СОШ № 12", "Тополева Елена Анатольевна", "молодой/малоопытный педагог",
            "Русский язык и литература", "Внеурочная деятельность", "21-30", "высшая категория",
            "https://sosh12.bhol.ru/deyatelnost/nastavnichestvo"]
ORG_HEADER = ["Район", "ОО", "Куратор", "Должность куратора", "Куратор прошёл КПК", "Руководитель",
              "Должность руководителя"]


def bank(rows: list[list[object]], kind: str = "mentors"):
    return import_file(xlsx(rows), "bank.xlsx", None, kind)


def test_the_seed_bank_file_imports_every_column_into_its_field():
    result = import_file((DATA / "bank_seed000.xlsx").read_bytes(), "bank_seed000.xlsx", None, "mentors")
    assert (result.layout, result.layout_name) == ("bank", "Банк наставников муниципалитета")
    assert (result.rows, result.valid, result.errors, result.unknown_columns) == (8, 8, (), ())
    records = [r.record for r in result.records]
    assert {r.municipality for r in records} == {"Белохолуницкий"}  # written once over the merged A2:A9
    first = records[0]
    assert (first.organization, first.full_name) == ("МБОУ СОШ № 12 г. Белая Холуница", "Тополева Елена Анатольевна")
    assert first.mentee_kinds == ("young_specialist", "low_experience")
    assert (first.subjects, first.directions) == (("russian", "literature"), ("extracurricular",))
    assert (first.experience_years, first.qualification) == (21, "highest")
    assert first.page_url == "https://sosh12.bhol.ru/deyatelnost/nastavnichestvo" and first.email is None
    assert first.mentee_experience is None and first.mentee_qualification is None
    primary = records[2]
    assert (primary.subjects, primary.stages, primary.directions) == (("primary_classes",), ("primary",),
                                                                      ("leadership",))
    assert [r.experience_years for r in records] == [21, 21, 31, 31, 11, 21, 0, 31]
    assert [r.qualification for r in records] == ["highest", "first", "highest", "highest", "first", "highest",
                                                  "none", "highest"]
    assert [r.directions[0] for r in records] == ["extracurricular", "class_management", "leadership", "inclusive",
                                                  "project", "leadership", "extracurricular", "leadership"]
    assert records[6].mentee_kinds == ("young_specialist",)


def test_the_sample_layout_still_wins_for_its_own_headers():
    result = import_file(xlsx([MENTOR_HEADER, MENTOR_ROW]), "b.xlsx", None, "mentors")
    assert result.layout == "mentors" and result.valid == 1
    assert result.records[0].record.mentee_experience == (0, 3)


def test_the_layout_naming_more_columns_wins():
    header = detect_header(((1, tuple(BANK_HEADER)),), "mentors")
    assert header.layout == "bank" and len(header.columns) == 9
    with pytest.raises(ImportFileError) as caught:
        detect_header(((1, tuple(BANK_HEADER[:3] + ["Предметная область"])),), "mentors")
    assert caught.value.code == "missing_columns" and "Направление помощи" in caught.value.message


@pytest.mark.parametrize(("cell", "years"), [("21-30", 21), ("31–40", 31), ("0-10", 0), ("11 - 20 лет", 11),
                                              ("25", 25), ("более 30", 30), ("до 5 лет", 0)])
def test_the_mentors_own_experience_range_is_stored_as_its_lower_bound(cell, years):
    assert cells.experience_years(cell) == years


@pytest.mark.parametrize("cell", ["много", "21-", "80-90"])
def test_an_experience_that_is_neither_years_nor_a_range_is_an_error(cell):
    with pytest.raises(cells.CellError):
        cells.experience_years(cell)


@pytest.mark.parametrize(("cell", "category"), [("высшая категория", "highest"), ("первая категория", "first"),
                                                 ("без категории", "none"), ("Высшая", "highest")])
def test_the_category_of_the_seed_bank_is_the_mentors_qualification(cell, category):
    record = bank([BANK_HEADER, BANK_ROW[:7] + [cell] + BANK_ROW[8:]]).records[0].record
    assert record.qualification == category


@pytest.mark.parametrize(("cell", "kinds"), [
    ("молодой/малоопытный педагог", ("young_specialist", "low_experience")),
    ("молодой педагог; малоопытный педагог", ("young_specialist", "low_experience")),
    ("молодой специалист, выгорание", ("young_specialist", "burnout")),
    ("Малоопытный педагог", ("low_experience",)),
])
def test_several_mentee_kinds_in_one_cell_of_the_help_column(cell, kinds):
    record = bank([BANK_HEADER, BANK_ROW[:3] + [cell] + BANK_ROW[4:]]).records[0].record
    assert record.mentee_kinds == kinds


def test_an_unknown_mentee_kind_is_an_error_in_the_help_column():
    result = bank([BANK_HEADER, BANK_ROW[:3] + ["звездочёт"] + BANK_ROW[4:]])
    [error] = result.errors
    assert (error.column, error.code) == ("Направление помощи", "unknown_value")


@pytest.mark.parametrize(("cell", "trained"), [
    ("да", (True, None)), ("нет", (False, None)), ("12.05.2023", (True, date(2023, 5, 12))),
    ("2023-05-12T00:00:00", (True, date(2023, 5, 12))), ("да, 01.02.24", (True, date(2024, 2, 1))),
    ("прошёл", (True, None)),
])
def test_a_training_cell_is_a_date_or_yes_or_no(cell, trained):
    assert cells.training(cell) == trained


@pytest.mark.parametrize("cell", ["когда-нибудь", "31.02.2023", "2023"])
def test_a_training_cell_that_is_no_date_and_no_answer_is_an_error(cell):
    with pytest.raises(cells.CellError) as caught:
        cells.training(cell)
    assert caught.value.code == "bad_date"


@pytest.mark.parametrize("header", [MENTOR_HEADER, BANK_HEADER])
def test_kpk_and_honours_are_read_in_both_mentor_layouts(header):
    row = MENTOR_ROW if header is MENTOR_HEADER else BANK_ROW
    rows = [header + ["КПК по наставничеству", "Дата КПК", "Награды, звания"],
            row + ["да", "15.03.2024", "Почётный работник общего образования РФ"],
            row[:2] + ["Вторая Анна Ивановна"] + row[3:] + ["нет", "", ""],
            row[:2] + ["Третья Анна Ивановна"] + row[3:] + ["", "2022-10-01", ""]]
    first, second, third = (r.record for r in bank(rows).records)
    assert (first.trained, first.trained_on, first.honours) == (True, date(2024, 3, 15),
                                                                "Почётный работник общего образования РФ")
    assert (second.trained, second.trained_on, second.honours) == (False, None, None)
    assert (third.trained, third.trained_on) == (True, date(2022, 10, 1))
    fields = mentor_fields(first)
    assert (fields["trained"], fields["trained_on"], fields["honours"]) == (True, date(2024, 3, 15),
                                                                            first.honours)


def test_a_file_without_the_kpk_columns_keeps_what_is_stored():
    fields = mentor_fields(bank([MENTOR_HEADER, MENTOR_ROW]).records[0].record)
    assert not {"trained", "trained_on", "honours"} & set(fields)


def test_the_curator_and_the_head_of_an_organization_are_read():
    rows = [ORG_HEADER, ["Белохолуницкий", "МБОУ СОШ № 12", "Иванова Анна Петровна", "заместитель директора по УВР",
                         "10.01.2024", "Петров Пётр Петрович", "директор"],
            ["", "МБОУ СОШ № 11", "", "", "нет", "Сидоров Иван Иванович", "директор"]]
    result = import_file(xlsx(rows), "orgs.xlsx", None, "organizations")
    assert result.ok, result.errors
    first, second = (r.record for r in result.records)
    fields = organization_fields(first)
    assert fields["has_curator"] and fields["curator_name"] == "Иванова Анна Петровна"
    assert (fields["curator_position"], fields["curator_trained"], fields["curator_trained_on"]) == (
        "заместитель директора по УВР", True, date(2024, 1, 10))
    assert (fields["head_name"], fields["head_position"]) == ("Петров Пётр Петрович", "директор")
    assert second.municipality == "Белохолуницкий"  # carried down from the row above
    assert not organization_fields(second)["has_curator"] and organization_fields(second)["curator_trained"] is False


def test_a_mentees_qualification_column_is_not_its_kind():
    header = ["Район", "ОО", "ФИО", "Предмет", "Уровень образования", "Стаж", "Категория", "Запрос",
              "Квалификационная категория"]
    row = ["Район", "МБОУ СОШ № 1", "Новая Анна Ивановна", "Математика", "5-9", "1", "Молодой специалист",
           "Проектная деятельность", "первая"]
    record = import_file(xlsx([header, row]), "m.xlsx", None, "mentees").records[0].record
    assert (record.category, record.qualification) == ("young_specialist", "first")
    assert mentee_fields(record, {})["qualification_category"] == "first"
    without = import_file(xlsx([header[:-1], row[:-1]]), "m.xlsx", None, "mentees").records[0].record
    assert "qualification_category" not in mentee_fields(without, {})


def test_an_empty_district_and_organization_are_carried_down_from_the_row_above_in_a_csv():
    rows = [BANK_HEADER, BANK_ROW, ["", "", "Вторая Анна Ивановна", *BANK_ROW[3:]],
            ["", "МБОУ Сосновская СОШ", "Третья Анна Ивановна", *BANK_ROW[3:]],
            ["", "", "Четвёртая Анна Ивановна", *BANK_ROW[3:]]]
    result = import_file(csv_bytes(rows), "bank.csv", None, "mentors")
    assert result.ok, result.errors
    places = [(r.record.municipality, r.record.organization) for r in result.records]
    assert places == [("Белохолуницкий", "МБОУ СОШ № 12")] * 2 + [("Белохолуницкий", "МБОУ Сосновская СОШ")] * 2


def test_an_organization_is_not_carried_into_another_district_and_a_first_row_needs_a_district():
    rows = [MENTOR_HEADER, [""] + MENTOR_ROW[1:], MENTOR_ROW,
            ["Другой район", "", "Вторая Анна Ивановна", *MENTOR_ROW[3:]]]
    result = import_file(xlsx(rows), "bank.xlsx", None, "mentors")
    assert [(e.row, e.code) for e in result.errors] == [(2, "missing_district"), (4, "missing_org")]
    assert result.valid == 1


def test_unknown_headers_are_named_and_their_columns_ignored():
    rows = [["№", *BANK_HEADER, "Любимый цвет", "Примечание"], [1, *BANK_ROW, "синий", "—"]]
    result = bank(rows)
    assert result.valid == 1 and result.layout == "bank"
    assert result.unknown_columns == ("Любимый цвет", "Примечание")
    assert result.expected_columns[:3] == ["Муниципалитет", "Образовательная организация", "ФИО"]
    assert "Направление помощи" in result.expected_columns and "КПК по наставничеству" in result.expected_columns
