"""Dictionaries (code lists) with Russian labels and tolerant lookup of the spellings operators use.

Unknown spellings are errors, never guesses: `lookup` and `split_values` raise `UnknownSpelling`.
Lookup tables are built lazily, once per process, from `shared.dictionary_data`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from shared.dictionary_data import COMBINED, DICTIONARIES

DICTIONARY_LABELS: dict[str, str] = {
    "subjects": "предметы",
    "stages": "уровни образования",
    "directions": "направления совместной деятельности",
    "qualification_categories": "квалификационные категории",
    "mentee_categories": "категории наставляемых",
    "formats": "форматы",
    "forms": "формы наставничества",
    "role_models": "ролевые модели",
    "organization_kinds": "виды организаций",
    "experience": "стаж",
}

STAGE_ORDER: tuple[str, ...] = tuple(entry[0] for entry in DICTIONARIES["stages"])

_CHARS = str.maketrans({"ё": "е", "\u00a0": " ", "\u202f": " ", "«": '"', "»": '"', "“": '"', "”": '"',
                        "„": '"', **{dash: "-" for dash in "‐‑‒–—―−"}})
_SPACES = re.compile(r"\s+")
_TIGHT = re.compile(r"\s*([-/,;])\s*")
_TIGHT_TRIGGER = re.compile(r"[-/,;]")
_PARENS = re.compile(r"\(\s+|\s+\)")
_NUMBER_SIGN = re.compile(r"№\s*")
_SEPARATOR = re.compile(r"\s*[;,/\n]\s*|\s+и\s+", re.IGNORECASE)


class UnknownSpelling(ValueError):
    """A value that no entry of the dictionary spells; the message is Russian and names both."""

    def __init__(self, dictionary: str, value: str) -> None:
        label = DICTIONARY_LABELS.get(dictionary, dictionary)
        super().__init__(f"Значение «{value}» не найдено в справочнике «{label}»")
        self.dictionary = dictionary
        self.value = value


def normalize(text: object) -> str:
    """Fold case, `ё`, quotes, dashes and whitespace (line breaks too) so spellings compare equal."""
    folded = unicodedata.normalize("NFC", str(text)).lower().translate(_CHARS)
    folded = " ".join(unicodedata.normalize("NFC", folded).split())
    if "(" in folded or ")" in folded:
        folded = _PARENS.sub(lambda m: m.group(0).strip(), folded)
    if "№" in folded:
        folded = _NUMBER_SIGN.sub("№", folded)
    if _TIGHT_TRIGGER.search(folded):
        folded = _TIGHT.sub(r"\1", folded)
    return folded


@cache
def _single_table(name: str) -> dict[str, str]:
    if name not in DICTIONARIES:
        raise KeyError(f"Нет справочника «{name}»")
    table: dict[str, str] = {}
    for entry_id, label, spellings in DICTIONARIES[name]:
        for spelling in (entry_id, label, *spellings):
            key = normalize(spelling)
            if table.setdefault(key, entry_id) != entry_id:
                raise ValueError(f"Написание «{spelling}» означает и {table[key]}, и {entry_id}")
    return table


@cache
def _multi_table(name: str) -> dict[str, tuple[str, ...]]:
    table = {key: (entry_id,) for key, entry_id in _single_table(name).items()}
    table.update({normalize(key): ids for key, ids in COMBINED.get(name, {}).items()})
    return table


@lru_cache(maxsize=65536)
def lookup(dictionary_name: str, spelling: str) -> str:
    """Return the id of the one entry spelled `spelling`; raise `UnknownSpelling` otherwise."""
    entry_id = _single_table(dictionary_name).get(normalize(spelling))
    if entry_id is None:
        raise UnknownSpelling(dictionary_name, str(spelling).strip())
    return entry_id


def _pieces(text: str) -> list[tuple[str, str]]:
    """Split at separators outside parentheses into (piece, separator that follows it)."""
    pieces: list[tuple[str, str]] = []
    start = scanned = depth = 0
    for match in _SEPARATOR.finditer(text):
        chunk = text[scanned : match.start()]
        depth = max(0, depth + chunk.count("(") - chunk.count(")"))
        scanned = match.start()
        if depth == 0:
            pieces.append((text[start : match.start()], match.group(0)))
            start = match.end()
    pieces.append((text[start:], ""))
    return pieces


@cache
def _longest_spelling(name: str) -> int:
    return max(len(_pieces(key)) for key in _multi_table(name))


@lru_cache(maxsize=65536)
def split_known(dictionary_name: str, cell: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a cell holding several values into (ids found, pieces no entry spells), longest match first."""
    table = _multi_table(dictionary_name)
    window = _longest_spelling(dictionary_name)
    pieces = _pieces(str(cell).replace("\r\n", "\n").replace("\r", "\n"))
    ids: list[str] = []
    unknown: list[str] = []
    glued = False
    i = 0
    while i < len(pieces):
        if not normalize(pieces[i][0]):
            i += 1
            continue
        for j in range(min(len(pieces), i + window), i, -1):
            joined = "".join(piece + sep for piece, sep in pieces[i : j - 1]) + pieces[j - 1][0]
            found = table.get(normalize(joined))
            if found is not None:
                ids.extend(found)
                glued, i = False, j
                break
        else:
            text = " ".join(pieces[i][0].split())
            if glued:
                unknown[-1] = f"{unknown[-1]}{_SPACES.sub(' ', pieces[i - 1][1])}{text}"
            else:
                unknown.append(text)
            glued, i = True, i + 1
    return tuple(dict.fromkeys(ids)), tuple(unknown)


def split_values(dictionary_name: str, cell: str) -> tuple[str, ...]:
    """Ids of every value in a cell (`;`, `,`, `/`, ` и `, line breaks); raise on any unknown piece."""
    ids, unknown = split_known(dictionary_name, cell)
    if unknown:
        raise UnknownSpelling(dictionary_name, unknown[0])
    return ids


def label(dictionary_name: str, entry_id: str) -> str:
    """Russian label of an id."""
    for candidate, text, _ in DICTIONARIES[dictionary_name]:
        if candidate == entry_id:
            return text
    raise UnknownSpelling(dictionary_name, entry_id)


def as_json() -> dict[str, list[dict[str, object]]]:
    """Every dictionary as `{name: [{"id", "label", "spellings"}]}` for the API."""
    return {name: [{"id": entry_id, "label": text, "spellings": list(spellings)}
                   for entry_id, text, spellings in entries]
            for name, entries in DICTIONARIES.items()}


_ANY_EXPERIENCE = {"любой", "любая", "не важно", "неважно", "без ограничений", "любой стаж"}
_YEARS = r"(?:\s*(?:лет|года|год|г\.?))?"
_EXPERIENCE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(?:от\s*)?(\d{{1,2}})\s*(?:-|до)\s*(\d{{1,2}}){_YEARS}$"), "range"),
    (re.compile(rf"^(?:до|менее|меньше|не более)\s*(\d{{1,2}})(?:-х|х)?{_YEARS}$"), "upto"),
    (re.compile(rf"^(?:более|больше|свыше|от|не менее)\s*(\d{{1,2}}){_YEARS}$"), "from"),
    (re.compile(rf"^(\d{{1,2}})\s*\+{_YEARS}$"), "from"),
    (re.compile(rf"^(\d{{1,2}}){_YEARS}$"), "exact"),
)


@lru_cache(maxsize=4096)
def parse_experience(text: str) -> tuple[int, int | None]:
    """Parse a range of years (`0–3`, `до 3 лет`, `21-30`, `более 30`, `любой`) into (min, max or None)."""
    value = normalize(text)
    if value in _ANY_EXPERIENCE:
        return 0, None
    for pattern, shape in _EXPERIENCE_PATTERNS:
        match = pattern.match(value)
        if match is None:
            continue
        low = int(match.group(1))
        if shape == "range" and low <= int(match.group(2)):
            return low, int(match.group(2))
        if shape == "upto":
            return 0, low
        if shape == "from":
            return low, None
        if shape == "exact":
            return low, low
    raise UnknownSpelling("experience", str(text).strip())


def sort_stages(stages: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Stages in school order, without repeats."""
    return tuple(stage for stage in STAGE_ORDER if stage in stages)


def implied_stages(subjects: tuple[str, ...]) -> tuple[str, ...]:
    """Stages a subject implies on its own (`primary_classes` → primary, preschool education → preschool)."""
    found = {"primary" for s in subjects if s == "primary_classes"}
    found |= {"preschool" for s in subjects if s == "preschool_education"}
    return sort_stages(found)


def infer_stages(subjects: tuple[str, ...], organization_kind: str | None) -> tuple[str, ...]:
    """Stages when no stage is given: a preschool or college decides; else by subject (5–9 and 10–11)."""
    if organization_kind == "preschool":
        return ("preschool",)
    if organization_kind == "college":
        return ("vocational",)
    found = set(implied_stages(subjects))
    if any(s not in {"primary_classes", "preschool_education"} for s in subjects):
        found |= {"basic", "secondary"}
    return sort_stages(found)


_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("college", re.compile(r"колледж|техникум|\bспо\b|\b\w*поу\b|училищ")),
    ("preschool", re.compile(r"\w*доу\b|\bд/с\b")),
    ("additional", re.compile(r"\bу?до\b|\bддт\b|\bцдо\b|\bддю?т\b|\bдюсш\b|\bдши\b|\bцдт\b|"
                              r"дополнительного образования|детского творчества")),
    ("school", re.compile(r"\bсош\b|\bоош\b|\bнош\b|гимнази|лице[йя]|школ|\w*оу\b")),
    ("preschool", re.compile(r"детский сад|ясли")),
)


def guess_organization_kind(name: str) -> str | None:
    """Guess the kind of an organization from its name (МБОУ СОШ → school, ДОУ → preschool, ...)."""
    value = normalize(name)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(value):
            return kind
    return None
