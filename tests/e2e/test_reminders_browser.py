"""The reminders' two pages in a real headless Chromium on `mentoring up`: the admin reads the local mailbox
(«Почта», list and message) the digests land in without SMTP_HOST, and a curator follows the unsubscribe link of
a digest without signing in, which the admin can undo on «Пользователи»; axe-clean, screenshots kept in
test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from sqlmodel import Session, select

from services.console.adapters.tables import Account
from services.console.domain.reminders import Digest, Fact, Reader
from services.console.reminders.delivery import LocalMailbox, mailbox_path
from services.console.reminders.mail import compose
from shared.config import Settings
from shared.db import make_engine
from tests.e2e.pages import assert_accessible

PASSWORD = "Браузерный-пароль-1"


def add_user(stack, email: str, role: str, *scope: str) -> None:
    created = subprocess.run([sys.executable, "-m", "ops.cli", "user", "add", "--email", email, "--role", role,
                              "--name", "Проверяющий Человек", "--password", PASSWORD, *scope],
                             env=stack.env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr


def test_the_admin_reads_the_mailbox_and_a_curator_unsubscribes_without_signing_in(stack, browser):
    add_user(stack, "admin@mail.test", "admin")
    add_user(stack, "curator@mail.test", "school_curator", "--scope", "organization:school-1",
             "--scope-name", "МБОУ СОШ № 1")
    settings = Settings(service="console", var_dir=stack.workdir / "var", database_url=stack.env.get("DATABASE_URL"))
    engine = make_engine(settings.resolved_database_url())
    with Session(engine) as session:
        curator = session.exec(select(Account).where(Account.email == "curator@mail.test")).one()
    fact = Fact("plan:item-1", "plan_overdue", "pair-1", "Петрова Анна Ивановна", "Сидоров Кирилл Олегович",
                "МБОУ СОШ № 1", frozenset({"organization:school-1"}), date(2026, 11, 20), "Посетить четыре урока")
    digest = Digest(Reader(curator.id, curator.email, curator.full_name, curator.role, curator.scope), (fact,))
    message = compose(settings, digest, date(2026, 11, 26))
    LocalMailbox(mailbox_path(settings)).send(message)

    console = stack.url("console")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{console}/sign-in")
    page.fill("#email", "admin@mail.test")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.click("nav >> text=Почта")
    assert page.locator("h1").inner_text() == "Почта"
    assert_accessible(page, "console-mail")
    page.click("text=Напоминания о наставничестве на 26 ноября 2026")
    assert "«Посетить четыре урока» — срок был 20 ноября 2026" in page.locator("main").inner_text()
    assert_accessible(page, "console-mail-message")

    link = message["List-Unsubscribe"].strip("<>")
    visitor = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    visitor.goto(console + "/reminders/off/" + link.rsplit("/", 1)[1])
    assert "curator@mail.test" in visitor.locator("main").inner_text()
    assert_accessible(visitor, "console-reminders-off")
    visitor.click("text=Отписаться")
    assert "отключены" in visitor.locator("[role=status]").inner_text()
    assert_accessible(visitor, "console-reminders-off-done")
    with Session(engine) as session:
        assert session.get(Account, curator.id).reminders_off_at is not None
    page.goto(f"{console}/users/")
    assert "напоминания отключены" in page.locator("main").inner_text()
    assert_accessible(page, "console-users-reminders-off")
    page.click("text=Включить напоминания")
    assert "напоминания снова включены" in page.locator("main").inner_text()
    with Session(engine) as session:
        assert session.get(Account, curator.id).reminders_off_at is None
    engine.dispose()
