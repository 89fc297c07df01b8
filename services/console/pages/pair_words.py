"""The pair workflow in a curator's words: Russian labels of the API's codes, what a state lets one record, why a
mentor is suggested, the half-years a report may cover (pure: no I/O, no Flask)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

STATES = {"proposed": "предложена", "confirmed": "утверждена приказом", "active": "работает",
          "completed": "завершена", "declined": "отклонена", "terminated": "прекращена досрочно",
          "expired": "предложение истекло", "withdrawn": "предложение отозвано"}
OPEN_STATES = ("proposed", "confirmed", "active")
DECLINED_BY = {"mentor": "Наставник отказался", "mentee": "Наставляемый отказался",
               "curator": "Куратор отклонил предложение"}
# The grounds of early termination in the regulation (§4.12), by the API's `by` code.
TERMINATED_BY = {"both": "По взаимному согласию наставника и наставляемого",
                 "mentor": "По инициативе наставника (обстоятельства, препятствующие продолжению)",
                 "mentee": "По инициативе наставляемого (обстоятельства, препятствующие продолжению)",
                 "curator": "По решению куратора: неисполнение программы или обязанностей наставника"}
ENDED_BY = {"mentor": "наставник", "mentee": "наставляемый", "both": "оба по взаимному согласию",
            "curator": "куратор"}
RESULTS = {"reached": "Цели программы достигнуты", "partly": "Цели достигнуты частично",
           "not_reached": "Цели не достигнуты"}
REPORT_STATUSES = {"submitted": "ждёт решения куратора", "accepted": "принят", "returned": "возвращён на доработку"}
DONE_MESSAGES = {
    "proposed": "Пара предложена. Следующий шаг — получить согласия наставника и наставляемого.",
    "confirm": "Пара утверждена приказом. Следующий шаг — начать программу.",
    "decline": "Предложение отклонено.",
    "activate": "Программа начата. Заполните программу и план, ведите дневник каждый месяц.",
    "extend": "Программа продлена.",
    "complete": "Программа завершена.",
    "terminate": "Программа прекращена досрочно.",
    "program": "Программа и план сохранены.",
    "plan": "Отметка в плане сохранена.",
    "diary": "Запись дневника добавлена.",
    "report": "Отчёт за полугодие внесён: он ждёт решения куратора.",
    "decision": "Решение по отчёту сохранено.",
}
OPERATOR_ROLES = ("admin", "region_operator", "municipal_operator")  # may exceed the 3–12 months with a reason
REPORT_DECIDERS = ("admin", "region_operator", "municipal_operator", "school_curator")


def records_allowed(state: str) -> dict[str, bool]:
    """What may be written beside the transitions in a state (as the matching API checks it)."""
    return {"program": state in ("confirmed", "active"), "diary": state == "active",
            "report": state in ("active", "completed")}


# Clearer words for a few terms when they are read as a penalty beside a suggestion.
TERM_WORDS = {"same_municipality": "другая организация того же района",
              "elsewhere_in_region": "другой район региона (только дистанционно)"}


def reasons(terms: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """A suggestion's cost terms as words: what speaks for the mentor (no cost or a bonus) and what was weighed
    against (a penalty), each with its points."""
    pros, cons = [], []
    for term in terms:
        value = int(term.get("value") or 0)
        label = TERM_WORDS.get(str(term.get("name")), str(term.get("label") or term.get("name") or ""))
        if value > 0:
            cons.append(f"{label}: +{value}")
        elif value < 0:
            pros.append(f"{label}: −{-value}")
        else:
            pros.append(label)
    return pros, cons


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    return day.replace(year=year, month=month, day=min(day.day, 28))


def previous_month(today: date) -> str:
    """`ГГГГ-ММ` of the month before today's: the diary is written for a month that has passed."""
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def half_year(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def half_year_label(code: str) -> str:
    """`2026-H2` → `2-е полугодие 2026 г.`"""
    year, _, half = code.partition("-H")
    return f"{half}-е полугодие {year} г."


def half_years(started_on: str | None, today: date) -> list[tuple[str, str]]:
    """The half-years from the program's start to today, latest first (today's alone without a start)."""
    start = date.fromisoformat(started_on[:10]) if started_on else today
    codes: list[str] = []
    cursor = min(start, today)
    while half_year(cursor) not in codes:
        codes.append(half_year(cursor))
        cursor = add_months(cursor.replace(day=1), 6)
        if cursor > today:
            break
    if half_year(today) not in codes:
        codes.append(half_year(today))
    return [(code, half_year_label(code)) for code in reversed(codes)]
