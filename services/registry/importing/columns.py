"""Column layouts of the three importable tables and tolerant detection of the header row.

Headers match after `normalize` (case, spaces, line breaks, `ё`, dashes) with a trailing `*`, `:` or
`.` dropped, in any column order. The header row is searched for among the first rows, so a title
row or blank rows above it are fine. Columns that match no known header are ignored.

Organizations (a layout of our own): `Район`*, `ОО` or `Наименование`*, `Вид` (школа, ДОУ, ДО,
СПО; guessed from the name when absent), `Педагогов`, `Молодых специалистов`, `Обучающихся`
(whole numbers), `Страница наставничества` (a link), `Куратор` (a name); * marks required columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.registry.importing.sheets import ImportFileError, Row
from shared.dictionaries import normalize

Layout = dict[str, tuple[bool, tuple[str, ...]]]
HEADER_SEARCH_ROWS = 50

_DISTRICT = ("Район", "Муниципалитет", "Муниципальный район", "Муниципальное образование", "МО")

MENTOR_COLUMNS: Layout = {
    "district": (True, _DISTRICT),
    "organization": (True, ("ОО, где работает наставник", "ОО", "Образовательная организация",
                            "Наименование ОО", "Место работы")),
    "full_name": (True, ("ФИО наставника", "ФИО", "Ф.И.О. наставника", "Ф.И.О.")),
    "mentee_kinds": (True, ("Наставляемый. Кто может стать наставляемым", "Кто может стать наставляемым",
                            "Наставляемый")),
    "subjects": (True, ("Предмет", "Предметы")),
    "directions": (True, ("Направление совместной деятельности", "Направления совместной деятельности",
                          "Направление деятельности", "Направление")),
    "mentee_experience": (True, ("Примерный стаж наставляемого", "Стаж наставляемого")),
    "mentee_qualification": (True, ("Предполагаемая категория наставляемого",
                                    "Квалификационная категория наставляемого")),
    "contact": (True, ("Электронный адрес наставника, страница (если есть)", "Электронный адрес наставника",
                       "Электронный адрес", "Электронная почта", "E-mail", "Email", "Контакты")),
    "stages": (False, ("Уровень образования", "Уровни образования", "Уровень", "Ступень")),
    "capacity": (False, ("Максимум наставляемых", "Максимальное число наставляемых",
                         "Количество наставляемых")),
    "formats": (False, ("Формат", "Форматы", "Формат наставничества")),
    "consent_to_publication": (False, ("Согласие на публикацию",)),
    "qualification": (False, ("Квалификационная категория", "Категория наставника",
                              "Квалификационная категория наставника")),
    "experience_years": (False, ("Стаж наставника", "Педагогический стаж наставника")),
}

MENTEE_COLUMNS: Layout = {
    "district": (True, _DISTRICT),
    "organization": (True, ("ОО", "Образовательная организация", "Наименование ОО", "Место работы")),
    "full_name": (True, ("ФИО наставляемого", "ФИО", "Ф.И.О. наставляемого", "Ф.И.О.")),
    "subjects": (True, ("Предмет", "Предметы")),
    "stages": (True, ("Уровень образования", "Уровни образования", "Уровень", "Ступень")),
    "experience_years": (True, ("Стаж (лет)", "Стаж", "Педагогический стаж", "Стаж, лет")),
    "category": (True, ("Категория наставляемого", "Категория")),
    "request": (True, ("Запрос (направления, дефициты)", "Запрос", "Направления, дефициты",
                       "Дефициты")),
    "formats": (False, ("Формат", "Форматы", "Формат наставничества")),
    "preferred_mentors": (False, ("Желаемый наставник", "Желаемые наставники")),
}

ORGANIZATION_COLUMNS: Layout = {
    "district": (True, _DISTRICT),
    "name": (True, ("ОО", "Наименование", "Наименование ОО", "Образовательная организация",
                    "Организация")),
    "kind": (False, ("Вид", "Вид ОО", "Тип", "Тип ОО")),
    "teachers": (False, ("Педагогов", "Число педагогов", "Количество педагогов")),
    "young_specialists": (False, ("Молодых специалистов", "Число молодых специалистов",
                                  "Количество молодых специалистов")),
    "students": (False, ("Обучающихся", "Число обучающихся", "Количество обучающихся")),
    "page_url": (False, ("Страница наставничества", "Страница", "Сайт")),
    "curator": (False, ("Куратор", "Куратор наставничества")),
}

LAYOUTS: dict[str, Layout] = {"mentors": MENTOR_COLUMNS, "mentees": MENTEE_COLUMNS,
                              "organizations": ORGANIZATION_COLUMNS}


def header_key(text: str) -> str:
    """A header as compared: normalized, without a trailing `*`, `:` or `.`."""
    return normalize(text).rstrip("*:. ")


def alias_table(layout: Layout) -> dict[str, str]:
    """Map every normalized header spelling of a layout to its field."""
    return {header_key(alias): field for field, (_, aliases) in layout.items() for alias in aliases}


def column_letter(index: int) -> str:
    """Excel letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Header:
    """The detected header row: its number, the column of each field and the header as written."""

    row: int
    columns: dict[str, int]
    titles: dict[str, str]

    def missing(self, layout: Layout) -> list[str]:
        """Required fields without a column."""
        return [field for field, (required, _) in layout.items() if required and field not in self.columns]


def score_header(cells: list[str] | tuple[str, ...], aliases: dict[str, str]) -> int:
    """How many distinct fields a row's cells name."""
    return len({aliases[key] for key in map(header_key, cells) if key in aliases})


def find_header(rows: tuple[Row, ...], layout: Layout) -> Header:
    """Find the header row among the first rows; raise `ImportFileError` if absent, incomplete or doubled."""
    aliases = alias_table(layout)
    best: tuple[int, Row] | None = None
    for row in rows[:HEADER_SEARCH_ROWS]:
        score = score_header(row[1], aliases)
        if score >= 2 and not _build(row, aliases).missing(layout):
            return _build(row, aliases)
        if best is None or score > best[0]:
            best = (score, row)
    if best is None or best[0] < 2:
        expected = ", ".join(f"«{aliases_[0]}»" for required, aliases_ in layout.values() if required)
        raise ImportFileError(f"Не найдена строка заголовков; ожидаются столбцы {expected}", "header_not_found")
    header = _build(best[1], aliases)
    missing = header.missing(layout)
    if missing:
        names = ", ".join(f"«{layout[field][1][0]}»" for field in missing)
        raise ImportFileError(f"Строка {header.row}: нет обязательных столбцов {names}", "missing_columns")
    return header


def _build(row: Row, aliases: dict[str, str]) -> Header:
    number, cells = row
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    for index, cell in enumerate(cells):
        field = aliases.get(header_key(cell))
        if field is None:
            continue
        if field in columns:
            raise ImportFileError(
                f"Строка {number}: столбец «{titles[field]}» повторяется "
                f"(столбцы {column_letter(columns[field])} и {column_letter(index)})", "duplicate_columns")
        columns[field] = index
        titles[field] = " ".join(cell.split())
    return Header(number, columns, titles)
