"""`mentoring match`: a bulk run through the running matching service's API, followed until it ends."""

from __future__ import annotations

import argparse
import sys


def run_match(args: argparse.Namespace) -> int:
    """`mentoring match`: queue a run through the matching API, follow it, print its summary."""
    import time

    import httpx

    from shared.auth import Role, issue_token
    from shared.config import load_settings

    settings = load_settings("matching")
    token = args.token or issue_token(settings, Role.ADMIN, subject="cli")
    client = httpx.Client(base_url=settings.matching_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    scope: str | list[str] = args.scope.split(",") if "," in args.scope else args.scope
    try:
        response = client.post("/api/v1/runs", json={"scope": scope, "dry_run": args.dry_run})
    except httpx.HTTPError as exc:
        print(f"ошибка: сервис подбора {settings.matching_url} недоступен ({exc})", file=sys.stderr)
        return 2
    if response.status_code != 202:
        print(f"Подбор не запущен: {response.json().get('detail')}", file=sys.stderr)
        return 1
    run_id = response.json()["id"]
    print(f"Запуск {run_id} принят")
    if not args.wait:
        return 0
    last = None
    while True:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        children = run.get("children") or {}
        done = f", регионов готово {children['succeeded'] + children['failed']} из {children['total']}" \
            if children else ""
        state = (run["status"], run.get("phase"), done)
        if state != last:
            print(f"  {run['status']}{' · ' + run['phase'] if run.get('phase') else ''} ({run['progress']:.0%}{done})")
            last = state
        if run["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    print(format_run_summary(run))
    return 0 if run["status"] == "succeeded" else 1


def format_run_summary(run: dict) -> str:
    """A run's figures as an operator reads them."""
    if run["status"] == "failed":
        return f"Подбор не выполнен: {run.get('error')}"
    counts, timings = run["counts"], run["timings"]
    if run.get("children"):
        per_region = sorted(run.get("child_runs") or [], key=lambda c: -(c.get("total_s") or 0))[:5]
        return "\n".join([
            f"Регионов: {run['children']['total']}; наставляемых: {counts['mentees_in_scope']}, подобрано: "
            f"{counts['matched']}, без пары: {counts['unmatched']}; суммарная стоимость {run['total_cost']}; "
            f"время {timings['total_s']} с",
            *(f"  {c['region_id']}: {c.get('matched')} из {c.get('mentees_in_scope')} за {c.get('total_s')} с"
              for c in per_region)])
    lines = [f"Наставляемых в области: {counts['mentees_in_scope']}, подобрано: {counts['matched']}, "
             f"без пары: {counts['unmatched']}; суммарная стоимость {run['total_cost']}; "
             f"время {timings['total_s']} с" + (" (пробный расчёт, ничего не записано)" if run["dry_run"] else "")]
    reasons: dict[str, int] = {}
    for item in run.get("unmatched", []):
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    lines += [f"  {count} × {reason}" for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])[:15]]
    return "\n".join(lines)
