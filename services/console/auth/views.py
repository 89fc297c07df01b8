"""Sign-in, sign-out and the one-time set-password page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_login import current_user, login_required, login_user, logout_user

from services.console.adapters.tables import Account
from services.console.auth import accounts
from services.console.auth.forms import SetPasswordForm, SignInForm
from services.console.auth.limits import sign_in_limits
from services.console.auth.login import SignedIn
from services.console.auth.sso import ID_TOKEN, provider_sign_out
from services.console.auth.targets import safe_next
from services.console.context import console

WRONG = "Неверный адрес почты или пароль."


def build_auth(limiter: Limiter) -> Blueprint:
    bp = Blueprint("auth", __name__)

    @bp.route("/sign-in", methods=["GET", "POST"])
    @sign_in_limits(limiter)
    def sign_in():
        if current_user.is_authenticated and request.method == "GET":
            return redirect(url_for("home.index"))
        form = SignInForm(next=request.args.get("next", ""))
        if not form.validate_on_submit():
            return render_template("auth/sign_in.html", form=form)
        with console().uow() as uow:
            account = accounts.authenticate(uow.session, form.email.data or "", form.password.data or "")
            if account is None:
                form.password.data = ""
                return render_template("auth/sign_in.html", form=form, error=WRONG), 401
            session.clear()  # a new session: nothing of the anonymous one is carried over
            accounts.start_session(account)
            uow.commit()
            user = SignedIn(account)
        login_user(user)
        session.permanent = True
        return redirect(safe_next(form.next.data))

    @bp.route("/sign-out", methods=["POST"])
    @login_required
    def sign_out():
        with console().uow() as uow:
            account = uow.session.get(Account, current_user.id)
            if account is not None:
                accounts.end_sessions(account)
                uow.commit()
        id_token = session.get(ID_TOKEN)
        logout_user()
        session.clear()
        flash("Вы вышли из консоли.", "info")
        # signed in through the provider: out of its session too, and back to the sign-in page
        return redirect(provider_sign_out(id_token) or url_for("auth.sign_in"))

    @bp.route("/password/<token>", methods=["GET", "POST"])
    def set_password(token: str):
        if len(token) > 100:
            abort(404)
        form = SetPasswordForm()
        with console().uow() as uow:
            state, _, account = accounts.open_link(uow.session, token)
            if state != "valid" or account is None:
                message = accounts.LINK_MESSAGES.get(state, accounts.LINK_MESSAGES["unknown"])
                return render_template("auth/link_invalid.html", message=message), 410 if state != "unknown" else 404
            email, full_name = account.email, account.full_name
            if form.validate_on_submit():
                try:
                    accounts.use_link(uow.session, token, form.password.data or "")
                except accounts.AccountError as exc:
                    form.password.errors = [*form.password.errors, exc.message]
                else:
                    uow.commit()
                    logout_user()
                    session.clear()
                    flash("Пароль установлен. Войдите с новым паролем.", "success")
                    return redirect(url_for("auth.sign_in"))
        return render_template("auth/set_password.html", form=form, email=email, full_name=full_name)

    return bp
