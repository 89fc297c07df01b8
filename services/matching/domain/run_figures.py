"""Figures of a run an operator reads besides its pairs: the demand it left unmet, and what changed against the
previous run of the same scope."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from services.matching.domain.arrays import BoolArray
from shared.dictionary_data import DICTIONARIES

SUBJECT_LABELS = {code: label for code, label, _spellings in DICTIONARIES["subjects"]}
STAGE_LABELS = {code: label for code, label, _spellings in DICTIONARIES["stages"]}
NO_SUBJECT_LABEL = "без предмета (направления деятельности)"
NO_STAGE_LABEL = "уровень не указан"


def unmet_demand(subjects: Sequence[str | None], stages: Sequence[str | None]) -> list[dict[str, Any]]:
    """Unmatched mentees counted by (subject, stage), largest group first, with the Russian labels."""
    counts = Counter(zip(subjects, stages, strict=True))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0] or "", item[0][1] or ""))
    return [{"subject": subject, "subject_label": SUBJECT_LABELS.get(subject, subject) if subject else NO_SUBJECT_LABEL,
             "stage": stage, "stage_label": STAGE_LABELS.get(stage, stage) if stage else NO_STAGE_LABEL,
             "count": count} for (subject, stage), count in ordered]


def compare_runs(previous_run_id: str | None, previous: Mapping[str, str], mentee_ids: Sequence[str],
                 mentor_ids: Sequence[str]) -> tuple[BoolArray, dict[str, Any]]:
    """Which proposals the previous run also made (the same mentee with the same mentor), and the counts:
    added (new here), removed (there, not here) and kept."""
    kept: BoolArray = np.fromiter((previous.get(mentee) == mentor for mentee, mentor in
                                   zip(mentee_ids, mentor_ids, strict=True)), dtype=bool, count=len(mentee_ids)) \
        if previous else np.zeros(len(mentee_ids), dtype=bool)
    same = int(kept.sum())
    return kept, {"previous_run_id": previous_run_id, "added": len(mentee_ids) - same,
                  "removed": len(previous) - same, "kept": same}
