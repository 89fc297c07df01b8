"""Dictionaries (code lists): Russian labels of the codes, the JSON the API serves, and text normalisation.

`normalize` folds the spellings operators use so that they compare equal; the tolerant lookup of those
spellings in a spreadsheet cell belongs to the registry's importer (`services.registry.importing`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from shared.dictionary_data import DICTIONARIES

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

_CHARS = str.maketrans({"ё": "е", "\u00a0": " ", "\u202f": " ", "«": '"', "»": '"', "“": '"', "”": '"',
                        "„": '"', **{dash: "-" for dash in "‐‑‒–—―−"}})
_TIGHT = re.compile(r"\s*([-/,;])\s*")
_TIGHT_TRIGGER = re.compile(r"[-/,;]")
_PARENS = re.compile(r"\(\s+|\s+\)")
_NUMBER_SIGN = re.compile(r"№\s*")


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


def label(dictionary_name: str, entry_id: str) -> str:
    """Russian label of an id."""
    for candidate, text, _ in DICTIONARIES[dictionary_name]:
        if candidate == entry_id:
            return text
    raise UnknownSpelling(dictionary_name, entry_id)


def labels(dictionary_name: str, entry_ids: Iterable[str]) -> str:
    """Russian labels of ids, comma-separated, as a page or a spreadsheet cell shows them."""
    return ", ".join(label(dictionary_name, entry_id) for entry_id in entry_ids)


def as_json() -> dict[str, list[dict[str, object]]]:
    """Every dictionary as `{name: [{"id", "label", "spellings"}]}` for the API."""
    return {name: [{"id": entry_id, "label": text, "spellings": list(spellings)}
                   for entry_id, text, spellings in entries]
            for name, entries in DICTIONARIES.items()}
