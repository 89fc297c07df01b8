"""Tolerant detection of the header row and of the layout it is written in (`importing.layouts`).

Headers match after `normalize` (case, spaces, line breaks, `ё`, dashes) with a trailing `*`, `:` or
`.` dropped, in any column order. The header row is searched for among the first rows, so a title
row or blank rows above it are fine. When a kind may be written in several layouts, every layout whose
required columns are all present competes and the one naming the most columns wins (the kind's own layout
on a tie). Headers that match nothing are kept as `Header.unknown`: their columns are not imported and
the import report names them with the headers the layout expects.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.registry.importing.layouts import IGNORED_HEADERS, KIND_LAYOUTS, LAYOUTS, Layout
from services.registry.importing.sheets import ImportFileError, Row
from shared.dictionaries import normalize

__all__ = ["HEADER_SEARCH_ROWS", "LAYOUTS", "Header", "Layout", "alias_table", "column_letter", "detect_header",
           "find_header", "header_key", "kind_score", "score_header"]

HEADER_SEARCH_ROWS = 50


def header_key(text: str) -> str:
    """A header as compared: normalized, without a trailing `*`, `:` or `.`."""
    return normalize(text).rstrip("*:. ")


_IGNORED = frozenset(header_key(text) for text in IGNORED_HEADERS)


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
    """The detected header row: its number, the column of each field, the headers as written, the unknown ones."""

    row: int
    columns: dict[str, int]
    titles: dict[str, str]
    unknown: tuple[str, ...] = ()
    layout: str = ""

    def missing(self, layout: Layout) -> list[str]:
        """Required fields without a column."""
        return [name for name, (required, _) in layout.items() if required and name not in self.columns]


def score_header(cells: list[str] | tuple[str, ...], aliases: dict[str, str]) -> int:
    """How many distinct fields a row's cells name."""
    return len({aliases[key] for key in map(header_key, cells) if key in aliases})


def kind_score(cells: list[str] | tuple[str, ...], kind: str) -> int:
    """The best `score_header` of a row over the layouts a kind may be written in."""
    return max(score_header(cells, alias_table(LAYOUTS[name])) for name in KIND_LAYOUTS.get(kind, (kind,)))


def find_header(rows: tuple[Row, ...], layout: Layout, name: str = "") -> Header:
    """Find the header row among the first rows; raise `ImportFileError` if absent, incomplete or doubled."""
    aliases = alias_table(layout)
    best: tuple[int, Row] | None = None
    for row in rows[:HEADER_SEARCH_ROWS]:
        score = score_header(row[1], aliases)
        if score >= 2 and not _build(row, aliases, name).missing(layout):
            return _build(row, aliases, name)
        if best is None or score > best[0]:
            best = (score, row)
    if best is None or best[0] < 2:
        expected = ", ".join(f"«{aliases_[0]}»" for required, aliases_ in layout.values() if required)
        raise ImportFileError(f"Не найдена строка заголовков; ожидаются столбцы {expected}", "header_not_found")
    header = _build(best[1], aliases, name)
    missing = header.missing(layout)
    names = ", ".join(f"«{layout[field_][1][0]}»" for field_ in missing)
    raise ImportFileError(f"Строка {header.row}: нет обязательных столбцов {names}", "missing_columns")


def detect_header(rows: tuple[Row, ...], kind: str) -> Header:
    """The header row of the best-matching layout of `kind`; the error of the closest layout when none fits."""
    found: list[Header] = []
    failures: list[tuple[int, ImportFileError]] = []
    for name in KIND_LAYOUTS.get(kind, (kind,)):
        layout = LAYOUTS[name]
        try:
            found.append(find_header(rows, layout, name))
        except ImportFileError as error:
            if error.code == "duplicate_columns":
                raise
            aliases = alias_table(layout)
            failures.append((max((score_header(r[1], aliases) for r in rows[:HEADER_SEARCH_ROWS]), default=0),
                             error))
    if found:
        return max(found, key=lambda header: (len(header.columns), -len(header.unknown)))
    raise max(failures, key=lambda failure: failure[0])[1]


def _build(row: Row, aliases: dict[str, str], layout: str = "") -> Header:
    number, cells = row
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        key = header_key(cell)
        name = aliases.get(key)
        if name is None:
            if key and key not in _IGNORED:
                unknown.append(" ".join(cell.split()))
            continue
        if name in columns:
            raise ImportFileError(
                f"Строка {number}: столбец «{titles[name]}» повторяется "
                f"(столбцы {column_letter(columns[name])} и {column_letter(index)})", "duplicate_columns")
        columns[name] = index
        titles[name] = " ".join(cell.split())
    return Header(number, columns, titles, tuple(unknown), layout)
