"""A matching run in an operator's words: Russian labels of the API's codes, the progress line, what a bulk action
will do («Будут одобрены 3 пары»), and the next run's pins and exclusions (pure: no I/O, no Flask)."""

from __future__ import annotations

from typing import Any

from babel import Locale

from services.console.formatting import LOCALE, number, percent

STATUSES = {"queued": "в очереди", "running": "выполняется", "succeeded": "готово", "failed": "ошибка"}
PHASES = {"registry": "ожидание данных реестра", "loading": "загрузка наставников и наставляемых",
          "solving": "подбор пар", "writing": "запись предложений", "regions": "подбор по регионам"}
MULTI_REGION = ("all", "regions")  # the scopes of a run over several regions
PUBLICATIONS = {"review": "на проверке", "published": "опубликован", "discarded": "отменён"}
DECISIONS = {"pending": "не рассмотрено", "approved": "одобрено", "dropped": "исключено"}
CHANGES = {"new": "новая", "kept": "как в прошлом подборе"}
FINISHED = ("succeeded", "failed")
WEIGHTS = {
    "same_organization": "наставник из той же организации",
    "same_municipality": "наставник из другой организации района",
    "elsewhere_in_region": "наставник из другого района",
    "adjacent_stage": "смежный уровень образования",
    "direction_uncovered": "направление наставляемого не покрыто",
    "category_none": "наставник без категории",
    "category_szd": "наставник с соответствием занимаемой должности",
    "category_first": "наставник первой категории",
    "category_highest": "наставник высшей категории",
    "trained": "наставник прошёл обучение",
    "experience_step": "стаж наставника, за каждый шаг",
    "experience_step_years": "шаг стажа, лет",
    "experience_max_steps": "шагов стажа, не более",
    "preferred": "желаемый наставник",
    "load_step": "нагрузка наставника, за каждого наставляемого",
    "mentee_experience_year": "стаж наставляемого вне ожидаемого наставником, за каждый год",
    "mentee_experience_max_years": "лет стажа вне ожидаемого, не более",
    "mentee_category_mismatch": "категория наставляемого не та, что ожидает наставник",
}
# The participle of each bulk action, by plural form (a pair: «пара», feminine).
VERBS = {"approve": ("одобрена", "одобрены", "одобрено"), "drop": ("исключена", "исключены", "исключено"),
         "undo": ("возвращена на рассмотрение", "возвращены на рассмотрение", "возвращено на рассмотрение"),
         "create": ("создана", "созданы", "создано"), "withdraw": ("отозвано", "отозваны", "отозвано")}
PAIRS = ("пара", "пары", "пар")
OFFERS = ("предложение", "предложения", "предложений")


def form_of(count: int) -> int:
    """0 for «one», 1 for «few», 2 for «many» (CLDR's Russian rules)."""
    return {"one": 0, "few": 1}.get(Locale.parse(LOCALE).plural_form(abs(count)), 2)


def will_be(count: int, action: str, nouns: tuple[str, str, str] = PAIRS) -> str:
    """«Будет одобрена 1 пара», «Будут одобрены 3 пары», «Будет одобрено 5 пар»."""
    form = form_of(count)
    return f"{'Будут' if form == 1 else 'Будет'} {VERBS[action][form]} {number(count)} {nouns[form]}"


def status_label(run: dict[str, Any]) -> str:
    """«готово», «выполняется»; «ожидание данных реестра» while the run waits for the registry's last changes."""
    if run.get("status") == "running" and run.get("phase") == "registry":
        return PHASES["registry"]
    return STATUSES.get(run.get("status") or "", run.get("status") or "—")


def is_parent(run: dict[str, Any]) -> bool:
    """A run over several regions: its regions' runs do the matching."""
    return run.get("scope") in MULTI_REGION


def progress_line(run: dict[str, Any]) -> str:
    """«Подбор пар — 30 %» while running; «В очереди — подбор скоро начнётся» before; a run over several regions:
    «Подбор по регионам — готово 12 из 85, подобрано 10 345 пар»."""
    if run.get("status") == "queued":
        return "В очереди — подбор скоро начнётся"
    children = run.get("children") or {}
    if is_parent(run) and children and run.get("phase") != "registry":
        done = int(children.get("succeeded") or 0) + int(children.get("failed") or 0)
        matched = int((run.get("counts") or {}).get("matched") or 0)
        failed = f", с ошибкой {number(children['failed'])}" if children.get("failed") else ""
        return (f"Подбор по регионам — готово {number(done)} из {number(children.get('total') or 0)}{failed}, "
                f"подобрано {number(matched)} {PAIRS[form_of(matched)]}")
    phase = PHASES.get(run.get("phase") or "", "выполняется")
    return f"{phase.capitalize()} — {percent(float(run.get('progress') or 0) * 100, 0)}"


def publication_label(run: dict[str, Any]) -> str:
    """Where the run's proposals stand: a draft's review, or pairs written at once, or a dry run."""
    if run.get("dry_run"):
        return "пробный: ничего не записано"
    if not run.get("draft"):
        return "пары созданы сразу"
    if run.get("status") in ("queued", "running"):
        return "черновик"
    if run.get("status") == "failed":
        return "черновик не посчитан"
    return f"черновик {PUBLICATIONS.get(run.get('publication') or '', 'на проверке')}"


def in_review(run: dict[str, Any]) -> bool:
    return bool(run.get("draft")) and run.get("status") == "succeeded" and run.get("publication") == "review"


def publish_message(decisions: dict[str, int]) -> str:
    """«Будет создано 12 пар (предложения уйдут в школы), 3 исключено, 1 не рассмотрено»."""
    approved, dropped, pending = (int(decisions.get(k) or 0) for k in ("approved", "dropped", "pending"))
    return (f"{will_be(approved, 'create')} (предложения уйдут в школы), {number(dropped)} исключено, "
            f"{number(pending)} не рассмотрено")


def pair_key(mentor_id: str, mentee_id: str) -> str:
    return f"{mentor_id}|{mentee_id}"


def next_options(carried: dict[str, Any], pins: list[dict[str, str]], exclusions: list[dict[str, str]]
                 ) -> dict[str, Any]:
    """The next run's options: the weights, pins and exclusions of this run with the operator's marks on top
    (a marked pin replaces another pin of its mentee; a pair is either pinned or excluded, the mark wins)."""
    def ref(item: dict[str, Any]) -> dict[str, str]:
        return {"mentor_id": item["mentor_id"], "mentee_id": item["mentee_id"]}

    def key(item: dict[str, Any]) -> str:
        return pair_key(item["mentor_id"], item["mentee_id"])

    marked_pins, marked_out = {key(p) for p in pins}, {key(p) for p in exclusions}
    pinned_mentees = {p["mentee_id"] for p in pins}
    kept_pins = [ref(p) for p in carried.get("pins") or []
                 if p["mentee_id"] not in pinned_mentees and key(p) not in marked_out]
    kept_out = [ref(p) for p in carried.get("exclusions") or [] if key(p) not in marked_pins | marked_out]
    options: dict[str, Any] = {"pins": kept_pins + [ref(p) for p in pins],
                               "exclusions": kept_out + [ref(p) for p in exclusions]}
    if carried.get("weights"):
        options["weights"] = carried["weights"]
    return options


def parameters(run: dict[str, Any]) -> list[tuple[str, str]]:
    """The run's parameters as (what, value) rows: kind, pins, exclusions, weights changed from the defaults."""
    options = run.get("options") or {}
    rows = [("Вид", "черновик с проверкой перед отправкой в школы" if run.get("draft")
             else "пары создаются сразу, без проверки"),
            ("Закреплённые пары", number(len(options.get("pins") or []))),
            ("Исключённые пары", number(len(options.get("exclusions") or [])))]
    changed = options.get("weights") or {}
    if changed:
        rows += [(f"Вес: {WEIGHTS.get(name, name)}", "не учитывается" if value is None else number(value))
                 for name, value in changed.items()]
    else:
        rows.append(("Веса стоимости", "по умолчанию"))
    return rows


def weight_rows(weights: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Every weight the run used, in words (a smaller total cost is a better pair; a minus is a bonus)."""
    return [(WEIGHTS.get(name, name), "не учитывается" if value is None else number(value))
            for name, value in (weights or {}).items()]
