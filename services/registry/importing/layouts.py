"""The column layouts the importer knows, as data: field → (required, header spellings, the first as written).

A kind of import may be written in several layouts; the header row decides which one (`columns.detect_header`).
Mentors come in two:

* `mentors` — the «Примерный макет» of seed 000 (`Район`, `ОО, где работает наставник`, ...), where the
  category and the experience are those the mentor expects of a mentee;
* `bank` — the municipal bank as seed 000 shows it (`Муниципалитет · Образовательная организация · ФИО ·
  Направление помощи · Предметная область · Направление профессиональной деятельности · Стаж · Категория ·
  ссылка`). There «Направление помощи» is who the mentor helps (mentee kinds, several in one cell:
  `молодой/малоопытный педагог`), «Предметная область» the subjects (a stage written there, such as
  `Начальная школа`, is the subject «Начальные классы», which implies the stage `primary`), «Направление
  профессиональной деятельности» the directions of joint activity, «Стаж» the MENTOR's own experience as a
  range (`21-30`; stored as its lower bound, see `cells.experience_years`), «Категория» the mentor's own
  qualification category and «ссылка» the mentor's page.

Both mentor layouts take the training in mentoring (КПК: a date or да/нет) and honours; organizations take their
curator and head (names, positions, the curator's КПК); mentees their own qualification category.
"""

from __future__ import annotations

Layout = dict[str, tuple[bool, tuple[str, ...]]]

_DISTRICT = ("Район", "Муниципалитет", "Муниципальный район", "Муниципальное образование", "МО")
_TRAINING: Layout = {
    "trained": (False, ("КПК по наставничеству", "Обучение наставников (КПК)", "Прошёл КПК",
                        "КПК по наставничеству (дата)", "КПК")),
    "trained_on": (False, ("Дата КПК", "Дата КПК по наставничеству", "Дата обучения наставников")),
    "honours": (False, ("Награды, звания", "Почётные звания", "Награды", "Звания")),
}
# the last column of every people's layout: a day (consent given then), да (the import's day) or нет; an empty cell
# is no consent. A file without the column keeps what is stored (a new person: consent on the import's day).
_CONSENT: Layout = {
    "consent_processing": (False, ("Дата согласия на обработку персональных данных",
                                   "Согласие на обработку персональных данных", "Дата согласия на обработку ПДн",
                                   "Согласие на обработку ПДн", "Согласие на обработку ПД",
                                   "Дата согласия на обработку ПД", "Согласие на обработку")),
}
_MENTOR_OPTIONS: Layout = {
    "stages": (False, ("Уровень образования", "Уровни образования", "Уровень", "Ступень")),
    "capacity": (False, ("Максимум наставляемых", "Максимальное число наставляемых",
                         "Количество наставляемых")),
    "formats": (False, ("Формат", "Форматы", "Формат наставничества")),
    "consent_to_publication": (False, ("Согласие на публикацию",)),
}

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
    **_MENTOR_OPTIONS,
    "qualification": (False, ("Квалификационная категория", "Категория наставника",
                              "Квалификационная категория наставника")),
    "experience_years": (False, ("Стаж наставника", "Педагогический стаж наставника")),
    **_TRAINING,
    **_CONSENT,
}

BANK_COLUMNS: Layout = {
    "district": (True, ("Муниципалитет", *(name for name in _DISTRICT if name != "Муниципалитет"))),
    "organization": (True, ("Образовательная организация", "ОО", "ОО, где работает наставник",
                            "Наименование ОО", "Место работы")),
    "full_name": (True, ("ФИО", "ФИО наставника", "Ф.И.О.", "Ф.И.О. наставника")),
    "mentee_kinds": (True, ("Направление помощи", "Направления помощи", "Кому помогает")),
    "subjects": (True, ("Предметная область", "Предметные области", "Предмет", "Предметы")),
    "directions": (True, ("Направление профессиональной деятельности",
                          "Направления профессиональной деятельности", "Направление совместной деятельности",
                          "Направление деятельности")),
    "experience_years": (True, ("Стаж", "Стаж наставника", "Педагогический стаж")),
    "qualification": (True, ("Категория", "Квалификационная категория", "Категория наставника")),
    "contact": (True, ("Ссылка", "Ссылка на страницу", "Страница", "Электронный адрес наставника, страница "
                       "(если есть)", "Электронный адрес", "Электронная почта")),
    "mentee_experience": (False, ("Примерный стаж наставляемого", "Стаж наставляемого")),
    "mentee_qualification": (False, ("Предполагаемая категория наставляемого",
                                     "Квалификационная категория наставляемого")),
    **_MENTOR_OPTIONS,
    **_TRAINING,
    **_CONSENT,
}

MENTEE_COLUMNS: Layout = {
    "district": (True, _DISTRICT),
    "organization": (True, ("ОО", "Образовательная организация", "Наименование ОО", "Место работы")),
    "full_name": (True, ("ФИО наставляемого", "ФИО", "Ф.И.О. наставляемого", "Ф.И.О.")),
    "subjects": (True, ("Предмет", "Предметы")),
    "stages": (True, ("Уровень образования", "Уровни образования", "Уровень", "Ступень")),
    "experience_years": (True, ("Стаж (лет)", "Стаж", "Педагогический стаж", "Стаж, лет")),
    "category": (True, ("Категория наставляемого", "Категория")),  # the mentee KIND, not a qualification
    "request": (True, ("Запрос (направления, дефициты)", "Запрос", "Направления, дефициты",
                       "Дефициты")),
    "formats": (False, ("Формат", "Форматы", "Формат наставничества")),
    "preferred_mentors": (False, ("Желаемый наставник", "Желаемые наставники")),
    "qualification": (False, ("Квалификационная категория", "Категория педагога",
                              "Квалификационная категория наставляемого")),
    **_CONSENT,
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
    "curator": (False, ("Куратор", "Куратор наставничества", "ФИО куратора")),
    "curator_position": (False, ("Должность куратора",)),
    "curator_trained": (False, ("Куратор прошёл КПК", "КПК куратора", "Дата КПК куратора")),
    "head_name": (False, ("Руководитель", "ФИО руководителя", "Директор")),
    "head_position": (False, ("Должность руководителя",)),
}

LAYOUTS: dict[str, Layout] = {"mentors": MENTOR_COLUMNS, "bank": BANK_COLUMNS, "mentees": MENTEE_COLUMNS,
                              "organizations": ORGANIZATION_COLUMNS}
LAYOUT_TITLES = {"mentors": "Банк наставников (примерный макет)", "bank": "Банк наставников муниципалитета",
                 "mentees": "База наставляемых", "organizations": "Организации"}
# the layouts a kind of import may be written in, the kind's own first (it wins a tie)
KIND_LAYOUTS: dict[str, tuple[str, ...]] = {"mentors": ("mentors", "bank"), "mentees": ("mentees",),
                                            "organizations": ("organizations",)}
# columns a header row may carry that hold nothing to import: not reported as unknown
IGNORED_HEADERS = ("№", "№ п/п", "п/п", "N", "No", "Номер")
# cells an empty cell takes from the row above (a district written once over merged cells)
CARRIED_DOWN: dict[str, tuple[str, ...]] = {"mentors": ("district", "organization"),
                                            "mentees": ("district", "organization"),
                                            "organizations": ("district",)}
