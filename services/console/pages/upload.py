"""Upload of a spreadsheet: the registry's dry run as a page, then «Загрузить корректные строки» or «Отменить»."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField
from wtforms.validators import DataRequired

from services.console.auth.forms import REQUIRED, ActionForm, RussianForm
from services.console.client import ServiceError
from services.console.context import console
from services.console.pages import exports
from services.console.pages.common import api, forget_organizations, roles
from services.console.roles import OPERATORS
from services.console.uploads import UploadStore

KINDS = {"mentors": "Наставники", "mentees": "Наставляемые", "organizations": "Организации"}
TEMPLATE_TITLES = {"mentors": "Банк наставников (примерный макет)", "bank": "Банк наставников муниципалитета",
                   "mentees": "База наставляемых", "organizations": "Организации"}


class UploadForm(RussianForm):
    kind = RadioField("Что в файле", choices=list(KINDS.items()), default="mentors",
                      validators=[DataRequired(REQUIRED)])
    file = FileField("Файл XLSX или CSV", validators=[FileRequired("Выберите файл")])


def store() -> UploadStore:
    return UploadStore(console().uploads)


def blueprint() -> Blueprint:
    bp = Blueprint("upload", __name__, url_prefix="/upload")

    @bp.route("/", methods=["GET", "POST"])
    @roles(*OPERATORS)
    def index():
        form = UploadForm()
        if not form.validate_on_submit():
            return render_template("upload/index.html", form=form, kinds=KINDS, templates=TEMPLATE_TITLES)
        kind, upload = form.kind.data, form.file.data
        content = upload.read()
        filename = (upload.filename or "file")[-200:]
        try:
            report = api().import_file(kind, filename, content, dry_run=True, on_error="skip")
        except ServiceError as exc:
            if exc.status == 503:
                raise
            return render_template("upload/index.html", form=form, kinds=KINDS, templates=TEMPLATE_TITLES,
                                   refusal=exc.detail, filename=filename), 422
        ident = store().save(kind, filename, current_user.id, content)
        return render_template("upload/report.html", report=report, ident=ident, kind=kind, kinds=KINDS,
                               filename=filename, action=ActionForm())

    @bp.post("/<ident>/load")
    @roles(*OPERATORS)
    def load(ident: str):
        form = ActionForm()
        kept = store().load(ident, current_user.id)
        if kept is None:
            abort(404)
        if not form.validate_on_submit():
            abort(400)
        try:
            report = api().import_file(kept.kind, kept.filename, kept.content, dry_run=False, on_error="skip")
        except ServiceError as exc:
            if exc.status == 503:
                raise
            return render_template("upload/index.html", form=UploadForm(), kinds=KINDS, templates=TEMPLATE_TITLES,
                                   refusal=exc.detail, filename=kept.filename), 422
        store().drop(ident)
        if kept.kind == "organizations":
            forget_organizations()
        return render_template("upload/done.html", report=report, kind=kept.kind, kinds=KINDS,
                               filename=kept.filename)

    @bp.post("/<ident>/cancel")
    @roles(*OPERATORS)
    def cancel(ident: str):
        if not ActionForm().validate_on_submit():
            abort(400)
        store().drop(ident)
        flash("Загрузка отменена, в базе ничего не изменилось.", "info")
        return redirect(url_for(".index"))

    @bp.get("/template/<kind>.xlsx")
    @roles(*OPERATORS)
    def template(kind: str):
        if kind not in TEMPLATE_TITLES:
            abort(404)
        return exports.handed_over(api().template(kind), f"Шаблон — {TEMPLATE_TITLES[kind]}.xlsx")

    return bp
