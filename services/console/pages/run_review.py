"""The review of a draft run: bulk decisions, publication, discarding, withdrawal, each after a confirmation page
that says how many pairs it touches (it works without scripts and by keyboard), and the marks for the next run
(«Закрепить», «Исключить из следующего подбора», «Пересчитать»)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from services.console.auth.forms import ActionForm
from services.console.client import ServiceError
from services.console.pages import run_words
from services.console.pages.common import api, roles
from services.console.pages.run_view import People, named_run, scope_names
from services.console.pages.run_words import OFFERS, will_be
from services.console.roles import ADMIN, MUNICIPAL, REGION
from services.console.run_picks import MarkStore

OPERATORS = (ADMIN, REGION, MUNICIPAL)
BULK = {"approve": "Одобрить", "drop": "Исключить", "undo": "Вернуть на рассмотрение"}
KEPT_ARGS = ("tab", "decision", "change", "subject", "school", "cursor", "back")
MAX_SELECTED = 10_000


def back_to(ident: str) -> Any:
    """The run's page with the table's filters and page the person came from (only the page's own arguments)."""
    raw = (request.form.get("return") or "").lstrip("?")
    kept = [(k, v) for k, v in parse_qsl(raw) if k in KEPT_ARGS]
    return redirect(url_for("runs.page", ident=ident) + ("?" + urlencode(kept) if kept else ""))


def checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def refused(ident: str, exc: ServiceError) -> Any:
    """A refusal of the matching API on the run's page (404 and failures become their pages)."""
    if exc.status == 404 or exc.status >= 500:
        raise exc
    messages = [exc.detail, *(m for ms in exc.errors.values() for m in ms if m != exc.detail)]
    flash("Действие не выполнено: " + "; ".join(messages[:3]), "error")
    return back_to(ident)


def confirm_page(run: dict[str, Any], **view: Any) -> str:
    return render_template("runs/confirm.html", run=run, action=ActionForm(),
                           back=request.values.get("return", ""), **view)


def waiting_offers(ident: str) -> int:
    """The run's pairs still waiting for a school's answer (state «предложена»), as the matching API counts them."""
    return int(api().pairs_summary(run_id=ident)["by_state"].get("proposed") or 0)


def install(bp: Blueprint, marks: Callable[[], MarkStore]) -> None:
    @bp.post("/<ident>/confirm")
    @roles(*OPERATORS)
    def confirm_selected(ident: str):
        checked()
        verb, selected = request.form.get("bulk", ""), request.form.getlist("selected")[:MAX_SELECTED]
        if verb not in BULK:
            abort(400)
        if not selected:
            flash("Отметьте в таблице хотя бы одну пару.", "error")
            return back_to(ident)
        run = named_run(api().run(ident), scope_names(), People())
        return confirm_page(run, title=f"{BULK[verb]} выбранные пары?", message=will_be(len(selected), verb) + ".",
                            target=url_for("runs.decide", ident=ident), button=f"{BULK[verb]}: {len(selected)}",
                            hidden=[("verb", verb), *(("selected", s) for s in selected)], danger=verb == "drop")

    @bp.get("/<ident>/confirm/<any(approve_all, publish, discard, withdraw):what>")
    @roles(*OPERATORS)
    def confirm(ident: str, what: str):
        run = named_run(api().run(ident), scope_names(), People())
        decisions = run.get("decisions") or {}
        total = sum(decisions.values())
        if what == "approve_all":
            dropped = decisions.get("dropped") or 0
            extra = f" В том числе исключённые ранее: {dropped}." if dropped else ""
            return confirm_page(run, title="Одобрить все пары черновика?",
                                message=f"{will_be(total, 'approve')} — все предложения черновика.{extra}",
                                target=url_for("runs.decide", ident=ident), button=f"Одобрить все: {total}",
                                hidden=[("verb", "approve"), ("all", "1")])
        if what == "publish":
            if not decisions.get("approved"):
                flash("Нет одобренных пар: одобрите хотя бы одну, затем публикуйте.", "error")
                return redirect(url_for("runs.page", ident=ident))
            return confirm_page(run, title="Опубликовать подбор?", message=run_words.publish_message(decisions) + ".",
                                note="Неодобренные предложения в школы не уйдут. Отменить публикацию нельзя; "
                                     "неподтверждённые предложения можно будет отозвать.",
                                target=url_for("runs.publish", ident=ident), button="Опубликовать")
        if what == "discard":
            return confirm_page(run, title="Отменить черновик?", danger=True,
                                message="Черновик будет отменён: ни одна пара не будет создана, в школы ничего "
                                        "не уйдёт.",
                                target=url_for("runs.close", ident=ident, action="discard"), button="Отменить черновик")
        waiting = waiting_offers(ident)
        if not waiting:
            flash("Предложений, ждущих ответа школ, нет: отзывать нечего.", "info")
            return redirect(url_for("runs.page", ident=ident))
        return confirm_page(run, title="Отозвать неподтверждённые предложения?", danger=True,
                            message=will_be(waiting, "withdraw", OFFERS) + ", на которые школы ещё не ответили.",
                            note="Утверждённые и работающие пары останутся. Следующий подбор сможет предложить "
                                 "отозванные пары снова.",
                            target=url_for("runs.close", ident=ident, action="withdraw"), button="Отозвать предложения")

    @bp.post("/<ident>/decisions")
    @roles(*OPERATORS)
    def decide(ident: str):
        checked()
        verb = request.form.get("verb", "")
        if verb not in BULK:
            abort(400)
        selected = request.form.getlist("selected")[:MAX_SELECTED]
        body: dict[str, Any] = {"all": verb} if request.form.get("all") == "1" else {verb: selected}
        try:
            counts = api().run_write(ident, "decisions", body)
        except ServiceError as exc:
            return refused(ident, exc)
        flash(f"Готово. Одобрено: {counts['approved']}, исключено: {counts['dropped']}, "
              f"не рассмотрено: {counts['pending']}.", "success")
        return back_to(ident)

    @bp.post("/<ident>/publish")
    @roles(*OPERATORS)
    def publish(ident: str):
        checked()
        try:
            result = api().run_write(ident, "publish")
        except ServiceError as exc:
            if exc.status == 409 and exc.body.get("resolved_again"):
                flash(f"{exc.detail}. Ничего не опубликовано: дождитесь окончания подбора.", "warning")
                return redirect(url_for("runs.page", ident=ident))
            return refused(ident, exc)
        message = f"Опубликовано: создано пар — {result['created']}; предложения ушли в школы."
        if result.get("skipped"):
            message += " Не созданы: " + "; ".join(f"{s['mentee_name']} — {s['reason']}" for s in result["skipped"][:5])
        flash(message, "success")
        return redirect(url_for("runs.page", ident=ident))

    @bp.post("/<ident>/<any(discard, withdraw):action>")
    @roles(*OPERATORS)
    def close(ident: str, action: str):
        checked()
        try:
            result = api().run_write(ident, action)
        except ServiceError as exc:
            return refused(ident, exc)
        flash("Черновик отменён: пары не созданы." if action == "discard"
              else f"Отозвано предложений: {result['withdrawn']}.", "success")
        return redirect(url_for("runs.page", ident=ident))

    # marks for the next run --------------------------------------------------------------------------------------

    @bp.post("/<ident>/marks")
    @roles(*OPERATORS)
    def mark(ident: str):
        checked()
        kind = "pin" if request.form.get("pin") else "exclude" if request.form.get("exclude") else ""
        parts = (request.form.get(kind) or "").split("|", 3) if kind else []
        if len(parts) != 4 or not (parts[0] and parts[1]):
            abort(400)
        run = api().run(ident)  # 404 outside the person's scope
        store = marks()
        kept = store.load(current_user.id, run["id"])
        item = {"mentor_id": parts[0][:36], "mentee_id": parts[1][:36], "mentee_name": parts[2][:300],
                "mentor_name": parts[3][:300]}
        now = kept.toggle(kind, item)
        store.save(current_user.id, run["id"], kept)
        pair = f"{item['mentee_name']} — {item['mentor_name']}"
        flash((f"Пара «{pair}» будет закреплена в следующем подборе." if kind == "pin" else
               f"Пара «{pair}» не будет предложена в следующем подборе.") if now else
              f"Отметка снята: {pair}.", "info")
        return back_to(ident)

    @bp.post("/<ident>/again")
    @roles(*OPERATORS)
    def again(ident: str):
        checked()
        run = api().run(ident)
        kept = marks().load(current_user.id, run["id"])
        options = run_words.next_options(run.get("options") or {}, kept.pins, kept.exclusions)
        several = run_words.is_parent(run)  # again over the same regions, without a draft (one per region)
        try:
            accepted = api().start_run(run.get("regions") or run["scope"] if several else run["scope"],
                                       draft=not several, options=options)
        except ServiceError as exc:
            return refused(ident, exc)
        flash("Запущен новый подбор по регионам." if several else
              f"Запущен новый черновик: закреплено пар — {len(options['pins'])}, исключено — "
              f"{len(options['exclusions'])}.", "success")
        return redirect(url_for("runs.page", ident=accepted["id"]))

