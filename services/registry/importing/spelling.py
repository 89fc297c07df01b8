"""Tolerant lookup of the spellings operators write in a cell: one value, or several in one cell.

Unknown spellings are errors, never guesses: `lookup` and `split_values` raise `UnknownSpelling`.
Lookup tables are built lazily, once per process, from `shared.dictionary_data` (`COMBINED` adds
spellings that stand for several ids at once, such as `5-11`).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from shared.dictionaries import UnknownSpelling, normalize
from shared.dictionary_data import COMBINED, DICTIONARIES

_SPACES = re.compile(r"\s+")
_SEPARATOR = re.compile(r"\s*[;,/\n]\s*|\s+и\s+", re.IGNORECASE)


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
    table: dict[str, tuple[str, ...]] = {key: (entry_id,) for key, entry_id in _single_table(name).items()}
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
