"""Parsers of single cells; each raises `CellError` with a Russian message and a stable code."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from services.registry.importing.experience import parse_experience
from shared.dictionaries import UnknownSpelling, normalize

_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}$")
_URL = re.compile(r"^https?://[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?::\d{1,5})?(?:[/?#]\S*)?$", re.IGNORECASE)
_BARE_URL = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}/\S*$|^www\.\S+$", re.IGNORECASE)
_NUMBER = re.compile(r"^(\d{1,9})(?:[.,](\d+))?(?:\s*(?:лет|года|год|чел\.?|человека?))?$")
_CONTACT_SPLIT = re.compile(r"[\s,;]+")
_NAMES_SPLIT = re.compile(r"\s*[;,\n]\s*")
_YES = {"да", "yes", "+", "1", "согласен", "согласна", "есть", "true", "истина", "имеется"}
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_RU_DATE = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})(?!\d)")
_NO = {"нет", "no", "-", "0", "не согласен", "не согласна", "false", "ложь", "отсутствует"}


class CellError(ValueError):
    """A cell whose value cannot be used."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def clean(cell: str) -> str:
    """The cell with whitespace (line breaks too) collapsed to single spaces."""
    return " ".join(cell.split())


def whole_number(cell: str, *, low: int = 0, high: int = 1_000_000, integral: bool = True) -> int:
    """A non-negative whole number within bounds; `2,0` and `2.0` are 2; fractions floor unless integral."""
    match = _NUMBER.match(normalize(cell))
    if match is None:
        raise CellError(f"«{clean(cell)}» — не число", "bad_number")
    if integral and match.group(2) and int(match.group(2)) != 0:
        raise CellError(f"«{clean(cell)}» — нужно целое число", "bad_number")
    value = int(match.group(1))
    if not low <= value <= high:
        raise CellError(f"«{clean(cell)}» — число вне допустимых пределов ({low}–{high})", "bad_number")
    return value


def consent(cell: str) -> bool:
    """Да/нет (and a few synonyms) as a boolean; an empty cell means no consent."""
    value = normalize(cell)
    if not value or value in _NO:
        return False
    if value in _YES:
        return True
    raise CellError(f"«{clean(cell)}» — ожидается «да» или «нет»", "bad_consent")


def consent_day(cell: str) -> tuple[bool, date | None]:
    """Consent to processing: the day it was given (`12.05.2024`, `2024-05-12`, also inside `да, 12.05.2024`), or
    да (given, the day unknown: the import's day) or нет. A day ahead of tomorrow (UTC) is refused."""
    value = normalize(cell)
    if not value or value in _NO:
        return False, None
    if value in _YES:
        return True, None
    on = _date_in(value)
    if on is None:
        raise CellError(f"«{clean(cell)}» — ожидается дата согласия (ДД.ММ.ГГГГ) или «да»/«нет»", "bad_consent")
    if on > datetime.now(UTC).date() + timedelta(days=1):
        raise CellError(f"«{clean(cell)}» — дата согласия ещё не наступила", "bad_consent")
    return True, on


def url(cell: str) -> str:
    """A web link; `www.` and bare domain-with-path links get `https://`."""
    value = clean(cell)
    if _URL.match(value):
        return value
    if _BARE_URL.match(value):
        return f"https://{value}"
    raise CellError(f"«{value}» — не ссылка на страницу", "bad_url")


def contact(cell: str) -> tuple[str | None, str | None]:
    """Split a contact cell into (email, page url); anything that is neither is an error."""
    email: str | None = None
    page: str | None = None
    for token in _CONTACT_SPLIT.split(cell.strip()):
        if not token:
            continue
        if "@" in token and "://" not in token:
            if not _EMAIL.match(token):
                raise CellError(f"«{token}» — некорректный адрес электронной почты", "bad_email")
            email = email or token
            continue
        try:
            page = page or url(token)
        except CellError:
            raise CellError(f"«{token}» — не адрес электронной почты и не ссылка", "bad_email") from None
    return email, page


def names(cell: str) -> tuple[str, ...]:
    """Person names separated by `;`, `,` or line breaks."""
    return tuple(dict.fromkeys(clean(part) for part in _NAMES_SPLIT.split(cell) if part.strip()))


def training(cell: str) -> tuple[bool, date | None]:
    """A training mark (КПК): a date (`12.05.2023`, `2023-05-12`, also inside `да, 12.05.2023`) or да/нет."""
    value = normalize(cell)
    if value in _NO or value in {"не проходил", "не проходила", "не обучен", "не обучена"}:
        return False, None
    if value in _YES or value in {"прошел", "прошла", "обучен", "обучена", "пройдены"}:
        return True, None
    on = _date_in(value)
    if on is None:
        raise CellError(f"«{clean(cell)}» — ожидается дата (ДД.ММ.ГГГГ) или «да»/«нет»", "bad_date")
    return True, on


def _date_in(value: str) -> date | None:
    iso, russian = _ISO_DATE.search(value), _RU_DATE.search(value)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif russian:
        day, month, year = (int(part) for part in russian.groups())
        year += 2000 if year < 100 else 0
    else:
        return None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if 1990 <= found.year <= 2100 else None


def experience_years(cell: str) -> int:
    """A mentor's own experience: whole years (`25`), or a range as the seed's bank writes it (`21-30`).

    A range is stored as its lower bound: the mentor has at least that many years, which is what a rule or a
    report may rely on (`21-30` → 21, `более 30` → 30, `0-10` → 0).
    """
    try:
        return whole_number(cell, high=70)
    except CellError:
        pass
    try:
        low, _ = parse_experience(cell)
    except UnknownSpelling:
        raise CellError(f"«{clean(cell)}» — ожидается число лет или диапазон, например «21-30»",
                        "bad_number") from None
    if low > 70:
        raise CellError(f"«{clean(cell)}» — число вне допустимых пределов (0–70)", "bad_number")
    return low
