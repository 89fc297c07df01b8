"""A mentor's or a mentee's consent to the processing of their personal data, given on their own page: the registry
dates it the day it is given and records who gave it (only the person may)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from services.console.pages.common import api, roles
from services.console.pages.own_forms import ConsentForm
from services.console.roles import MENTEE, MENTOR, PEOPLE

PLURAL = {MENTOR: "mentors", MENTEE: "mentees"}


def own_id() -> str:
    """The id of the signed-in person's own record (their account's scope `mentor:<id>` or `mentee:<id>`)."""
    return (current_user.scope or "").partition(":")[2]


def blueprint() -> Blueprint:
    bp = Blueprint("consent", __name__, url_prefix="/my/consent")

    @bp.route("/", methods=["GET", "POST"])
    @roles(*PEOPLE)
    def index():
        plural = PLURAL[current_user.role]
        record, form = api().person(plural, own_id()), ConsentForm()
        if not record.get("consent_processing_on") and form.validate_on_submit():
            api().send("registry", "POST", f"/api/v1/{plural}/{own_id()}/consent", {})
            flash("Согласие на обработку персональных данных сохранено.", "success")
            return redirect(url_for(".index"))
        status = 422 if form.errors else 200
        return render_template("own/consent.html", record=record, form=form), status

    return bp
