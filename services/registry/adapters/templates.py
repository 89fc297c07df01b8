"""Workbooks in the import layouts (`importing.layouts.LAYOUTS`, the seed bank `bank` too): blank templates and rows.

A column's header is the first spelling the importer accepts for it, so whatever is written in these columns
imports back as it is. A blank template marks the required columns with `*` (the importer ignores it) and
carries a second sheet, «Пояснения», saying per column whether it is required and which values it takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from services.registry.importing.layouts import LAYOUTS
from shared.dictionary_data import DICTIONARIES
from shared.xlsx import StreamedBook, one_sheet, to_bytes

KIND_TITLES = {"mentors": "Банк наставников", "bank": "Банк наставников", "mentees": "База наставляемых",
               "organizations": "Организации"}
NOTES_TITLE = "Пояснения"
NOTES_HEADER = ["Столбец", "Обязательный", "Допустимые значения"]
COLUMN_DICTIONARIES = {"subjects": "subjects", "stages": "stages", "directions": "directions", "formats": "formats",
                       "category": "mentee_categories", "mentee_kinds": "mentee_categories",
                       "mentee_qualification": "qualification_categories",
                       "qualification": "qualification_categories", "kind": "organization_kinds"}
SEVERAL = "несколько значений — через запятую или «;»"
COLUMN_HINTS = {
    "district": "название района (муниципалитета)",
    "organization": "название образовательной организации",
    "name": "название образовательной организации",
    "full_name": "фамилия, имя, отчество",
    "mentee_experience": "лет: «0-3», «до 5 лет», «более 10», «любой»",
    "contact": "адрес электронной почты и (или) ссылка на страницу",
    "capacity": "целое число от 1 до 30; пусто — 1",
    "consent_to_publication": "да или нет; пусто — нет",
    "consent_processing": "дата согласия на обработку персональных данных (ДД.ММ.ГГГГ) или да/нет; «да» — согласие "
                          "на дату загрузки; пусто или «нет» — согласия нет: человек не подбирается, не публикуется "
                          "и не выгружается за пределы района",
    "experience_years": "целое число лет или диапазон, например «21-30» (берётся нижняя граница)",
    "trained": "дата КПК по наставничеству (ДД.ММ.ГГГГ) или да/нет; пусто — нет",
    "trained_on": "дата КПК по наставничеству (ДД.ММ.ГГГГ)",
    "honours": "награды и почётные звания, как в документах",
    "curator_position": "должность куратора",
    "curator_trained": "дата КПК куратора (ДД.ММ.ГГГГ) или да/нет",
    "head_name": "ФИО руководителя организации",
    "head_position": "должность руководителя (например, директор)",
    "preferred_mentors": "ФИО наставника из банка; несколько — через «;»",
    "teachers": "целое число",
    "young_specialists": "целое число, не больше числа педагогов",
    "students": "целое число",
    "page_url": "ссылка на страницу наставничества на сайте организации",
    "curator": "ФИО куратора наставничества",
}
MANY = {"subjects", "stages", "directions", "formats", "mentee_kinds"}


def headers(kind: str, *, mark_required: bool = False) -> list[str]:
    """The layout's headers as operators write them; with `mark_required`, `*` after each required one."""
    return [aliases[0] + ("*" if required and mark_required else "") for required, aliases in LAYOUTS[kind].values()]


def allowed_values(field: str) -> str:
    """What a column takes: the labels of its dictionary, or a few words on its form."""
    if field == "request":
        return f"направления совместной деятельности ({_labels('directions')}) и (или) дефициты своими словами, " \
               "через «;»"
    dictionary = COLUMN_DICTIONARIES.get(field)
    if dictionary is None:
        return COLUMN_HINTS.get(field, "")
    return f"{_labels(dictionary)} ({SEVERAL})" if field in MANY else _labels(dictionary)


def _labels(dictionary: str) -> str:
    return "; ".join(text for _, text, _ in DICTIONARIES[dictionary])


def notes(kind: str) -> list[list[object]]:
    """One row per column of the layout: its header, whether it is required, its allowed values."""
    return [[aliases[0], "да" if required else "нет", allowed_values(field)]
            for field, (required, aliases) in LAYOUTS[kind].items()]


def blank_template(kind: str) -> bytes:
    """An empty sheet with the layout's headers (`*` marks a required column) and the sheet of explanations."""
    book = StreamedBook()
    book.sheet(KIND_TITLES[kind], headers(kind, mark_required=True), [])
    book.sheet(NOTES_TITLE, NOTES_HEADER, notes(kind), [44, 14, 100])
    return to_bytes(book.close())


def layout_xlsx(kind: str, rows: Iterable[Sequence[object]]) -> IO[bytes]:
    """The rows under the layout's headers, one sheet, as a rewound temporary file."""
    return one_sheet(KIND_TITLES[kind], headers(kind), rows)
