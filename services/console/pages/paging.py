"""Cursor paging as links: the registry gives the next page's cursor and the total; the way back is a stack kept
in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from services.console.formatting import number

FIRST = "0"  # the first page has no cursor; a registry cursor is never this short
MAX_DEPTH = 200


def parse_stack(text: str | None) -> list[str]:
    return [part for part in (text or "").split(".") if part][:MAX_DEPTH]


@dataclass(frozen=True)
class Pager:
    """Links to the previous and next pages for the list at `cursor` with the stack `back`.

    With the list's `total`, the page `size` and the number of items `shown`, `summary` says which rows these are.
    """

    filters: dict[str, str]
    cursor: str | None
    back: list[str]
    next_cursor: str | None
    total: int | None = None
    size: int = 0
    shown: int = 0

    def _query(self, cursor: str | None, back: list[str]) -> str:
        params = {k: v for k, v in self.filters.items() if v}
        if cursor:
            params["cursor"] = cursor
        if back:
            params["back"] = ".".join(back)
        return "?" + urlencode(params) if params else "?"

    @property
    def next_query(self) -> str | None:
        if not self.next_cursor:
            return None
        return self._query(self.next_cursor, [*self.back, self.cursor or FIRST])

    @property
    def previous_query(self) -> str | None:
        if not self.back:
            return None
        previous = self.back[-1]
        return self._query(None if previous == FIRST else previous, self.back[:-1])

    @property
    def number(self) -> int:
        """The 1-based number of this page."""
        return len(self.back) + 1

    @property
    def summary(self) -> str | None:
        """«Показано 1–50 из 1 234» (numbers as Babel writes them); None without a total or on an empty page."""
        if self.total is None or not self.shown:
            return None
        first = (self.number - 1) * self.size + 1
        last = first + self.shown - 1
        return f"Показано {number(first)}–{number(last)} из {number(self.total)}"
