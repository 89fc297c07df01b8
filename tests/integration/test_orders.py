"""The order (приказ) and the pairs workbook over HTTP on a real database: a school's accepted proposals make a draft
before confirmation, the signed order prints by its number, a municipality's own template is checked on upload
and then used, and the pairs download in Russian columns."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import docx
import openpyxl
import pytest

from services.matching.adapters.tables import Pair
from shared.auth import issue_token
from shared.db import UnitOfWork
from shared.events import utcnow
from tests.integration.helpers import mentee_event, mentor_event, org_event
from tests.servers import one_database

TODAY = date.today()
CONFIRM = {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "15-н",
           "order_date": str(TODAY), "curator_name": "Ефимова М. Г."}
ORDER = "/api/v1/documents/order.docx"
TEMPLATE = "/api/v1/documents/order-template"
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря")


def school_event(org: str, municipality: str, **people: str):
    return org_event(org, municipality, **people)


def setup(client) -> None:
    """Two schools of district m1 (o1 with its head and curator) and one of m2, mentors and mentees in each."""
    client.apply(school_event("o1", "m1", head_name="Сидоров Сергей Сергеевич", head_position="Директор",
                              curator_name="Ефимова Мария Геннадьевна", curator_position="заместитель директора"),
                 org_event("o3", "m1"), org_event("o2", "m2"),
                 mentor_event("t0", "o1", "m1", capacity=5), mentor_event("t2", "o2", "m2", capacity=2),
                 *[mentee_event(f"s{k}", "o1", "m1") for k in range(3)], mentee_event("f0", "o2", "m2"))


def token(client, role: str, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(client.settings, role, scope)}


def propose(client, mentor: str, mentee: str) -> str:
    response = client.post("/api/v1/pairs", json={"mentor_id": mentor, "mentee_id": mentee}, headers=client.admin)
    assert response.status_code == 201, response.json
    return response.json["id"]


def opened(response) -> docx.document.Document:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype.endswith("wordprocessingml.document")
    return docx.Document(io.BytesIO(response.data))


def text_of(document: docx.document.Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def table_names(document: docx.document.Document) -> list[tuple[str, str]]:
    """(mentor, mentee) of every pair row of the first table: the names in the two name columns."""
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    return [(row[1], row[3]) for row in rows[1:]]


def template_docx(marker: str, *, cells: tuple[str, ...] = ("{{ p.mentor_name }}", "{{ p.mentee_name }}"),
                  loop: bool = True) -> bytes:
    """A municipality's own template: a marker line and a table with the pairs loop."""
    document = docx.Document()
    document.add_paragraph(marker)
    document.add_paragraph("Приказ № {{ number }} от {{ date }}, подписывает {{ head_position }} {{ head_name }}")
    rows = [("№", "Наставник", "Наставляемый"), ("{%tr for p in pairs %}", "", ""), ("{{ p.n }}", *cells),
            ("{%tr endfor %}", "", "")]
    table = document.add_table(rows=len(rows) if loop else 1, cols=3)
    for row, values in zip(table.rows, rows, strict=False):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(client, municipality: str, content: bytes, headers=None, *, raw: bool = False):
    headers = headers or client.admin
    if raw:
        return client.put(TEMPLATE, query_string={"municipality": municipality}, data=content,
                          headers={**headers, "Content-Type": "application/octet-stream"})
    return client.put(TEMPLATE, query_string={"municipality": municipality}, headers=headers,
                      data={"file": (io.BytesIO(content), "Свой шаблон.docx")}, content_type="multipart/form-data")


def test_a_schools_accepted_proposals_make_a_draft_order_with_blank_number_and_date_signed_by_the_head(matching):
    setup(matching)
    kept, declined, expired = (propose(matching, "t0", f"s{k}") for k in range(3))
    propose(matching, "t2", "f0")  # another school's proposal
    assert matching.post(f"/api/v1/pairs/{declined}/decline", json={"by": "curator", "reason": "не подходит"},
                         headers=matching.admin).status_code == 200
    with UnitOfWork(matching.ctx.engine) as uow:  # an offer past its time that the expiry has not reached yet
        uow.session.get(Pair, expired).expires_at = utcnow() - timedelta(minutes=1)
        uow.commit()
    curator = token(matching, "school_curator", "organization:o1")
    document = opened(matching.get(ORDER, query_string={"organization": "o1"}, headers=curator))
    text = text_of(document)
    assert "от «__» ______ 20__ г.\t№ ____" in text and "None" not in text
    assert "Директор ____________ Сидоров Сергей Сергеевич" in text
    assert "куратором реализации персонализированных программ наставничества: Ефимова Мария Геннадьевна, " \
           "заместитель директора." in text
    assert table_names(document) == [("Наставник t0", "Молодой s0")]

    assert matching.post(f"/api/v1/pairs/{kept}/confirm", json=CONFIRM, headers=matching.admin).status_code == 200
    after = opened(matching.get(ORDER, query_string={"organization": "o1"}, headers=curator))
    assert table_names(after) == [] and "Пары не выбраны" in text_of(after)
    signed = opened(matching.get(ORDER, query_string={"organization": "o1", "order_number": "15-н"},
                                 headers=curator))
    day = f"«{TODAY.day:02d}» {MONTHS[TODAY.month - 1]} {TODAY.year} г."
    assert f"от {day}\t№ 15-н" in text_of(signed) and "Ефимова М. Г." in text_of(signed)
    assert table_names(signed) == [("Наставник t0", "Молодой s0")]
    missing = matching.get(ORDER, query_string={"organization": "o1", "order_number": "99"}, headers=curator)
    assert missing.status_code == 404 and "№ 99" in missing.json["detail"]


def test_a_school_may_put_only_some_of_its_proposals_into_the_draft(matching):
    setup(matching)
    first, second = propose(matching, "t0", "s0"), propose(matching, "t0", "s1")
    foreign = propose(matching, "t2", "f0")
    chosen = opened(matching.get(ORDER, query_string={"organization": "o1", "pair": [second]},
                                 headers=matching.admin))
    assert table_names(chosen) == [("Наставник t0", "Молодой s1")]
    both = opened(matching.get(f"{ORDER}?organization=o1&pair={first}&pair={second}", headers=matching.admin))
    assert [mentee for _, mentee in table_names(both)] == ["Молодой s0", "Молодой s1"]
    refused = matching.get(ORDER, query_string={"organization": "o1", "pair": [foreign]}, headers=matching.admin)
    assert refused.status_code == 422 and "не ждут приказа" in refused.json["detail"] and foreign in \
        refused.json["detail"]


def test_a_replaced_template_is_used_for_the_municipalitys_next_orders_until_it_returns_to_the_default(matching):
    setup(matching)
    propose(matching, "t0", "s0")
    propose(matching, "t2", "f0")
    operator = token(matching, "municipal_operator", "municipality:m1")
    own = template_docx("ПРИКАЗ ПО ШКОЛАМ РАЙОНА М1: {{ organization }}")
    saved = upload(matching, "m1", own, operator)
    assert saved.status_code == 200, saved.json
    assert saved.headers["X-Order-Template"] == "own" and saved.data == own
    document = opened(matching.get(ORDER, query_string={"organization": "o1"}, headers=operator))
    assert "ПРИКАЗ ПО ШКОЛАМ РАЙОНА М1: Школа o1" in text_of(document)
    assert "Приказ № ____ от «__» ______ 20__ г., подписывает Директор Сидоров Сергей Сергеевич" in text_of(document)
    assert [[c.text for c in row.cells] for row in document.tables[0].rows][1] == ["1", "Наставник t0", "Молодой s0"]
    other = opened(matching.get(ORDER, query_string={"organization": "o2"}, headers=matching.admin))
    assert "РАЙОНА М1" not in text_of(other) and "О закреплении наставнических пар" in text_of(other)
    current = matching.get(TEMPLATE, query_string={"municipality": "m1"}, headers=operator)
    assert current.status_code == 200 and current.data == own and current.headers["X-Order-Template"] == "own"
    shipped = matching.get(TEMPLATE, query_string={"municipality": "m1", "default": "true"}, headers=operator)
    assert shipped.headers["X-Order-Template"] == "default" and shipped.data != own

    assert matching.delete(TEMPLATE, query_string={"municipality": "m1"}, headers=operator).status_code == 204
    again = opened(matching.get(ORDER, query_string={"organization": "o1"}, headers=operator))
    assert "РАЙОНА М1" not in text_of(again) and "О закреплении наставнических пар" in text_of(again)
    default = matching.get(TEMPLATE, query_string={"municipality": "m1"}, headers=operator)
    assert default.headers["X-Order-Template"] == "default"
    with zipfile.ZipFile(io.BytesIO(default.data)) as package:
        assert "{%tr for p in pairs %}" in package.read("word/document.xml").decode()


def test_a_template_may_be_sent_as_the_raw_request_body(matching):
    setup(matching)
    own = template_docx("СЫРОЕ ТЕЛО {{ municipality }}")
    assert upload(matching, "m1", own, raw=True).status_code == 200
    propose(matching, "t0", "s0")
    assert "СЫРОЕ ТЕЛО Район m1" in text_of(opened(matching.get(ORDER, query_string={"organization": "o1"},
                                                                 headers=matching.admin)))


@one_database
@pytest.mark.parametrize(("content", "message"), [
    (template_docx("{{ director }} и {{ organization }}"), "Неизвестные поля в шаблоне: {{ director }}"),
    (template_docx("{{ organization }}", cells=("{{ p.salary }}", "")), "Неизвестное поле пары: p.salary"),
    (template_docx("{{ organization }}", loop=False), "нет таблицы пар"),
    (b"%PDF-1.4 not a word document", "Это не документ Word"),
    (b"", "Файл шаблона пуст"),
    (template_docx("{% if organization %}без конца"), "Ошибка в разметке шаблона"),
], ids=["unknown placeholder", "unknown pair field", "no loop", "not a docx", "empty", "broken jinja"])
def test_an_unusable_template_is_refused_with_422_in_russian_and_the_old_one_stays(matching, content, message):
    setup(matching)
    assert upload(matching, "m1", template_docx("ПРЕЖНИЙ {{ organization }}")).status_code == 200
    refused = upload(matching, "m1", content)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert message in refused.json["detail"], refused.json
    assert refused.json["errors"][0]["field"] == "file"
    propose(matching, "t0", "s0")
    kept = opened(matching.get(ORDER, query_string={"organization": "o1"}, headers=matching.admin))
    assert "ПРЕЖНИЙ Школа o1" in text_of(kept)


@one_database
@pytest.mark.parametrize(("role", "scope", "status"), [
    ("municipal_operator", "municipality:m2", 403), ("region_operator", "region:r-72", 403),
    ("school_curator", "organization:o1", 403), ("integrator", None, 403), ("region_operator", "region:r-86", 200)])
def test_only_operators_over_the_municipality_manage_its_template(matching, role, scope, status):
    setup(matching)
    headers = token(matching, role, scope)
    assert upload(matching, "m1", template_docx("{{ organization }}"), headers).status_code == status
    assert matching.get(TEMPLATE, query_string={"municipality": "m1"}, headers=headers).status_code == status
    deleted = matching.delete(TEMPLATE, query_string={"municipality": "m1"}, headers=headers).status_code
    assert deleted == (204 if status == 200 else status)
    unknown = matching.get(TEMPLATE, query_string={"municipality": "nowhere"}, headers=matching.admin)
    assert unknown.status_code == 404


def test_the_pairs_download_in_russian_columns_with_state_dates_result_and_order(matching):
    setup(matching)
    done, waiting = propose(matching, "t0", "s0"), propose(matching, "t0", "s1")
    propose(matching, "t2", "f0")
    base = f"/api/v1/pairs/{done}"
    start = TODAY - timedelta(days=120)
    for action, body in (("confirm", CONFIRM),
                         ("activate", {"started_on": str(start), "planned_end_on": str(start + timedelta(days=200))}),
                         ("complete", {"result": "reached"})):
        assert matching.post(f"{base}/{action}", json=body, headers=matching.admin).status_code == 200
    response = matching.get("/api/v1/pairs.xlsx", headers=token(matching, "municipal_operator", "municipality:m1"))
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Муниципалитет", "Организация", "Наставник", "Наставляемый", "Состояние",
                       "Форма наставничества", "Дата начала", "Плановое окончание", "Фактическое окончание",
                       "Результат", "Номер приказа", "Дата приказа")
    assert [row[3] for row in rows[1:]] == ["Молодой s0", "Молодой s1"]  # m2's pair is outside the scope
    completed, proposed = rows[1], rows[2]
    assert completed[:6] == ("Район m1", "Школа o1", "Наставник t0", "Молодой s0", "завершена", "Традиционная")
    assert completed[6].date() == start and completed[7].date() == start + timedelta(days=200)
    assert completed[8].date() == TODAY and completed[9] == "цели достигнуты"
    assert completed[10] == "15-н" and completed[11].date() == TODAY
    assert proposed[4] == "предложена" and proposed[6:] == (None,) * 6 and waiting
    only = matching.get("/api/v1/pairs.xlsx", query_string={"state": "proposed"}, headers=matching.admin)
    names = [row[3] for row in openpyxl.load_workbook(io.BytesIO(only.data)).active.iter_rows(min_row=2,
                                                                                              values_only=True)]
    assert names == ["Молодой s1", "Молодой f0"]
    assert matching.get("/api/v1/pairs.xlsx").status_code == 401
