"""Demo data: a small region written as the spreadsheets operators keep, imported once on first start."""

from __future__ import annotations

import io
import json
import random
import time

import httpx
from openpyxl import Workbook

from shared.auth import Role, issue_token
from shared.config import Settings

DISTRICTS = {
    "Белоярский район": ["МБОУ СОШ № 1 г. Белоярский", "МБОУ СОШ № 3 г. Белоярский", "МАДОУ Детский сад «Сказка»",
                         "МБОУ ООШ № 5 п. Казым"],
    "Березовский район": ["МБОУ СОШ № 1 пгт Березово", "МБОУ СОШ № 6 пгт Игрим", "МБОУ Гимназия пгт Игрим",
                          "МАУ ДО Дом детского творчества пгт Березово"],
    "Октябрьский район": ["МБОУ СОШ № 4 пгт Октябрьское", "МБОУ СОШ № 7 п. Андра", "МБОУ Лицей пгт Приобье",
                          "МБДОУ Детский сад «Солнышко» пгт Октябрьское"],
}
SUBJECTS = ["Математика", "Русский язык", "Начальные классы", "Английский язык", "История", "Физика", "Химия",
            "Биология", "Информатика", "Литература", "География", "Физическая культура"]
SUBJECT_WEIGHTS = [14, 13, 16, 9, 6, 5, 4, 5, 5, 6, 4, 4]
DIRECTIONS = ["Методическая деятельность", "Проектная деятельность", "Внеурочная деятельность",
              "Подготовка к ОГЭ/ЕГЭ", "Работа с родителями", "Организация урочной деятельности"]
SURNAMES = ["Иванова", "Петрова", "Сидорова", "Кузнецова", "Смирнова", "Попова", "Васильева", "Новикова",
            "Морозова", "Волкова", "Соколова", "Лебедева", "Козлова", "Егорова", "Павлова", "Степанова"]
NAMES = ["Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Мария", "Юлия", "Галина"]
PATRONYMICS = ["Александровна", "Сергеевна", "Викторовна", "Николаевна", "Петровна", "Ивановна", "Юрьевна"]
MENTEE_CATEGORIES = ["Молодой специалист", "Молодой специалист", "Молодой специалист", "Новый сотрудник",
                     "Осваивает новые технологии", "Готовится к конкурсу"]
QUALIFICATIONS = ["Высшая категория", "Первая категория", "Первая", "высшая"]
MENTEE_KINDS = ["Молодой специалист, новый сотрудник", "молодой/малоопытный педагог",
                "Молодой специалист, осваивает новые технологии", "Молодой специалист, подготовка к конкурсу",
                "Молодой специалист, новый сотрудник, осваивает новые технологии"]
HEAD_POSITIONS = {"Детский сад": "Заведующий", "Дом детского творчества": "Директор"}
EXPECTED_CATEGORIES = ["Без категории", "Без категории", "Первая категория"]
KPK_DATES = [None, None, "15.03.2024", "02.11.2023", "да", "20.05.2025"]


def _xlsx(header: list[str], rows: list[list[object]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}"


def _stage(subject: str, school: str) -> str:
    if "Детский сад" in school:
        return "Дошкольное образование"
    if subject == "Начальные классы":
        return "Начальное общее"
    return "Основное общее"


def demo_files(seed: int = 86) -> dict[str, bytes]:
    """Organizations, mentors and mentees of three districts, in the operators' own layouts."""
    rng = random.Random(seed)
    orgs = [[d, s, None, rng.randint(25, 70), rng.randint(2, 9), rng.randint(300, 900),
             f"https://school{i}.example.ru/nastavnichestvo" if rng.random() < 0.7 else None,
             _person(rng), "Заместитель директора по УВР", rng.choice(KPK_DATES), _person(rng),
             next((v for k, v in HEAD_POSITIONS.items() if k in s), "Директор")]
            for i, (d, s) in enumerate((d, s) for d, schools in DISTRICTS.items() for s in schools)]
    mentors, mentees, used = [], [], set()
    for district, schools in DISTRICTS.items():
        for school in schools:
            preschool = "Детский сад" in school
            for _ in range(rng.randint(3, 6)):
                name = _person(rng)
                while (school, name) in used:
                    name = _person(rng)
                used.add((school, name))
                subject = "Дошкольное образование" if preschool else rng.choices(SUBJECTS, SUBJECT_WEIGHTS)[0]
                mentors.append([district, school, name, rng.choice(MENTEE_KINDS), subject,
                                ", ".join(rng.sample(DIRECTIONS, 2)), "0-3", rng.choice(EXPECTED_CATEGORIES),
                                f"mentor{len(mentors)}@example.ru", _stage(subject, school), rng.randint(1, 3),
                                rng.choice(["очно", "очно/дистанционно", "дистанционно"]), rng.choice(["да", "нет"]),
                                rng.choice(KPK_DATES), rng.randint(8, 35), rng.choice(QUALIFICATIONS)])
            for _ in range(rng.randint(4, 8)):
                name = _person(rng)
                while (school, name) in used:
                    name = _person(rng)
                used.add((school, name))
                subject = "Дошкольное образование" if preschool else rng.choices(SUBJECTS, SUBJECT_WEIGHTS)[0]
                mentees.append([district, school, name, subject, _stage(subject, school), rng.randint(0, 3),
                                rng.choice(MENTEE_CATEGORIES), rng.choice(DIRECTIONS),
                                rng.choice(["очно", "очно/дистанционно"]), None,
                                rng.choice(["Без категории", "Без категории", "Первая категория"])])
    return {
        "organizations": _xlsx(["Район", "ОО", "Вид", "Педагогов", "Молодых специалистов", "Обучающихся",
                                "Страница наставничества", "Куратор", "Должность куратора", "Куратор прошёл КПК",
                                "Руководитель", "Должность руководителя"], orgs,
                               "Организации демонстрационного региона"),
        "mentors": _xlsx(["Район", "ОО, где работает наставник", "ФИО наставника",
                          "Наставляемый. Кто может стать наставляемым", "Предмет",
                          "Направление совместной деятельности", "Примерный стаж наставляемого",
                          "Предполагаемая категория наставляемого",
                          "Электронный адрес наставника, страница (если есть)", "Уровень образования",
                          "Максимум наставляемых", "Формат", "Согласие на публикацию", "КПК по наставничеству",
                          "Стаж наставника", "Квалификационная категория"], mentors, "Банк наставников"),
        "mentees": _xlsx(["Район", "ОО", "ФИО наставляемого", "Предмет", "Уровень образования", "Стаж (лет)",
                          "Категория наставляемого", "Запрос (направления, дефициты)", "Формат",
                          "Желаемый наставник", "Квалификационная категория"], mentees, "База наставляемых"),
    }


def load_demo_once(settings: Settings, timeout_s: float = 120.0) -> None:
    """Wait for the registry, import the demo files, and remember that it was done."""
    marker = settings.var_dir / "demo-loaded.json"
    if marker.exists():
        print("Демо-данные уже загружены ранее", flush=True)
        return
    token = issue_token(settings, Role.ADMIN, subject="demo-loader")
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=settings.registry_url, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        while True:
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                print("Демо-данные не загружены: реестр не ответил", flush=True)
                return
            time.sleep(0.5)
        reports = {}
        for kind, content in demo_files().items():
            response = client.post("/api/v1/imports", params={"kind": kind, "on_error": "skip"},
                                   files={"file": (f"{kind}.xlsx", content)})
            if response.status_code != 200:
                print(f"Демо-данные ({kind}) не загружены: {response.status_code} {response.text[:300]}", flush=True)
                return
            reports[kind] = response.json()
            body = reports[kind]
            print(f"Демо-данные, {kind}: строк {body['rows']}, создано {body['created']}", flush=True)
    marker.write_text(json.dumps(reports, ensure_ascii=False, indent=1))
