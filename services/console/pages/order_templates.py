"""The municipality's order template (шаблон приказа): upload its own DOCX (the matching service checks it and
its refusal shows beside the field), download the current or the default one, return to the default."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired

from services.console.auth.forms import ActionForm, RussianForm
from services.console.client import ServiceError
from services.console.pages import exports
from services.console.pages.common import api, municipalities, roles
from services.console.roles import MUNICIPAL, OPERATORS

PATH = "/api/v1/documents/order-template"
PLACEHOLDERS = (
    ("{{ organization }}", "организация"), ("{{ municipality }}", "муниципалитет"),
    ("{{ number }}", "номер приказа (пустая строка до подписания)"),
    ("{{ date }}", "дата приказа: «24» ноября 2026 г. (пустая строка до подписания)"),
    ("{{ year }}", "учебный год: 2026/2027"), ("{{ period }}", "общий срок программ или «согласно приложению»"),
    ("{{ head_name }}", "руководитель организации"), ("{{ head_position }}", "его должность"),
    ("{{ curator_name }}", "куратор"), ("{{ curator_position }}", "его должность"),
    ("{%tr for p in pairs %} … {%tr endfor %}", "строка таблицы на каждую пару (обязательна)"),
    ("{{ p.n }}, {{ p.mentor_name }}, {{ p.mentor_position }}, {{ p.mentee_name }}, {{ p.mentee_position }}, "
     "{{ p.form }}, {{ p.role_model }}, {{ p.started_on }}, {{ p.planned_end_on }}, {{ p.period }}",
     "поля пары внутри строки"),
)


class TemplateForm(RussianForm):
    file = FileField("Файл шаблона (DOCX)", validators=[FileRequired("Выберите файл шаблона")])


def chosen() -> tuple[str, list[tuple[str, str]]]:
    """The municipality whose template is shown: the operator's own, or the one picked among the visible ones."""
    choices = municipalities()
    if current_user.role == MUNICIPAL and current_user.scope:
        return current_user.scope.partition(":")[2], choices
    ident = request.args.get("municipality") or (choices[0][0] if choices else "")
    if ident not in dict(choices):
        abort(404)
    return ident, choices


def template_kind(municipality: str) -> str:
    """`own` or `default`: which template the municipality's orders use now."""
    return api().request("matching", "GET", PATH, params={"municipality": municipality}).headers.get(
        "X-Order-Template", "default")


def blueprint() -> Blueprint:
    bp = Blueprint("order_templates", __name__, url_prefix="/order-templates")

    @bp.route("/", methods=["GET", "POST"])
    @roles(*OPERATORS)
    def index():
        municipality, choices = chosen()
        form = TemplateForm()
        status = 200
        if form.validate_on_submit():
            upload = form.file.data
            try:
                api().request("matching", "PUT", PATH, params={"municipality": municipality}, content=upload.read(),
                              headers={"Content-Type": "application/octet-stream"})
            except ServiceError as refused:
                if refused.status not in (413, 422):
                    raise
                form.file.errors = [refused.detail]
                status = 422
            else:
                flash("Шаблон принят: приказы школ муниципалитета будут составляться по нему.", "success")
                return redirect(url_for(".index", municipality=municipality))
        elif request.method == "POST":
            status = 422
        return render_template("order_templates/index.html", form=form, municipality=municipality,
                               choices=choices, names=dict(choices), own=template_kind(municipality) == "own",
                               reset=ActionForm(prefix="reset"), placeholders=PLACEHOLDERS), status

    @bp.get("/template.docx")
    @roles(*OPERATORS)
    def download():
        municipality, choices = chosen()
        default = request.args.get("default") == "1"
        answer = api().request("matching", "GET", PATH,
                               params={"municipality": municipality, "default": str(default).lower()})
        name = "по умолчанию" if default or answer.headers.get("X-Order-Template") == "default" else \
            dict(choices).get(municipality, "муниципалитета")
        return exports.handed_over(answer, f"Шаблон приказа ({name}).docx")

    @bp.post("/reset")
    @roles(*OPERATORS)
    def reset():
        municipality, _choices = chosen()
        if not ActionForm(prefix="reset").validate_on_submit():
            abort(400)
        api().request("matching", "DELETE", PATH, params={"municipality": municipality})
        flash("Возвращён шаблон по умолчанию.", "success")
        return redirect(url_for(".index", municipality=municipality))

    return bp
