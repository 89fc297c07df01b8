"""Seed 000's bank through the registry API: its import, the new columns (КПК, honours, curator and head, a mentee's
qualification) in the API, the events and the exports, the templates of every layout, and a streamed export."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import insert, select

from services.registry.adapters.tables import Mentor, Organization, outbox
from services.registry.importing.layouts import LAYOUTS
from shared.events import utcnow
from shared.sealing import unseal
from tests.integration.test_registry_api import make_org, make_person
from tests.integration.test_registry_downloads import rows_of, workbook
from tests.integration.test_registry_import import sample, upload
from tests.servers import one_database
from tests.unit.test_import_seed_layout import BANK_HEADER, BANK_ROW, ORG_HEADER
from tests.unit.test_importer import xlsx

STAGES = ["basic", "secondary"]  # what the importer infers from a subject, so the re-import changes nothing


def events(client, subject: str) -> list[dict]:
    with client.ctx.uow() as uow:
        bodies = uow.session.execute(select(outbox.table.c.body).where(outbox.table.c.subject == subject)
                                     .order_by(outbox.table.c.seq)).scalars()
        return [json.loads(body)["data"] for body in bodies]


def mentor_named(client, name: str) -> dict:
    [found] = client.get("/api/v1/mentors", query_string={"q": name}, headers=client.admin).json["items"]
    return found


def test_the_seed_bank_imports_through_the_api_dry_run_then_for_real(registry):
    dry = upload(registry, "mentors", sample("bank_seed000.xlsx"), "bank_seed000.xlsx", dry_run=True)
    assert dry.status_code == 200, dry.json
    assert (dry.json["layout"], dry.json["layout_name"]) == ("bank", "Банк наставников муниципалитета")
    assert (dry.json["rows"], dry.json["valid"], dry.json["created"], dry.json["errors"]) == (8, 8, 8, [])
    assert dry.json["unknown_columns"] == [] and dry.json["warnings"] == []
    assert dry.json["expected_columns"][:4] == ["Муниципалитет", "Образовательная организация", "ФИО",
                                                "Направление помощи"]
    assert registry.get("/api/v1/mentors", headers=registry.admin).json["total"] == 0
    real = upload(registry, "mentors", sample("bank_seed000.xlsx"), "bank_seed000.xlsx")
    assert (real.status_code, real.json["created"]) == (200, 8)
    mentor = mentor_named(registry, "Тополева")
    assert mentor["municipality_name"] == "Белохолуницкий"
    assert mentor["organization_name"] == "МБОУ СОШ № 12 г. Белая Холуница"
    assert mentor["mentee_categories"] == ["young_specialist", "low_experience"]
    assert (mentor["subjects"], mentor["directions"]) == (["russian", "literature"], ["extracurricular"])
    assert (mentor["experience_years"], mentor["qualification_category"]) == (21, "highest")
    assert mentor["page_url"] == "https://sosh12.bhol.ru/deyatelnost/nastavnichestvo"
    primary = mentor_named(registry, "Попова")
    assert (primary["subjects"], primary["stages"]) == (["primary_classes"], ["primary"])
    again = upload(registry, "mentors", sample("bank_seed000.xlsx"), "bank_seed000.xlsx").json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 8)


@one_database
def test_the_report_names_unknown_headers_and_the_expected_ones(registry):
    data = xlsx([[*BANK_HEADER, "Любимый цвет"], [*BANK_ROW, "синий"]])
    report = upload(registry, "mentors", data, "bank.xlsx", dry_run=True).json
    assert report["valid"] == 1 and report["unknown_columns"] == ["Любимый цвет"]
    assert "Столбец «Любимый цвет» не распознан и не загружен" in report["warnings"]
    assert "«Направление помощи»" in report["warnings"][-1]
    assert "Направление профессиональной деятельности" in report["expected_columns"]


def test_the_curator_and_head_of_an_organization_reach_its_event_and_api(registry):
    data = xlsx([ORG_HEADER, ["Белохолуницкий", "МБОУ СОШ № 12", "Иванова Анна Петровна", "заместитель директора",
                              "10.01.2024", "Петров Пётр Петрович", "директор"]])
    assert upload(registry, "organizations", data, "orgs.xlsx").json["created"] == 1
    [event] = events(registry, "mentoring.organization.upserted")
    opened = unseal(registry.settings, event["curator_name_sealed"])  # names travel sealed (shared/sealing.py)
    assert (opened, event["curator_position"]) == ("Иванова Анна Петровна", "заместитель директора")
    assert (event["curator_trained"], event["curator_trained_on"], event["has_curator"]) == (True, "2024-01-10", True)
    assert (unseal(registry.settings, event["head_name_sealed"]), event["head_position"]) == ("Петров Пётр Петрович",
                                                                                            "директор")
    [org] = registry.get("/api/v1/organizations", headers=registry.admin).json["items"]
    assert (org["head_name"], org["curator_trained_on"]) == ("Петров Пётр Петрович", "2024-01-10")
    changed = registry.patch(f"/api/v1/organizations/{org['id']}", json={"head_name": "Сидоров Иван Иванович",
                                                                         "head_position": "и. о. директора"},
                             headers=registry.admin)
    assert changed.status_code == 200 and changed.json["head_position"] == "и. о. директора"
    last = events(registry, "mentoring.organization.upserted")[-1]
    assert unseal(registry.settings, last["head_name_sealed"]) == "Сидоров Иван Иванович"
    made = registry.post("/api/v1/organizations", json={"name": "МБОУ СОШ № 13", "municipality": "Белохолуницкий",
                                                        "curator_name": "Куратова Ольга Ивановна"},
                         headers=registry.admin)
    assert made.status_code == 201 and made.json["has_curator"]
    assert made.json["curator_name"] == "Куратова Ольга Ивановна"


def test_a_mentees_qualification_is_read_written_sent_and_exported(registry):
    org = make_org(registry, "МБОУ СОШ № 61")
    mentee = make_person(registry, "mentees", org["id"], "Квалифицированная Анна Ивановна", subject="math",
                         stage="basic", qualification_category="first")
    assert mentee["qualification_category"] == "first"
    assert events(registry, "mentoring.mentee.registered")[-1]["qualification_category"] == "first"
    refused = registry.post("/api/v1/mentees", json={"organization_id": org["id"], "full_name": "Другая Анна",
                                                     "qualification_category": "лучшая"}, headers=registry.admin)
    assert refused.status_code == 422
    sheet = workbook(registry.get("/api/v1/exports/mentees.xlsx", headers=registry.admin)).active
    header, row = rows_of(sheet)
    assert row[header.index("Квалификационная категория")] == "Первая категория"


def test_the_bank_export_carries_the_new_columns_and_imports_back_unchanged(registry):
    org = make_org(registry, "МБОУ СОШ № 62")
    make_person(registry, "mentors", org["id"], "Обученная Анна Ивановна", subjects=["math"], stages=STAGES,
                trained=True, trained_on="2024-03-15", honours="Почётный работник", experience_years=25,
                email="anna@example.ru", page_url="https://example.ru/anna")
    make_person(registry, "mentors", org["id"], "Необученная Анна Ивановна", subjects=["math"], stages=STAGES)
    exported = registry.get("/api/v1/exports/mentors.xlsx", headers=registry.admin)
    header, *rows = rows_of(workbook(exported).active)
    assert header[-5:] == ("Стаж наставника", "КПК по наставничеству", "Дата КПК", "Награды, звания",
                           "Дата согласия на обработку персональных данных")
    trained = next(row for row in rows if row[2] == "Обученная Анна Ивановна")
    assert trained[-5:] == (25, "да", "15.03.2024", "Почётный работник", datetime.now(UTC).strftime("%d.%m.%Y"))
    assert trained[8] == "anna@example.ru https://example.ru/anna"
    back = upload(registry, "mentors", exported.data, "export.xlsx", dry_run=True).json
    assert (back["layout"], back["unchanged"], back["errors"]) == ("mentors", 2, [])
    csv = registry.get("/api/v1/exports/mentors.csv", headers=registry.admin).data.decode("utf-8-sig")
    assert csv.splitlines()[0].endswith("Стаж наставника;КПК по наставничеству;Дата КПК;Награды, звания;"
                                        "Дата согласия на обработку персональных данных")
    assert upload(registry, "mentors", csv.encode(), "export.csv", dry_run=True).json["unchanged"] == 2


@one_database
@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_every_layout_has_a_blank_template_with_the_new_columns(registry, kind):
    book = workbook(registry.get(f"/api/v1/imports/templates/{kind}.xlsx", headers=registry.admin))
    [header] = rows_of(book.worksheets[0])
    assert book.worksheets[0].freeze_panes == "A2" and book.worksheets[0]["A1"].font.b
    expected = {"mentors": {"КПК по наставничеству", "Дата КПК", "Награды, звания"},
                "bank": {"Муниципалитет*", "Направление помощи*", "Стаж*", "Категория*", "Ссылка*",
                         "КПК по наставничеству", "Награды, звания"},
                "mentees": {"Квалификационная категория"},
                "organizations": {"Куратор", "Должность куратора", "Куратор прошёл КПК", "Руководитель",
                                  "Должность руководителя"}}[kind]
    assert expected <= set(header)


@one_database
def test_a_5000_row_bank_streams_out_in_reasonable_time(registry):
    org = make_org(registry, "МБОУ СОШ № 63")
    now = utcnow()
    with registry.ctx.uow() as uow:
        region, municipality = uow.session.execute(select(Organization.region_id, Organization.municipality_id)
                                                   .where(Organization.id == org["id"])).one()
        uow.session.execute(insert(Mentor.__table__), [
            {"id": f"m{i:05d}", "region_id": region, "municipality_id": municipality, "organization_id": org["id"],
             "full_name": f"Наставник {i:05d} =SUM(A1)", "normalized_name": f"наставник {i:05d}",
             "subjects": ["math"], "stages": ["basic"], "directions": ["methodical"], "mentee_categories": [],
             "formats": ["in_person"], "trained": i % 2 == 0, "honours": "звание\x07", "created_at": now,
             "updated_at": now} for i in range(5000)])
        uow.commit()
    started = time.perf_counter()
    response = registry.get("/api/v1/exports/mentors.xlsx", headers=registry.admin)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed < 10, elapsed
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5000 and rows[0][2] == "Наставник 00000 =SUM(A1)" and rows[0][-2] == "звание"
    assert rows[0][-4] == "да" and rows[1][-4] == "нет"
