"""The import route (an XLSX or CSV file in the operators' layout, checked and loaded in one transaction) and the
blank templates of the layouts."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, FileStorage
from pydantic import BaseModel

from services.registry.api.downloads import XLSX, download
from services.registry.api.schemas.imports import ImportQuery, ImportReport, TemplatePath
from services.registry.api.tags import misc_tag
from services.registry.use_cases.import_file import import_template, run_import
from shared.errors import PayloadTooLarge
from shared.openapi import file_answer
from shared.web import Problem, context, principal


class ImportForm(BaseModel):
    file: FileStorage


def register(api: APIBlueprint) -> None:
    """POST /imports: the report of the import (422 with the same report when aborted); GET a blank template."""

    @api.post("/imports", tags=[misc_tag], summary="Импорт XLSX или CSV",
              responses={200: ImportReport, 415: Problem},
              description="Файл в раскладке операторов. `dry_run=true` только проверяет; `on_error=abort` "
                          "(по умолчанию) не записывает ничего, если есть ошибки (422 с тем же отчётом); "
                          "`on_error=skip` записывает верные строки. Повторный импорт ничего не меняет.")
    def create_import(query: ImportQuery, form: ImportForm) -> Response:
        ctx = context()
        limit = ctx.settings.max_upload_bytes
        data = form.file.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"Файл больше {limit // (1024 * 1024)} МБ")
        with ctx.uow() as uow:
            report = run_import(uow, ctx.settings, principal(), kind=query.kind, data=data,
                                filename=form.file.filename or "", content_type=form.file.mimetype,
                                dry_run=query.dry_run, on_error=query.on_error,
                                region_id=query.region or ctx.settings.region_id)
        return jsonify(report)

    @api.get("/imports/templates/<kind>.xlsx", tags=[misc_tag], summary="Пустой шаблон для импорта (XLSX)",
             description="Заголовки раскладки, как их пишут операторы (* — обязательный столбец), и лист "
                         "«Пояснения»: обязателен ли столбец и какие значения он принимает.",
             responses={200: file_answer(XLSX, "Шаблон (XLSX)")})
    def import_template_file(path: TemplatePath) -> Response:
        return download(import_template(principal(), path.kind), f"template-{path.kind}.xlsx", XLSX)
