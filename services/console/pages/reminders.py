"""Two pages of the reminders: «Почта» (the admin reads the local mailbox the reminders are delivered to when no
SMTP server is set) and the unsubscribe link of every reminder e-mail (no sign-in: the link is signed)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request

from services.console.adapters.tables import Account
from services.console.context import console
from services.console.pages.common import roles
from services.console.reminders.delivery import stored_message, stored_messages
from services.console.reminders.unsubscribe import account_of
from services.console.roles import ADMIN
from shared.events import utcnow

SHOWN = 200  # the newest messages of the local mailbox on «Почта»
INVALID = "Ссылка для отписки повреждена или не наша. Откройте её из последнего письма с напоминаниями."


def mail_blueprint() -> Blueprint:
    bp = Blueprint("mail", __name__, url_prefix="/mail")

    @bp.get("/")
    @roles(ADMIN)
    def index():
        settings = console().settings
        return render_template("mailbox/index.html", messages=stored_messages(settings)[:SHOWN],
                               smtp_host=settings.smtp_host)

    @bp.get("/<key>")
    @roles(ADMIN)
    def message(key: str):
        found = stored_message(console().settings, key)
        if found is None:
            abort(404)
        return render_template("mailbox/message.html", message=found)

    return bp


def unsubscribe_blueprint() -> Blueprint:
    bp = Blueprint("reminders", __name__, url_prefix="/reminders")

    @bp.route("/off/<token>", methods=["GET", "POST"])
    def off(token: str):
        ctx = console()
        account_id = account_of(ctx.settings, token)
        with ctx.uow() as uow:
            account = uow.session.get(Account, account_id) if account_id else None
            if account is None:
                return render_template("auth/link_invalid.html", message=INVALID), 404
            already = account.reminders_off_at is not None
            if request.method == "POST" and not already:
                account.reminders_off_at = utcnow()
                uow.commit()
            return render_template("reminders/off.html", email=account.email, token=token,
                                   done=request.method == "POST" or already)

    return bp


def install(app: Flask) -> None:
    """Register both; the unsubscribe form needs no CSRF token: the signed link is its authority (and a mail
    client's one-click unsubscribe, RFC 8058, posts without one)."""
    app.register_blueprint(mail_blueprint())
    unsubscribe = unsubscribe_blueprint()
    app.register_blueprint(unsubscribe)
    app.extensions["csrf"].exempt(unsubscribe)
