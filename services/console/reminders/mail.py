"""The digest e-mail in Russian: plain text and simple HTML, names never ids, days as «26 ноября 2026», and an
unsubscribe link (also as List-Unsubscribe, one click)."""

from __future__ import annotations

from datetime import date
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.console.domain.reminders import KINDS, Digest, Fact
from services.console.reminders.unsubscribe import unsubscribe_url
from shared.config import Settings
from shared.formatting import LOCALE

# Headers as long as SMTP allows: a folded List-Unsubscribe would be written as an encoded word mail clients ignore.
HEADERS_POLICY = policy.default.clone(max_line_length=998)
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
HEADINGS = {
    "application_waiting": "Заявки из банка наставников ждут вашего решения (раздел «Заявки»)",
    "plan_overdue": "Просрочены пункты плана",
    "diary_missing": "Нет записи в дневнике наставника",
    "report_due": "Не сдан полугодовой отчёт",
    "proposal_expiring": "Скоро истечёт предложение пары",
    "program_ending": "Скоро заканчивается программа наставничества",
}


def day(value: date) -> str:
    """`26 ноября 2026`."""
    return format_date(value, format="d MMMM y", locale=LOCALE)


def month(value: str) -> str:
    """`2026-10` → `октябрь 2026`."""
    return format_date(date.fromisoformat(f"{value}-01"), format="LLLL y", locale=LOCALE)


def half_year(period: str) -> str:
    """`2026-H1` → `первое полугодие 2026 года`."""
    year, _, half = period.partition("-H")
    return f"{'первое' if half == '1' else 'второе'} полугодие {year} года"


def what(fact: Fact) -> str:
    """What is due, in a sentence's words."""
    if fact.kind == "application_waiting":
        asked = f"просит в наставники: {fact.mentor_name}" if fact.mentor_name else "хочет стать наставником"
        return f"{asked}, заявка от {day(fact.day)}" if fact.day else asked
    if fact.kind == "plan_overdue":
        return f"«{fact.detail}» — срок был {day(fact.day)}" if fact.day else f"«{fact.detail}»"
    if fact.kind == "diary_missing":
        return f"нет записи за {month(fact.detail)}"
    if fact.kind == "report_due":
        return f"нет отчёта за {half_year(fact.detail)}"
    if fact.kind == "proposal_expiring":
        return f"предложение истекает {day(fact.day)}, если пару не утвердят" if fact.day else "предложение истекает"
    return f"плановое окончание — {day(fact.day)}" if fact.day else "программа заканчивается"


def pair_words(fact: Fact) -> str:
    """`наставник Петрова А. И., наставляемый Сидоров К. О. (МБОУ СОШ № 1)`; an application: its applicant."""
    school = f" ({fact.organization_name})" if fact.organization_name else ""
    if fact.kind == "application_waiting":
        return f"{fact.detail}{school}"
    return f"наставник {fact.mentor_name or 'не указан'}, наставляемый {fact.mentee_name or 'не указан'}{school}"


@cache
def mail_templates() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def new_message(settings: Settings, to: str, subject: str, auto_submitted: str) -> EmailMessage:
    """A message of the console's with its headers (From, To, Date, Message-ID, Auto-Submitted), still empty."""
    message = EmailMessage(policy=HEADERS_POLICY)
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="mentoring.local")
    message["Auto-Submitted"] = auto_submitted
    return message


def compose(settings: Settings, digest: Digest, today: date) -> EmailMessage:
    """The day's digest for one account."""
    groups = [(HEADINGS[kind], [(pair_words(f), what(f)) for f in digest.facts if f.kind == kind])
              for kind in KINDS if any(f.kind == kind for f in digest.facts)]
    values = {"name": digest.reader.full_name, "today": day(today), "groups": groups,
              "console_url": settings.console_url.rstrip("/") + "/",
              "unsubscribe_url": unsubscribe_url(settings, digest.reader.id)}
    message = new_message(settings, digest.reader.email, f"Напоминания о наставничестве на {day(today)}",
                          "auto-generated")
    message["List-Unsubscribe"] = f"<{values['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # quoted-printable: 7-bit clean for any mail server, Cyrillic and all
    message.set_content(mail_templates().get_template("digest.txt").render(values), cte="quoted-printable")
    message.add_alternative(mail_templates().get_template("digest.html").render(values), subtype="html",
                            cte="quoted-printable")
    return message
