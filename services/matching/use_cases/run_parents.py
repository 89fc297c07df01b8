"""A run over several regions as its children finish: progress, status and the summed summary of its regions.

Each region's run adds its own figures to its parent once, in the transaction that finishes it (succeeded, or
failed for good), under the parent's row lock; so the parent is always the sum of its finished children, and
no child waits for another.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching.adapters.pair_events import SOURCE
from services.matching.adapters.tables import Run
from shared.db import UnitOfWork
from shared.events import as_utc, new_event, utcnow

MULTI_REGION = ("all", "regions")  # scope kinds of a parent run
COUNTS = ("mentees_in_scope", "mentors_available", "matched", "unmatched", "young_specialists_matched", "pinned")


def initial_summary(regions: list[str]) -> dict[str, Any]:
    """A parent's result before any region finished: every region queued, every figure zero."""
    return {"children": {"total": len(regions), "succeeded": 0, "failed": 0},
            "counts": {**dict.fromkeys(COUNTS, 0), "pairs_per_form": {"traditional": 0}}, "total_cost": 0,
            "graph": {"nodes": 0, "arcs": 0, "method": ""},
            "changes": {"previous_run_id": None, "added": 0, "removed": 0, "kept": 0},
            "unmet_demand": [], "unmatched": [], "pins_refused": [], "failed_regions": []}


def _merge_demand(into: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unmet demand of two runs, added up per (subject, stage), largest group first."""
    labels = {(d["subject"], d["stage"]): d for d in into + more}
    counts: Counter[tuple[str | None, str | None]] = Counter()
    for d in into + more:
        counts[d["subject"], d["stage"]] += d["count"]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0] or "", item[0][1] or ""))
    return [{**labels[key], "count": n} for key, n in ordered]


def _add_result(summary: dict[str, Any], result: dict[str, Any]) -> None:
    counts, child = summary["counts"], result.get("counts", {})
    for name in COUNTS:
        counts[name] += child.get(name, 0)
    counts["pairs_per_form"]["traditional"] += child.get("pairs_per_form", {}).get("traditional", 0)
    summary["total_cost"] += result.get("total_cost", 0)
    for name in ("nodes", "arcs"):
        summary["graph"][name] += result.get("graph", {}).get(name, 0)
    methods = {m for m in summary["graph"]["method"].split(",") if m} | {result.get("graph", {}).get("method", "")}
    summary["graph"]["method"] = ",".join(sorted(m for m in methods if m))
    for name in ("added", "removed", "kept"):
        summary["changes"][name] += result.get("changes", {}).get(name, 0)
    summary["unmet_demand"] = _merge_demand(summary["unmet_demand"], result.get("unmet_demand", []))


def record_child(uow: UnitOfWork, child: Run, result: dict[str, Any] | None) -> None:
    """Add a finished region's run to its parent (`result` None: it failed for good, with `child.error`); the
    last one to finish closes the parent and says so in `mentoring.run.completed` or `.failed`."""
    parent = uow.session.get(Run, child.parent_id, with_for_update=True)
    if parent is None or parent.status in ("succeeded", "failed"):
        return
    summary = json.loads(parent.result) if parent.result else initial_summary([])
    children = summary["children"]
    if result is None:
        children["failed"] += 1
        summary["failed_regions"].append({"run_id": child.id, "region_id": child.scope_id, "error": child.error})
    else:
        children["succeeded"] += 1
        _add_result(summary, result)
        summary.setdefault("region_runs", {})[child.id] = {
            "matched": result["counts"]["matched"], "mentees_in_scope": result["counts"]["mentees_in_scope"],
            "total_s": result["timings"]["total_s"]}
    done = children["succeeded"] + children["failed"]
    parent.progress = round(done / max(children["total"], 1), 4)
    if done >= children["total"]:
        close_parent(uow, parent, summary)
    parent.result = json.dumps(summary, ensure_ascii=False)


def child_runs(session: Session, parent: Run, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The regions' runs of a parent, by region, with the figures of those finished (kept in the parent's
    summary, so no child's result document is read)."""
    figures = summary.get("region_runs", {})
    rows = session.execute(select(Run.id, Run.scope_id, Run.status, Run.phase, Run.progress, Run.attempts, Run.error)
                           .where(Run.parent_id == parent.id).order_by(Run.scope_id))
    return [{"id": run_id, "region_id": region, "status": status, "phase": phase, "progress": progress,
             "attempts": attempts, "error": error, **figures.get(run_id, {})}
            for run_id, region, status, phase, progress, attempts, error in rows]


def close_parent(uow: UnitOfWork, parent: Run, summary: dict[str, Any]) -> None:
    """Every region finished: the parent succeeded when all did, else it failed naming the regions."""
    finished = utcnow()
    started = as_utc(parent.started_at) if parent.started_at else finished
    summary["timings"] = {"total_s": round((finished - started).total_seconds(), 3)}
    parent.phase, parent.progress, parent.finished_at = None, 1.0, finished
    failed = summary["failed_regions"]
    if failed:
        parent.status = "failed"
        parent.error = "Подбор не выполнен в регионах: " + "; ".join(
            f"{f['region_id']} — {f['error']}" for f in failed)
        uow.publish(new_event("mentoring.run.failed", SOURCE, parent.id,
                              {"run_id": parent.id, "scope": parent.scope, "error": parent.error}))
        return
    parent.status = "succeeded"
    counts = summary["counts"]
    uow.publish(new_event("mentoring.run.completed", SOURCE, parent.id, {
        "run_id": parent.id, "scope": parent.scope, "dry_run": parent.dry_run,
        "mentees_in_scope": counts["mentees_in_scope"], "matched": counts["matched"],
        "unmatched": counts["unmatched"], "total_cost": summary["total_cost"]}))
