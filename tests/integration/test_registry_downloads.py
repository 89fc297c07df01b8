"""Downloads of the registry in the import layouts: the blank templates and the base of mentees."""

from __future__ import annotations

import io

import openpyxl
import pytest

from services.registry.importing.columns import LAYOUTS
from tests.integration.test_registry_api import make_org, make_person
from tests.integration.test_registry_import import sample, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.get_json(silent=True)
    assert response.mimetype == XLSX and response.headers["Content-Disposition"].startswith("attachment")
    return openpyxl.load_workbook(io.BytesIO(response.data))


def rows_of(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(v not in (None, "") for v in row)]


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_a_blank_template_has_the_layouts_headers_and_a_sheet_of_explanations(registry, kind):
    curator = registry.auth("school_curator", "organization:any")
    book = workbook(registry.get(f"/api/v1/imports/templates/{kind}.xlsx", headers=curator))
    assert book.sheetnames[1] == "Пояснения"
    layout = LAYOUTS[kind]
    header = rows_of(book.worksheets[0])
    assert header == [tuple(aliases[0] + ("*" if required else "") for required, aliases in layout.values())]
    notes = rows_of(book["Пояснения"])
    assert notes[0] == ("Столбец", "Обязательный", "Допустимые значения")
    assert [(name, required) for name, required, _ in notes[1:]] == [
        (aliases[0], "да" if required else "нет") for required, aliases in layout.values()]
    allowed = {name: values for name, _, values in notes[1:]}
    if kind == "mentors":
        assert "Математика" in allowed["Предмет"] and "Очно" in allowed["Формат"]
    if kind == "organizations":
        assert "Общеобразовательная организация" in allowed["Вид"]


def test_a_filled_template_imports_and_only_those_who_may_import_get_one(registry):
    org = make_org(registry, "МБОУ СОШ № 51")
    book = workbook(registry.get("/api/v1/imports/templates/mentees.xlsx", headers=registry.auth()))
    book.active.append([org["municipality_name"], org["name"], "Шаблонная Анна Ивановна", "Математика",
                        "Основное общее образование", 1, "Молодой специалист", "Проектная деятельность"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = upload(registry, "mentees", buffer.getvalue(), "шаблон.xlsx", dry_run=True)
    assert report.status_code == 200 and (report.json["created"], report.json["errors"]) == (1, [])
    assert registry.get("/api/v1/imports/templates/mentors.xlsx").status_code == 401
    assert registry.get("/api/v1/imports/templates/mentors.xlsx", headers=registry.auth("integrator")
                        ).status_code == 403
    assert registry.get("/api/v1/imports/templates/pairs.xlsx", headers=registry.auth()).status_code == 422


def test_the_exported_base_of_mentees_reimports_without_changes(registry):
    assert upload(registry, "mentees", sample("mentees.xlsx"), "mentees.xlsx", on_error="skip").status_code == 200
    org = make_org(registry, "МБОУ СОШ № 52")
    make_person(registry, "mentees", org["id"], "Апишная Мария Олеговна", subject="math", extra_subjects=["physics"],
                stage="basic", experience_years=2, category="new_employee", directions=["project", "parents"],
                deficits="планирование уроков", formats=["remote", "in_person"])
    make_person(registry, "mentees", org["id"], "Формульная Вера Олеговна", subject="math", stage="basic",
                deficits="=не умеет планировать")
    exported = registry.get("/api/v1/exports/mentees.xlsx", headers=registry.auth())
    sheet = workbook(exported).active
    assert rows_of(sheet)[0] == tuple(aliases[0] for _, aliases in LAYOUTS["mentees"].values())
    total = registry.get("/api/v1/mentees", headers=registry.auth()).json["total"]
    assert len(rows_of(sheet)) - 1 == total
    mine = next(row for row in rows_of(sheet) if row[2] == "Апишная Мария Олеговна")
    assert mine[:4] == (org["municipality_name"], "МБОУ СОШ № 52", "Апишная Мария Олеговна", "Математика, Физика")
    again = upload(registry, "mentees", exported.data, "mentees.xlsx", dry_run=True, on_error="skip")
    assert again.status_code == 200, again.json
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, total - 1)
    assert [e["code"] for e in again.json["errors"]] == ["formula"]  # the formula-like deficit comes back as text
    assert sheet.cell(next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if row[2].startswith(
        "Формульная")), 8).data_type == "s"


def test_the_export_of_mentees_keeps_to_the_callers_scope_and_the_filters(registry):
    here = make_org(registry, "МБОУ СОШ № 53", "Белоярский район")
    there = make_org(registry, "МБОУ СОШ № 54", "Октябрьский район")
    make_person(registry, "mentees", here["id"], "Здешняя Мария Олеговна", subject="math", stage="basic")
    make_person(registry, "mentees", here["id"], "Здешняя Ольга Олеговна", subject="russian", stage="basic")
    make_person(registry, "mentees", there["id"], "Тамошняя Анна Олеговна", subject="math", stage="basic")

    def names(headers, **query) -> set[str]:
        response = registry.get("/api/v1/exports/mentees.xlsx", query_string=query, headers=headers)
        return {row[2] for row in rows_of(workbook(response).active)[1:]}

    operator = registry.auth("municipal_operator", f"municipality:{here['municipality_id']}")
    assert names(operator) == {"Здешняя Мария Олеговна", "Здешняя Ольга Олеговна"}
    assert names(operator, subject="math") == {"Здешняя Мария Олеговна"}
    assert names(registry.auth(), subject="math") == {"Здешняя Мария Олеговна", "Тамошняя Анна Олеговна"}
    assert names(registry.auth("school_curator", f"organization:{there['id']}")) == {"Тамошняя Анна Олеговна"}
    assert registry.get("/api/v1/exports/mentees.xlsx").status_code == 401
