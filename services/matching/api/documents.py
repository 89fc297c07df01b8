"""Documents of the pairs: the pairs as XLSX, the order (приказ) as DOCX, and a municipality's order template."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from services.matching.api.pair_schemas import OrderQuery, PairsFilter, TemplateForm, TemplateGetQuery, TemplateQuery
from services.matching.use_cases import order_templates
from services.matching.use_cases.orders import order_for_organization
from services.matching.use_cases.pair_downloads import pairs_workbook
from shared.openapi import file_answer
from shared.web import context, principal
from shared.xlsx import XLSX

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
documents_tag = Tag(name="Документы", description="Пары в XLSX, приказ о закреплении пар и его шаблон")
TEMPLATE_HELP = (
    "Шаблон — документ Word (.docx) с полями docxtpl (Jinja): {{ organization }}, {{ municipality }}, "
    "{{ number }}, {{ date }}, {{ year }}, {{ period }}, {{ head_name }}, {{ head_position }}, "
    "{{ curator_name }}, {{ curator_position }} и строка таблицы с перебором пар {%tr for p in pairs %} … "
    "{%tr endfor %}, поля пары: p.n, p.mentor_name, p.mentor_position, p.mentee_name, p.mentee_position, p.form, "
    "p.role_model, p.started_on, p.planned_end_on, p.period. Заголовок X-Order-Template: own (свой шаблон "
    "муниципалитета) или default.")


def attachment(body: bytes, media_type: str, filename: str, fallback: str) -> Response:
    """A download under a Russian file name (RFC 6266 / 5987) with an ASCII fallback."""
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = f"attachment; filename={fallback}; filename*=UTF-8''{quote(filename)}"
    return response


def _template_answer(found: order_templates.TemplateFile, status: int = 200) -> Response:
    response = attachment(found.content, DOCX, found.filename, "order-template.docx")
    response.headers["X-Order-Template"] = "default" if found.default else "own"
    response.status_code = status
    return response


def install(api: APIBlueprint) -> None:
    """Register the document routes on the pairs' blueprint (`/api/v1`)."""

    @api.get("/pairs.xlsx", tags=[documents_tag], summary="Пары в XLSX: те же фильтры и область, что у списка пар",
             responses={200: file_answer(XLSX, "Пары (XLSX)")},
             description="Столбцы: муниципалитет, организация, наставник, наставляемый, состояние, форма, даты "
                         "программы, фактическое окончание, результат, номер и дата приказа.")
    def pairs_xlsx(query: PairsFilter) -> Response:
        with context().uow() as uow:
            body = pairs_workbook(uow.session, principal(), **query.model_dump())
        return attachment(body, XLSX, "Наставнические пары.xlsx", "pairs.xlsx")

    @api.get("/documents/order.docx", tags=[documents_tag], summary="Приказ о закреплении наставнических пар",
             responses={200: file_answer(DOCX, "Приказ (DOCX)")},
             description="Без order_number — проект приказа: предложенные организации пары, которые школа "
                         "принимает (в состоянии «предложена», предложение не истекло; pair — только выбранные), "
                         "номер и дата — пустые строки до подписания. С order_number — подписанный приказ: пары, "
                         "утверждённые им, с номером и датой. Подписывает руководитель организации. Заполняется "
                         "шаблон муниципалитета, если он загружен, иначе шаблон по умолчанию.")
    def order_document(query: OrderQuery) -> Response:
        with context().uow() as uow:
            body = order_for_organization(uow.session, principal(), query.organization, query.year,
                                          query.order_number, query.pair)
        return attachment(body, DOCX, "Приказ о закреплении наставнических пар.docx", "order.docx")

    @api.get("/documents/order-template", tags=[documents_tag], summary="Шаблон приказа муниципалитета (DOCX)",
             responses={200: file_answer(DOCX, "Шаблон приказа (DOCX)")}, description=TEMPLATE_HELP)
    def order_template(query: TemplateGetQuery) -> Response:
        with context().uow() as uow:
            found = order_templates.current_template(uow.session, principal(), query.municipality, query.default)
        return _template_answer(found)

    @api.put("/documents/order-template", tags=[documents_tag], summary="Загрузить свой шаблон приказа",
             responses={200: file_answer(DOCX, "Принятый шаблон (DOCX)")},
             description="Файл — полем file (multipart/form-data) или телом запроса. Проверяется до сохранения: "
                         "документ Word не больше 5 МБ, без макросов, только известные поля, есть перебор пар, "
                         "заполняется пробными данными; иначе 422 с причиной. " + TEMPLATE_HELP)
    def upload_order_template(query: TemplateQuery, form: TemplateForm) -> Response:
        upload = request.files.get("file")  # the form's file part; a text part of that name is no file
        content = upload.read() if upload is not None else b"" if request.form else request.get_data()
        filename = (upload.filename if upload is not None else None) or "Шаблон приказа.docx"
        with context().uow() as uow:
            saved = order_templates.upload_template(uow, principal(), query.municipality, content, filename)
        return _template_answer(saved)

    @api.delete("/documents/order-template", tags=[documents_tag], summary="Вернуть шаблон приказа по умолчанию",
                responses={204: None})
    def reset_order_template(query: TemplateQuery) -> Response:
        with context().uow() as uow:
            order_templates.reset_template(uow, principal(), query.municipality)
        return Response(status=204)
