"""The operator's marks on a run's proposals for the next run («Закрепить», «Исключить из следующего подбора»):
a small JSON file per account and run under var/ (a signed session cookie is too small for a region's marks)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEEP_S = 30 * 24 * 3600
MAX_MARKS = 1000  # as many as the matching service accepts per list
SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class Marks:
    pins: list[dict[str, str]] = field(default_factory=list)
    exclusions: list[dict[str, str]] = field(default_factory=list)

    def find(self, mentor_id: str, mentee_id: str) -> str | None:
        """«pin», «exclude» or None for this pair."""
        for kind, items in (("pin", self.pins), ("exclude", self.exclusions)):
            if any(i["mentor_id"] == mentor_id and i["mentee_id"] == mentee_id for i in items):
                return kind
        return None

    def toggle(self, kind: str, item: dict[str, str]) -> bool:
        """Mark the pair (`pin` or `exclude`), or unmark it when it already is; True when it is marked now.
        A pin replaces another pin of the same mentee; a pair is pinned or excluded, never both."""
        mentor_id, mentee_id = item["mentor_id"], item["mentee_id"]
        was = self.find(mentor_id, mentee_id)
        self.pins = [i for i in self.pins if not (i["mentee_id"] == mentee_id and (
            kind == "pin" or i["mentor_id"] == mentor_id))]
        self.exclusions = [i for i in self.exclusions if not (i["mentor_id"] == mentor_id
                                                              and i["mentee_id"] == mentee_id)]
        if was == kind:
            return False
        target = self.pins if kind == "pin" else self.exclusions
        if len(target) >= MAX_MARKS:
            return False
        target.append(item)
        return True

    def remove(self, mentor_id: str, mentee_id: str) -> None:
        self.pins = [i for i in self.pins if not (i["mentor_id"] == mentor_id and i["mentee_id"] == mentee_id)]
        self.exclusions = [i for i in self.exclusions
                           if not (i["mentor_id"] == mentor_id and i["mentee_id"] == mentee_id)]

    @property
    def keys(self) -> dict[str, str]:
        """`mentor|mentee` → «pin» or «exclude» (what the table shows beside each row)."""
        return {**{f"{i['mentor_id']}|{i['mentee_id']}": "exclude" for i in self.exclusions},
                **{f"{i['mentor_id']}|{i['mentee_id']}": "pin" for i in self.pins}}


class MarkStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, account_id: str, run_id: str) -> Path | None:
        if not (SAFE.fullmatch(account_id) and SAFE.fullmatch(run_id)):
            return None
        return self.directory / f"{account_id}--{run_id}.json"

    def load(self, account_id: str, run_id: str) -> Marks:
        path = self._path(account_id, run_id)
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path else {}
        except (OSError, ValueError):
            return Marks()
        return Marks(list(data.get("pins") or []), list(data.get("exclusions") or []))

    def save(self, account_id: str, run_id: str, marks: Marks) -> None:
        path = self._path(account_id, run_id)
        if path is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sweep()
        draft = path.with_suffix(".tmp")
        draft.write_text(json.dumps({"pins": marks.pins, "exclusions": marks.exclusions}, ensure_ascii=False),
                         encoding="utf-8")
        draft.replace(path)

    def sweep(self) -> None:
        """Forget the marks of runs nobody touched for a month."""
        cutoff = time.time() - KEEP_S
        for path in self.directory.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
