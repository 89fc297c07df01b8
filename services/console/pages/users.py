"""Users of the console (admins; region operators within their region): invite, disable, one-time links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from services.console.adapters.tables import Account
from services.console.auth import accounts
from services.console.auth.forms import ActionForm, InviteForm
from services.console.context import console
from services.console.pages.common import municipality_rows, organizations, roles
from services.console.roles import KIND_LABELS, ROLE_LABELS, SCOPE_KIND, USER_MANAGERS, assignable_roles


def scope_options() -> dict[str, tuple[str, str | None]]:
    """`kind:id` → (name, region id) of every region, district and organization the manager may choose."""
    settings = console().settings
    options: dict[str, tuple[str, str | None]] = {}
    orgs, districts = organizations(), municipality_rows()
    for region in sorted({m["region_id"] for m in districts} | ({current_user.region_id} - {None})):
        name = settings.region_name if region == settings.region_id else f"Регион «{region}»"
        options[f"region:{region}"] = (name, region)
    for district in districts:
        options[f"municipality:{district['id']}"] = (district["name"], district["region_id"])
    for org in orgs:
        options[f"organization:{org['id']}"] = (f"{org['name']} ({org['municipality_name']})", org["region_id"])
    return options


def grouped(options: dict[str, tuple[str, str | None]]) -> dict[str, list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = {"": [("", "— не назначается (администратор) —")]}
    for kind, title in (("region", "Регион"), ("municipality", "Районы"), ("organization", "Организации")):
        items = sorted(((v, name) for v, (name, _) in options.items() if v.startswith(f"{kind}:")), key=lambda i: i[1])
        if items:
            groups[title] = items
    return groups


def invite_form(options: dict[str, tuple[str, str | None]]) -> InviteForm:
    form = InviteForm()
    form.role.choices = [(r, ROLE_LABELS[r]) for r in assignable_roles(current_user.role)]
    form.scope.choices = grouped(options)
    return form


def managed(ident: str) -> Account:
    with console().read() as session:
        account = session.get(Account, ident)
    if account is None or not accounts.manages(current_user.role, current_user.region_id, account):
        abort(404)
    return account


def page(form: InviteForm, **extra: Any):
    with console().read() as session:
        people = accounts.visible_accounts(session, current_user.role, current_user.region_id)
    return render_template("users/index.html", form=form, people=people, roles=ROLE_LABELS, action=ActionForm(),
                           scope_kinds={r: KIND_LABELS[k] for r, k in SCOPE_KIND.items()}, **extra)


def blueprint() -> Blueprint:
    bp = Blueprint("users", __name__, url_prefix="/users")

    @bp.route("/", methods=["GET", "POST"])
    @roles(*USER_MANAGERS)
    def index():
        options = scope_options()
        form = invite_form(options)
        if not form.validate_on_submit():
            return page(form)
        scope = form.scope.data or None
        if scope is not None and scope not in options:
            form.scope.errors = ["Выберите область из списка"]
            return page(form), 422
        name, region = options.get(scope or "", (None, None))
        new = accounts.NewAccount(email=form.email.data or "", full_name=form.full_name.data or "",
                                  role=form.role.data or "", scope=scope, scope_name=name, region_id=region)
        with console().uow() as uow:
            try:
                account = accounts.create_account(uow.session, new, created_by=current_user.email)
            except accounts.AccountError as exc:
                getattr(form, exc.field if exc.field in ("email", "scope") else "role").errors = [exc.message]
                return page(form), 422
            token = accounts.issue_link(uow.session, account, ttl_hours=console().settings.console_link_ttl_h,
                                        created_by=current_user.email)
            uow.commit()
        return link_page(account, token)

    @bp.post("/<ident>/link")
    @roles(*USER_MANAGERS)
    def link(ident: str):
        account = managed(ident)
        with console().uow() as uow:
            token = accounts.issue_link(uow.session, account, ttl_hours=console().settings.console_link_ttl_h,
                                        created_by=current_user.email)
            uow.commit()
        return link_page(account, token)

    @bp.post("/<ident>/<any(disable, enable):action>")
    @roles(*USER_MANAGERS)
    def switch(ident: str, action: str):
        account = managed(ident)
        if account.id == current_user.id:
            flash("Нельзя отключить собственную учётную запись.", "error")
            return redirect(url_for(".index"))
        with console().uow() as uow:
            row = uow.session.get(Account, account.id)
            accounts.set_active(row, action == "enable")
            uow.commit()
        flash(f"{account.full_name}: доступ {'включён' if action == 'enable' else 'отключён'}.", "success")
        return redirect(url_for(".index"))

    @bp.post("/<ident>/reminders")
    @roles(*USER_MANAGERS)
    def reminders_on(ident: str):
        """Reminders back on for an account that unsubscribed (at the person's request)."""
        account = managed(ident)
        with console().uow() as uow:
            uow.session.get(Account, account.id).reminders_off_at = None
            uow.commit()
        flash(f"{account.full_name}: напоминания снова включены.", "success")
        return redirect(url_for(".index"))

    return bp


def link_page(account: Account, token: str):
    url = url_for("auth.set_password", token=token, _external=True)
    return render_template("users/link.html", account=account, url=url, roles=ROLE_LABELS,
                           hours=console().settings.console_link_ttl_h)
