"""Teachers apply from the public bank in a real Chromium, without an account, and curators decide in the console.

A teacher puts herself forward as a mentor: the form refuses her first try beside the fields (no consent, no name),
then lands with the curator of her own school, who selects her into the bank, where she then appears. Another
teacher asks a published mentor of a neighbouring school for help: the request lands with the mentor's curator, who
accepts it, and the console proposes the pair in matching at once. Every page is screenshotted into
test-artifacts/ and checked with axe-core."""

from __future__ import annotations

import mailbox
import re
from email import message_from_bytes, policy

from playwright.sync_api import Page, expect

from tests.e2e.test_mentor_and_mentee import menu, see, sign_in, sign_out
from tests.e2e.test_working_day import add_user, api

DISTRICT = "Белоярский район"
MENTOR_SCHOOL = "МБОУ СОШ № 7 п. Белоярский"
TEACHER_SCHOOL = "МБОУ СОШ № 9 п. Сосновка"
MENTOR = "Сергеева Ольга Николаевна"
CANDIDATE = "Кузнецова Татьяна Викторовна"
TEACHER = "Петров Илья Андреевич"


def seed(stack) -> dict[str, str]:
    """Two schools of one district, and a published mentor in the first."""
    with api(stack, "registry") as registry:
        schools = [registry.post("/api/v1/organizations", json={"name": name, "municipality": DISTRICT}
                                 ).raise_for_status().json() for name in (MENTOR_SCHOOL, TEACHER_SCHOOL)]
        registry.post("/api/v1/mentors", json={
            "organization_id": schools[0]["id"], "full_name": MENTOR, "subjects": ["math"], "stages": ["basic"],
            "capacity": 2, "consent_publication": True}).raise_for_status()
    return {"mentor_school": schools[0]["id"], "teacher_school": schools[1]["id"]}


def answers(stack) -> dict[str, str]:
    """The answers the console mailed, by recipient (the stack's local mailbox: no SMTP server is set)."""
    box = mailbox.Maildir(stack.workdir / "var" / "mail", create=False)
    found = {}
    for key in box.iterkeys():
        parsed = message_from_bytes(box.get_bytes(key), policy=policy.default)
        found[parsed["To"]] = f"{parsed['Subject']}\n{parsed.get_content()}"
    return found


def shown(page: Page, step: str) -> None:
    see(page, step, "applications")


def nominate(page: Page, bank: str) -> None:
    page.goto(bank)
    expect(page.get_by_role("heading", name="Банк наставников")).to_be_visible()
    shown(page, "01-bank")
    page.get_by_role("link", name="Стать наставником").click()
    expect(page.get_by_role("heading", name="Стать наставником")).to_be_visible()
    shown(page, "02-apply")
    page.get_by_label("Электронная почта").fill("t.kuznetsova@school9.test")
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_role("alert")).to_have_text("Проверьте поля, отмеченные красным.")
    expect(page.locator("#full_name-error")).to_be_visible()
    expect(page.get_by_text("без согласия на обработку персональных данных заявку принять нельзя")).to_be_visible()
    expect(page.get_by_label("Электронная почта")).to_have_value("t.kuznetsova@school9.test")
    shown(page, "03-apply-refused")
    page.get_by_label("Фамилия, имя, отчество").fill(CANDIDATE)
    page.get_by_label(re.compile("^Ваша школа")).select_option(label=TEACHER_SCHOOL)
    page.get_by_label("Предметы").select_option(["math", "physics"])
    page.get_by_label("Педагогический стаж, лет").fill("14")
    page.get_by_label("Квалификационная категория").select_option("highest")
    page.get_by_label(re.compile("^О себе")).fill("Руководитель школьного методобъединения математиков")
    page.get_by_label(re.compile("Согласен\\(на\\) на обработку")).check()
    page.get_by_label(re.compile("Согласен\\(на\\) на публикацию")).check()
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_text("Заявка отправлена куратору вашей школы.", exact=False)).to_be_visible()
    shown(page, "04-apply-sent")


def ask(page: Page, bank: str) -> None:
    page.goto(bank)
    page.get_by_role("row", name=re.compile(MENTOR)).get_by_role("link", name="Попросить о наставничестве").click()
    expect(page.get_by_role("heading", name="Попросить о наставничестве")).to_be_visible()
    expect(page.get_by_text(MENTOR)).to_be_visible()
    shown(page, "07-ask")
    page.get_by_label("Фамилия, имя, отчество").fill(TEACHER)
    page.get_by_label("Электронная почта").fill("i.petrov@school9.test")
    page.get_by_label(re.compile("^Ваша школа")).select_option(label=TEACHER_SCHOOL)
    page.get_by_label("Предмет", exact=True).select_option("math")
    page.get_by_label("Уровень образования").select_option("basic")
    page.get_by_label("Педагогический стаж, лет").fill("1")
    page.get_by_label("Опишите, с чем нужна помощь").fill("Не складывается дисциплина на уроках в 6-х классах")
    page.get_by_label(re.compile("Согласен\\(на\\) на обработку")).check()
    page.get_by_role("button", name="Отправить просьбу").click()
    expect(page.get_by_text("Просьба отправлена куратору школы наставника.", exact=False)).to_be_visible()
    shown(page, "08-ask-sent")


def test_a_teacher_becomes_a_mentor_and_another_gets_a_proposed_pair_from_the_public_bank(stack, browser):
    console, bank = stack.url("console"), f"{stack.url('registry')}/bank"
    ids = seed(stack)
    add_user(stack, "curator9@apply.test", "school_curator", f"organization:{ids['teacher_school']}",
             "Лебедева Анна Сергеевна")
    add_user(stack, "curator7@apply.test", "school_curator", f"organization:{ids['mentor_school']}",
             "Ефимова Марина Геннадьевна")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")

    # Self-nomination: the candidate's own school's curator selects her into the bank.
    nominate(page, bank)
    sign_in(page, console, "curator9@apply.test", "Главная", "05-curator", "applications")
    page.get_by_role("link", name="Заявки из банка наставников ждут решения: 1").click()
    page.get_by_role("link", name=CANDIDATE).click()
    expect(page.get_by_text("Руководитель школьного методобъединения математиков")).to_be_visible()
    shown(page, "05-nomination")
    page.get_by_role("button", name="Включить в банк наставников").click()
    expect(page.get_by_text(f"{CANDIDATE} включён(а) в банк наставников.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(f"^{CANDIDATE}"))).to_be_visible()
    shown(page, "06-selected")
    sign_out(page)
    page.goto(bank)
    expect(page.get_by_role("cell", name=CANDIDATE)).to_be_visible()

    # A request to a published mentor of another school: her curator accepts it and the pair is proposed.
    ask(page, bank)
    sign_in(page, console, "curator7@apply.test", "Главная", "09-mentor-curator", "applications")
    menu(page, "Заявки")
    expect(page.get_by_role("row", name=re.compile(TEACHER))).to_contain_text(MENTOR)
    shown(page, "10-inbox")
    page.get_by_role("link", name=TEACHER).click()
    expect(page.get_by_text("Не складывается дисциплина на уроках в 6-х классах")).to_be_visible()
    shown(page, "11-request")
    page.get_by_role("button", name="Принять и предложить пару").click()
    expect(page.get_by_text(re.compile(f"^Пара предложена: {MENTOR} — {TEACHER}"))).to_be_visible()
    shown(page, "12-pair-proposed")
    menu(page, "Заявки")
    expect(page.get_by_text("Новых заявок нет.")).to_be_visible()
    sign_out(page)

    with api(stack, "matching") as matching:
        pairs = matching.get("/api/v1/pairs", params={"state": "proposed"}).json()["items"]
    assert [(p["mentor_name"], p["mentee_name"]) for p in pairs] == [(MENTOR, TEACHER)]
    with api(stack, "registry") as registry:
        mentees = registry.get("/api/v1/mentees", params={"organization": ids["teacher_school"]}).json()["items"]
    assert [m["full_name"] for m in mentees] == [TEACHER]
    mailed = answers(stack)
    assert "Вы включены в банк наставников" in mailed["t.kuznetsova@school9.test"]
    assert "опубликована в открытом банке" in mailed["t.kuznetsova@school9.test"]
    assert f"Предложена пара: наставник {MENTOR}" in mailed["i.petrov@school9.test"]
