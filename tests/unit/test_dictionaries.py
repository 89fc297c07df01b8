"""Dictionaries: normalisation, lookup of operator spellings, splitting of cells, stage inference.

Normalisation, labels and the served JSON live in `shared.dictionaries`; the spelling machinery only the
importer uses lives in `services.registry.importing`.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.importing.experience import parse_experience
from services.registry.importing.inference import guess_organization_kind, implied_stages, infer_stages
from services.registry.importing.spelling import lookup, split_known, split_values
from shared import dictionaries as d
from shared.dictionary_data import DICTIONARIES

REQUIRED_SUBJECTS = {"math", "russian", "literature", "english", "history", "art", "music", "chemistry",
                     "physics", "biology", "geography", "informatics", "primary_classes", "pe", "technology",
                     "social_studies"}


def test_normalize_folds_case_yo_spaces_line_breaks_and_dashes():
    assert d.normalize("  Ёлка\nЗЕЛЁНАЯ   0 – 3\u00a0лет ") == "елка зеленая 0-3 лет"
    assert d.normalize("Педагог — педагог") == d.normalize("педагог-педагог")
    assert d.normalize("МБОУ «СОШ №3»") == d.normalize('мбоу "сош № 3"')


@given(st.text())
def test_normalisation_is_idempotent(text):
    once = d.normalize(text)
    assert d.normalize(once) == once


@pytest.mark.parametrize(("dictionary", "spelling", "expected"), [
    ("qualification_categories", "высшая", "highest"),
    ("qualification_categories", "Высшая категория", "highest"),
    ("qualification_categories", "СЗД", "szd"),
    ("qualification_categories", "без категории", "none"),
    ("qualification_categories", "Первая", "first"),
    ("stages", "1-4", "primary"),
    ("stages", "Начальное общее", "primary"),
    ("stages", "5–9", "basic"),
    ("stages", "10-11", "secondary"),
    ("stages", "Среднее общее", "secondary"),
    ("stages", "СПО", "vocational"),
    ("subjects", "Начальная школа", "primary_classes"),
    ("subjects", "начальные   классы", "primary_classes"),
    ("subjects", "Иностранный язык (английский)", "english"),
    ("subjects", "математика (алгебра, геометрия)", "math"),
    ("subjects", "ИЗО", "art"),
    ("subjects", "Физкультура", "pe"),
    ("mentee_categories", "Молодой/начинающий педагог", "young_specialist"),
    ("mentee_categories", "педагог, сменивший место работы", "changed_workplace"),
    ("mentee_categories", "Малоопытный педагог", "low_experience"),
    ("formats", "смешанный", "blended"),
    ("forms", "флеш-наставничество", "flash"),
    ("role_models", "руководитель – педагог", "head_teacher"),
    ("role_models", "Команда-команда", "team_team"),
    ("organization_kinds", "ДОУ", "preschool"),
    ("directions", "Подготовка к ОГЭ/ЕГЭ", "exam_preparation"),
])
def test_lookup_accepts_the_spellings_operators_use(dictionary, spelling, expected):
    assert lookup(dictionary, spelling) == expected


def test_an_unknown_spelling_is_an_error_naming_the_value_and_the_dictionary():
    with pytest.raises(d.UnknownSpelling) as caught:
        lookup("subjects", "Астрология")
    assert "«Астрология»" in str(caught.value)
    assert "предметы" in str(caught.value)
    assert caught.value.dictionary == "subjects"


@pytest.mark.parametrize(("dictionary", "cell", "expected"), [
    ("subjects", "Русский язык и литература", ("russian", "literature")),
    ("subjects", "русский язык, литература", ("russian", "literature")),
    ("subjects", "История и обществознание", ("history", "social_studies")),
    ("subjects", "Информатика и ИКТ", ("informatics",)),
    ("subjects", "математика (алгебра, геометрия); Физика", ("math", "physics")),
    ("subjects", "Татарский язык и литература", ("native_language", "native_literature")),
    ("directions", "Методическая деятельность, Обучение", ("methodical", "training")),
    ("directions", "Подготовка к ОГЭ/ЕГЭ\nРуководство", ("exam_preparation", "leadership")),
    ("directions", "Методическая деятельность, методическая", ("methodical",)),
    ("formats", "очно/дистанционно", ("in_person", "remote")),
    ("mentee_categories", "Молодой/начинающий педагог, педагог, сменивший место работы",
     ("young_specialist", "changed_workplace")),
    ("mentee_categories", "Педагог, осваивающий новые технологии", ("new_duties",)),
    ("stages", "5-11", ("basic", "secondary")),
])
def test_a_cell_holding_several_values_splits_into_ids(dictionary, cell, expected):
    assert split_values(dictionary, cell) == expected


@given(st.sampled_from(sorted(DICTIONARIES)), st.data())
def test_labels_joined_in_one_cell_split_back_into_their_ids(name, data):
    entries = data.draw(st.lists(st.sampled_from(DICTIONARIES[name]), min_size=1, max_size=4, unique=True))
    separator = data.draw(st.sampled_from(["; ", "\n", " ;"]))
    cell = separator.join(entry[1] for entry in entries)
    assert split_values(name, cell) == tuple(entry[0] for entry in entries)


def test_an_unknown_piece_of_a_cell_is_an_error():
    with pytest.raises(d.UnknownSpelling, match="Астрология"):
        split_values("subjects", "Физика, Астрология")


def test_split_known_keeps_the_unknown_pieces_as_text():
    ids, rest = split_known("directions", "Обучение; не умею вести журнал и планировать уроки")
    assert ids == ("training",)
    assert rest == ("не умею вести журнал и планировать уроки",)


def test_primary_school_subject_implies_the_primary_stage():
    assert lookup("subjects", "Начальная школа") == "primary_classes"
    assert implied_stages(("primary_classes",)) == ("primary",)


@pytest.mark.parametrize(("subjects", "kind", "expected"), [
    (("primary_classes",), "school", ("primary",)),
    (("math",), "school", ("basic", "secondary")),
    (("primary_classes", "music"), "school", ("primary", "basic", "secondary")),
    (("music",), "preschool", ("preschool",)),
    (("preschool_education",), None, ("preschool",)),
    (("informatics",), "college", ("vocational",)),
])
def test_stages_are_inferred_when_there_is_no_stage_column(subjects, kind, expected):
    assert infer_stages(subjects, kind) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("0–3", (0, 3)), ("0-3", (0, 3)), ("до 3 лет", (0, 3)), ("21-30", (21, 30)), ("3-5", (3, 5)),
    ("более 30", (30, None)), ("от 5 лет", (5, None)), ("любой", (0, None)), ("10+", (10, None)),
])
def test_experience_ranges_written_many_ways_parse_to_years(text, expected):
    assert parse_experience(text) == expected


@pytest.mark.parametrize("text", ["много", "30-20", "3 месяца"])
def test_an_unreadable_experience_range_is_an_error(text):
    with pytest.raises(d.UnknownSpelling, match="стаж"):
        parse_experience(text)


@pytest.mark.parametrize(("name", "expected"), [
    ("МБОУ СОШ № 3 п. Белоярский", "school"),
    ("МБОУ ООШ № 2 пгт Октябрьское", "school"),
    ("МАОУ «Гимназия № 1»", "school"),
    ("МБОУ Лицей № 2", "school"),
    ("МАДОУ «Детский сад № 2» пгт Березово", "preschool"),
    ("МБДОУ д/с «Солнышко»", "preschool"),
    ("МБУ ДО «ДДТ»", "additional"),
    ("МАУ ДО ЦДО «Перспектива»", "additional"),
    ("БУ «Югорский политехнический колледж»", "college"),
    ("ГАПОУ Техникум строительства", "college"),
    ("Управление образования", None),
])
def test_the_kind_of_an_organization_is_guessed_from_its_name(name, expected):
    assert guess_organization_kind(name) == expected


def test_labels_of_ids_are_russian_and_comma_separated():
    assert d.label("formats", "in_person") == "Очно"
    assert d.labels("formats", ["in_person", "remote"]) == f"Очно, {d.label('formats', 'remote')}"
    assert d.labels("formats", []) == ""
    with pytest.raises(d.UnknownSpelling):
        d.label("formats", "telepathy")


def test_as_json_lists_every_dictionary_with_ids_labels_and_spellings():
    served = d.as_json()
    assert set(served) >= {"subjects", "stages", "directions", "qualification_categories",
                           "mentee_categories", "formats", "forms", "role_models", "organization_kinds"}
    assert [entry["id"] for entry in served["stages"]] == ["preschool", "primary", "basic", "secondary",
                                                           "vocational"]
    assert {entry["id"] for entry in served["subjects"]} >= REQUIRED_SUBJECTS
    assert {"in_person", "remote", "blended"} == {entry["id"] for entry in served["formats"]}
    assert {"none", "szd", "first", "highest"} == {e["id"] for e in served["qualification_categories"]}
    for entries in served.values():
        for entry in entries:
            assert set(entry) == {"id", "label", "spellings"}
            assert isinstance(entry["spellings"], list)


def test_no_spelling_means_two_different_entries():
    for name in DICTIONARIES:
        for entry_id, label, spellings in DICTIONARIES[name]:
            for spelling in (label, *spellings):
                assert lookup(name, spelling) == entry_id
