"""Where the e-mails go: an SMTP server when SMTP_HOST is set (smtplib, STARTTLS and a login when configured),
else the local mailbox MAIL_DIR (default var/mail/; a Maildir, stdlib `mailbox`) that the console shows to the admin
on «Почта», so nothing leaves the machine by default. MAIL_DIR may be an empty mounted volume (compose, Kubernetes):
the Maildir's folders are made in it on the first message, and until then «Почта» is empty."""

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
MAILDIR_FOLDERS = ("tmp", "new", "cur")


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def mailbox_path(settings: Settings) -> Path:
    return settings.mail_dir or settings.var_dir / "mail"


def _existing_box(path: Path) -> mailbox.Maildir | None:
    """The Maildir at `path`, or None while it holds no message folders (not made yet, or an empty volume)."""
    if not all((path / folder).is_dir() for folder in MAILDIR_FOLDERS):
        return None
    return mailbox.Maildir(path, create=False)


class LocalMailbox:
    """Every message kept in MAIL_DIR (Maildir: one file per message, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: EmailMessage) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)  # or an empty volume mounted there
        for folder in MAILDIR_FOLDERS:
            (self.path / folder).mkdir(mode=0o700, exist_ok=True)
        box = mailbox.Maildir(self.path, create=False)
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
    box = _existing_box(mailbox_path(settings))
    if box is None:
        return []
    found = [_read(key, box.get_bytes(key)) for key in box.iterkeys()]
    return sorted(found, key=lambda m: (m.sent, m.key), reverse=True)


def stored_message(settings: Settings, key: str) -> Stored | None:
    box = _existing_box(mailbox_path(settings))
    if box is None or "/" in key or key.startswith("."):
        return None
    try:
        return _read(key, box.get_bytes(key))
    except KeyError:
        return None
