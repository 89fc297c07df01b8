"""A mentor's or a mentee's console account, opened by an operator from the person's card and bound to the record
(`mentor:<id>` or `mentee:<id>`): the person signs in through a one-time link and sees only what is theirs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import select

from services.console.adapters.tables import Account
from services.console.auth import accounts
from services.console.auth.forms import InviteForm
from services.console.auth.provision import person_scope_name
from services.console.context import console
from services.console.pages.common import api, roles
from services.console.roles import PERSON_ACCOUNT_MAKERS, ROLE_LABELS
from shared.scopes import person_scope


def account_of(entity: str, ident: str) -> Account | None:
    """The console account bound to this person's record, if one was opened."""
    with console().read() as session:
        return session.exec(select(Account).where(Account.scope == person_scope(entity, ident))).first()


def account_form(record: dict[str, Any]) -> InviteForm:
    """E-mail and name of the new account (the record's by default); the role and scope follow from the record."""
    form = InviteForm(data={"email": record.get("email") or "", "full_name": record["full_name"]})
    del form.role, form.scope  # fixed by the record, not chosen
    return form


def install(bp: Blueprint, plural: str) -> None:
    """`/<ident>/account` on the bank's (or the mentees') blueprint."""
    entity = plural[:-1]

    @bp.route("/<ident>/account", methods=["GET", "POST"])
    @roles(*PERSON_ACCOUNT_MAKERS)
    def account(ident: str):
        record = api().person(plural, ident)  # 404 outside the operator's scope, as the registry decides
        existing = account_of(entity, ident)
        if existing is not None:
            flash(f"Доступ в консоль уже открыт: {existing.email}.", "info")
            return redirect(url_for(".card", ident=ident))
        form = account_form(record)
        if not form.validate_on_submit():
            return render_template("people/account.html", record=record, form=form,
                                   role_label=ROLE_LABELS[entity]), 422 if form.errors else 200
        new = accounts.NewAccount(email=form.email.data or "", full_name=form.full_name.data or "", role=entity,
                                  scope=person_scope(entity, ident), scope_name=person_scope_name(record),
                                  region_id=record["region_id"])
        with console().uow() as uow:
            try:
                created = accounts.create_account(uow.session, new, created_by=current_user.email)
            except accounts.AccountError as exc:
                getattr(form, exc.field if exc.field in ("email", "full_name") else "email").errors = [exc.message]
                return render_template("people/account.html", record=record, form=form,
                                       role_label=ROLE_LABELS[entity]), 422
            token = accounts.issue_link(uow.session, created, ttl_hours=console().settings.console_link_ttl_h,
                                        created_by=current_user.email)
            uow.commit()
        url = url_for("auth.set_password", token=token, _external=True)
        return render_template("users/link.html", account=created, url=url, roles=ROLE_LABELS,
                               hours=console().settings.console_link_ttl_h, back=url_for(".card", ident=ident),
                               back_label=record["full_name"])
