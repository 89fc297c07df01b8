"""The code lists matching works with, read from the shared dictionary: small integer codes, bitmasks, labels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.dictionary_data import DICTIONARIES

NO_SUBJECT = -1  # the code of a request without a subject (it names directions instead)


@dataclass(frozen=True)
class Vocabulary:
    """String ids as small integer codes (their position) and sets of them as uint64 bitmasks."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.names) > 64 or len(set(self.names)) != len(self.names):
            raise ValueError("a vocabulary holds at most 64 distinct names")

    def code(self, name: str | None) -> int:
        """Code of one name; None is NO_SUBJECT."""
        return NO_SUBJECT if name is None else self.names.index(name)

    def mask(self, names: Iterable[str]) -> int:
        """Bitmask of a set of names."""
        return sum(1 << self.names.index(name) for name in set(names))

    def decode(self, mask: int) -> list[str]:
        """Names whose bits are set in mask."""
        return [name for bit, name in enumerate(self.names) if int(mask) >> bit & 1]


def _dictionary(name: str) -> Vocabulary:
    return Vocabulary(tuple(code for code, _label, _spellings in DICTIONARIES[name]))


SUBJECTS = _dictionary("subjects")
DIRECTIONS = _dictionary("directions")
STAGES = _dictionary("stages")
FORMATS = _dictionary("formats")
CATEGORIES = _dictionary("qualification_categories")  # a mentor's qualification category (and a mentee's)
KINDS = _dictionary("mentee_categories")  # the kind of a mentee (young specialist, new employee, student, ...)
# A kind a mentor lists that takes in another one: a young specialist (0–3 years) is a teacher of little
# experience, so a mentor who helps «малоопытный педагог» helps young specialists too (the seeds write the two
# as one: «молодой/малоопытный педагог»). Applied when a mentor's list becomes a mask (`accepted_kinds`).
WIDER_KINDS: dict[str, tuple[str, ...]] = {"low_experience": ("young_specialist",)}

# Russian labels of subjects, stages and directions, as the dictionary spells them.
LABELS: dict[str, str] = {code: label for name in ("subjects", "stages", "directions")
                          for code, label, _spellings in DICTIONARIES[name]}
KIND_LABELS: dict[str, str] = {code: label for code, label, _spellings in DICTIONARIES["mentee_categories"]}
# A qualification category inside a sentence: the dictionary's label in lower case («высшая категория»).
CATEGORY_LABELS: dict[str, str] = {code: label.lower()
                                   for code, label, _spellings in DICTIONARIES["qualification_categories"]}


def accepted_kinds(listed: Iterable[str]) -> int:
    """The mask of mentee kinds a mentor takes from the kinds it lists (0, any kind, when it lists none)."""
    names = set(listed) & set(KINDS.names)
    return KINDS.mask(names | {wider for name in names for wider in WIDER_KINDS.get(name, ())})
