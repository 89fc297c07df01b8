"""Where the e-mails go: an SMTP server when SMTP_HOST is set (smtplib, STARTTLS and a login when configured),
else the local mailbox var/mail/ (a Maildir, stdlib `mailbox`) that the console shows to the admin on «Почта»,
so nothing leaves the machine by default."""

from __future__ import annotations

import mailbox
import smtplib
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from shared.config import Settings

SMTP_TIMEOUT_S = 30


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def mailbox_path(settings: Settings) -> Path:
    return settings.var_dir / "mail"


class LocalMailbox:
    """Every message kept in var/mail/ (Maildir: one file per message, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.path, create=True)
        box.add(message)
        box.close()


class SmtpMailer:
    """An SMTP server: STARTTLS unless SMTP_STARTTLS=false, a login when SMTP_USER is set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=SMTP_TIMEOUT_S) as server:
            if s.smtp_starttls:
                server.starttls()
            if s.smtp_user:
                server.login(s.smtp_user, s.smtp_password or "")
            server.send_message(message)


def mailer_for(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host else LocalMailbox(mailbox_path(settings))


@dataclass(frozen=True)
class Stored:
    """A message of the local mailbox as the «Почта» page lists and shows it."""

    key: str
    subject: str
    to: str
    sent: str
    text: str


def _read(key: str, raw: bytes) -> Stored:
    parsed = message_from_bytes(raw, policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",)) if isinstance(parsed, EmailMessage) else None
    try:
        sent = parsedate_to_datetime(str(parsed["Date"])).isoformat() if parsed["Date"] else ""
    except (TypeError, ValueError):
        sent = ""
    return Stored(key, str(parsed["Subject"] or ""), str(parsed["To"] or ""), sent,
                  body.get_content() if body is not None else "")


def stored_messages(settings: Settings) -> list[Stored]:
    """The local mailbox, newest first."""
    path = mailbox_path(settings)
    if not path.exists():
        return []
    box = mailbox.Maildir(path, create=False)
    found = [_read(key, box.get_bytes(key)) for key in box.iterkeys()]
    return sorted(found, key=lambda m: (m.sent, m.key), reverse=True)


def stored_message(settings: Settings, key: str) -> Stored | None:
    path = mailbox_path(settings)
    if not path.exists() or "/" in key or key.startswith("."):
        return None
    box = mailbox.Maildir(path, create=False)
    try:
        return _read(key, box.get_bytes(key))
    except KeyError:
        return None
