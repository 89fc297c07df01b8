"""A municipal operator's working day in a real Chromium, driven by what a person sees (labels, buttons, headings):
upload the sample mentors and mentees through the console, start a draft run and watch it, review the proposals and
the unmatched, approve all, publish; a school curator then confirms a proposed pair, starts its program, writes the
plan and a diary entry; back as the operator, the indicators show the new pair. Every page a step visits is
screenshotted into test-artifacts/ and checked with axe-core."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from shared.auth import issue_token
from shared.config import Settings
from tests.conftest import TEST_DATA
from tests.e2e.pages import assert_accessible
from tests.e2e.stream_checks import (
    assert_an_integrator_reads_every_public_event_once,
    assert_no_personal_data_in_the_stream,
)

PASSWORD = "Рабочий-день-2026"
DISTRICT = "Белоярский район"
FIRST_SCHOOL = "МБОУ СОШ № 3 п. Белоярский"  # a school of the district as the mentors file spells it
TODAY = date.today()


def api(stack, service: str) -> httpx.Client:
    token = issue_token(Settings(), "admin", subject="working-day-setup")
    return httpx.Client(base_url=stack.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=60)


def add_user(stack, email: str, role: str, scope: str, name: str) -> None:
    created = subprocess.run([sys.executable, "-m", "ops.cli", "user", "add", "--email", email, "--role", role,
                              "--scope", scope, "--name", name, "--password", PASSWORD],
                             env=stack.env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr


def wait_for(check, timeout_s: float = 90.0, every_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every_s)
    raise TimeoutError("not in time")


def see(page: Page, step: str) -> None:
    """The page as a person gets it: a heading, no sideways scrolling, the screenshot kept, axe-core clean."""
    expect(page.locator("h1").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{step} scrolls sideways by {overflow}px"
    assert_accessible(page, f"day-{step}")


def sign_in(page: Page, console: str, email: str, step: str) -> None:
    page.goto(console)
    see(page, step)
    page.get_by_label("Адрес электронной почты").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name=re.compile("^Главная"))).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", name="Вход в консоль")).to_be_visible()


def upload(page: Page, kind: str, filename: str, step: str, invalid: list[int]) -> None:
    """Check a sample file, see its invalid rows (the district's own, by the file's row numbers), then load the
    valid ones."""
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Загрузка файлов").click()
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Файл XLSX или CSV").set_input_files(str(TEST_DATA / filename))
    see(page, f"{step}a-upload-{filename.split('.')[0]}")
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_role("heading", name=f"Проверка файла «{filename}»")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Строки с ошибками"))).to_be_visible()
    errors = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Что не так"))
    for row in invalid:
        expect(errors.get_by_role("cell", name=str(row), exact=True)).to_be_visible()
    see(page, f"{step}b-check-{filename.split('.')[0]}")
    page.get_by_role("button", name=re.compile(r"^Загрузить корректные строки")).click()
    expect(page.get_by_role("heading", name=f"Файл «{filename}» загружен")).to_be_visible()
    see(page, f"{step}c-loaded-{filename.split('.')[0]}")


def test_a_working_day_from_the_sample_files_to_the_indicators(stack, browser):
    truth = json.loads((TEST_DATA / "truth.json").read_text(encoding="utf-8"))
    assert DISTRICT in truth["districts"]
    console = stack.url("console")
    # The region's office registers the district with its first school: a municipal operator loads only rows of a
    # district the registry knows (everything else of the sample files comes through the console below).
    with api(stack, "registry") as registry:
        registry.post("/api/v1/organizations", json={"name": FIRST_SCHOOL, "municipality": DISTRICT}
                      ).raise_for_status()
        district = next(m for m in registry.get("/api/v1/municipalities").json()["items"] if m["name"] == DISTRICT)
    add_user(stack, "operator@day.test", "municipal_operator", f"municipality:{district['id']}",
             "Соколова Ирина Петровна")

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    sign_in(page, console, "operator@day.test", "01-sign-in")
    see(page, "02-home")

    upload(page, "Наставники", "mentors.xlsx", "03",
           [r["xlsx_row"] for r in truth["invalid_mentors"] if r["district"] == DISTRICT])
    upload(page, "Наставляемые", "mentees.xlsx", "04",
           [r["xlsx_row"] for r in truth["invalid_mentees"] if r["district"] == DISTRICT])
    with api(stack, "registry") as registry, api(stack, "matching") as matching:
        mentees = registry.get("/api/v1/mentees", params={"municipality": district["id"], "limit": 500}).json()
        assert mentees["total"] > 20
        wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] >= mentees["total"])

    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Подбор").click()
    expect(page.get_by_role("heading", name=re.compile("^Подбор пар"))).to_be_visible()
    expect(page.get_by_label("Черновик (с проверкой перед отправкой в школы)")).to_be_checked()
    see(page, "05-runs")
    page.get_by_role("button", name="Запустить подбор").click()
    expect(page.get_by_role("heading", name=re.compile(f"^Подбор: {DISTRICT}"))).to_be_visible()
    see(page, "06-run-progress")
    expect(page.get_by_text("Состояние: Готово")).to_be_visible(timeout=60_000)
    see(page, "07-run-ready")

    proposals = page.get_by_role("table", name=re.compile("^Предложенные пары"))
    expect(proposals.get_by_role("row")).not_to_have_count(0)
    page.set_viewport_size({"width": 640, "height": 900})
    see(page, "08-review-at-640px")
    page.get_by_role("link", name=re.compile("^Без пары и нехватка наставников")).click()
    expect(page.get_by_role("heading", name=re.compile("^Наставляемые без пары"))).to_be_visible()
    expect(page.get_by_role("heading", name="Где не хватает наставников")).to_be_visible()
    see(page, "09-unmatched-at-640px")
    page.set_viewport_size({"width": 1280, "height": 900})
    see(page, "10-unmatched")
    page.get_by_role("link", name=re.compile("^Сведения о запуске")).click()
    see(page, "11-record")

    page.get_by_role("link", name="Одобрить все").click()
    expect(page.get_by_role("heading", name="Одобрить все пары черновика?")).to_be_visible()
    see(page, "12-confirm-approve-all")
    page.get_by_role("button", name=re.compile(r"^Одобрить все: \d+")).click()
    expect(page.get_by_text(re.compile(r"Одобрено: [1-9]\d*, исключено: 0, не рассмотрено: 0"))).to_be_visible()
    see(page, "13-all-approved")
    page.get_by_role("link", name="Опубликовать").click()
    expect(page.get_by_text(re.compile(r"Буд\S+ созда\S+ \d+ па\S+ \(предложения уйдут в школы\), 0 исключено, "
                                       r"0 не рассмотрено"))).to_be_visible()
    see(page, "14-confirm-publish")
    page.get_by_role("button", name="Опубликовать").click()
    expect(page.get_by_text(re.compile(r"^Опубликовано: создано пар — [1-9]"))).to_be_visible()
    see(page, "15-published")
    page.set_viewport_size({"width": 640, "height": 900})
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Подбор").click()
    expect(page.get_by_role("table", name="Запуски подбора, новые сверху").get_by_text("опубликован")).to_be_visible()
    see(page, "16-runs-at-640px")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_out(page)

    with api(stack, "matching") as matching:
        run = matching.get("/api/v1/runs").json()["items"][0]
        made = [p for p in matching.get("/api/v1/pairs", params={"limit": 500}).json()["items"]
                if p["run_id"] == run["id"]]
    pair = next(p for p in made if p["mentee_category"] == "young_specialist")
    add_user(stack, "curator@day.test", "school_curator", f"organization:{pair['organization_id']}",
             "Ефимова Марина Геннадьевна")

    sign_in(page, console, "curator@day.test", "17-curator-sign-in")
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Пары").click()
    see(page, "18-curator-pairs")
    page.get_by_role("link", name=pair["mentee_name"]).first.click()
    expect(page.get_by_role("heading", name="Шаг 1 из 2. Согласия сторон")).to_be_visible()
    see(page, "19-proposed-pair")
    page.get_by_label("Дата согласия наставника").fill(str(TODAY - timedelta(days=3)))
    page.get_by_label("Дата согласия наставляемого").fill(str(TODAY - timedelta(days=2)))
    page.get_by_role("button", name="Согласия получены — к приказу").click()
    expect(page.get_by_role("heading", name="Шаг 2 из 2. Приказ")).to_be_visible()
    page.get_by_label("Номер приказа").fill("15-н")
    see(page, "20-order")
    page.get_by_role("button", name="Подтвердить пару").click()
    expect(page.get_by_text("Пара утверждена приказом. Следующий шаг — начать программу.")).to_be_visible()
    see(page, "21-confirmed")
    start = TODAY - timedelta(days=40)
    page.get_by_label("Дата начала программы").fill(str(start))
    page.get_by_label("Плановая дата окончания").fill(str(start + timedelta(days=240)))
    page.get_by_role("button", name="Начать программу").click()
    expect(page.get_by_text(re.compile("^Программа начата"))).to_be_visible()
    page.get_by_label("Цели программы", exact=True).fill("Освоить проектную деятельность и классное руководство")
    page.get_by_label("Пункт плана").first.fill("Посетить четыре урока наставника")
    page.get_by_label("Срок").first.fill(str(TODAY + timedelta(days=30)))
    see(page, "22-program")
    page.get_by_role("button", name="Сохранить программу").click()
    expect(page.get_by_text("Программа и план сохранены.")).to_be_visible()
    page.get_by_label("Что сделано за месяц").fill("Посетили два урока наставника, разобрали структуру проекта")
    page.get_by_role("button", name="Добавить запись").click()
    expect(page.get_by_text("Запись дневника добавлена.")).to_be_visible()
    see(page, "23-diary")
    sign_out(page)

    sign_in(page, console, "operator@day.test", "24-operator-again")
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Показатели").click()
    young = page.get_by_role("row", name=re.compile(r"^3\s+Доля педагогов-молодых специалистов"))
    schools = page.get_by_role("row", name=re.compile(r"^1\s+Доля муниципальных образовательных организаций, внедр"))

    def counted() -> bool:  # the reports projection catches up with the confirmed pair
        page.reload()
        return all(re.search(r"\b[1-9]\d* из", row.inner_text()) for row in (young, schools))

    wait_for(counted, timeout_s=60, every_s=1)
    see(page, "25-indicators")

    # What the day left in the stream, read as an outsider: no name, e-mail or page in any event, and the
    # integrators' guide's example consumer reads every public event once (the program and the diary entry too).
    read = assert_no_personal_data_in_the_stream(stack)
    public = assert_an_integrator_reads_every_public_event_once(stack, stack.workdir)
    print(f"\n[stream] {read} messages without personal data; the example consumer read {public} public events once")
