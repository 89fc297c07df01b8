"""What the importer infers when a cell is empty: the stages a row teaches, the kind of an organization."""

from __future__ import annotations

import re

from shared.dictionaries import normalize
from shared.dictionary_data import DICTIONARIES

STAGE_ORDER: tuple[str, ...] = tuple(entry[0] for entry in DICTIONARIES["stages"])


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
