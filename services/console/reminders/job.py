"""`mentoring remind` for one day: find the day's facts, decide each account's digest, send it and record it.

Each digest is recorded and sent in one transaction: it takes the account's lock (PostgreSQL: an advisory lock per
account; SQLite: `BEGIN IMMEDIATE`, one writer at a time) and reads again what the account was sent, so a second run
at the same moment waits and then sends nothing, also when it read other facts; its rows are written (the unique
account + fact key refuses a fact already reminded), the mail is sent, then committed; a mail that fails rolls its
rows back, so the facts are tried again at the next run. An account that has any row of the day has had its digest:
a second run that day sends it nothing (new facts wait for the next day)."""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.console.adapters.tables import Account, SentReminder
from services.console.domain.reminders import REMINDED_ROLES, Digest, Fact, Reader, plan_digests
from services.console.reminders.delivery import Mailer
from services.console.reminders.mail import compose
from shared.config import Settings
from shared.db import UnitOfWork, read_session

log = logging.getLogger(__name__)
LOCK_NAMESPACE = 0x6D656E74  # PostgreSQL advisory locks of the reminders: (this, hashtext(account id))


class FactSource(Protocol):
    def facts(self, today: date) -> list[Fact]: ...


@dataclass
class Outcome:
    found: Counter[str] = field(default_factory=Counter)  # facts of the day by kind
    digests: int = 0  # e-mails sent
    reminded: int = 0  # facts in them
    failed: int = 0  # e-mails that could not be sent (tried again at the next run)


def readers(session: Session) -> list[Reader]:
    rows = session.exec(select(Account).where(Account.role.in_(REMINDED_ROLES)))
    return [Reader(a.id, a.email, a.full_name, a.role, a.scope, a.active, a.reminders_off_at is None) for a in rows]


def already_sent(session: Session, today: date) -> tuple[dict[str, set[str]], set[str]]:
    """Fact keys reminded to each account so far, and the accounts that had their digest `today`."""
    sent: dict[str, set[str]] = {}
    reminded_today: set[str] = set()
    for account_id, key, sent_on in session.exec(select(SentReminder.account_id, SentReminder.fact_key,
                                                        SentReminder.sent_on)):
        sent.setdefault(account_id, set()).add(key)
        if sent_on == today:
            reminded_today.add(account_id)
    return sent, reminded_today


def _lock_account(session: Session, account_id: str) -> None:
    """Until the transaction ends, no other run sends this account a digest (SQLite: its first statement began the
    transaction with BEGIN IMMEDIATE, which already excludes every other writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:account))"),
                        {"namespace": LOCK_NAMESPACE, "account": account_id})


def _deliver(settings: Settings, engine: Engine, mailer: Mailer, digest: Digest, today: date) -> int:
    """Record and send one digest: the facts it told of, 0 when another run sent the account its digest first."""
    account_id = digest.reader.id
    try:
        with UnitOfWork(engine) as uow:
            _lock_account(uow.session, account_id)
            sent = uow.session.exec(select(SentReminder.fact_key, SentReminder.sent_on)
                                    .where(SentReminder.account_id == account_id)).all()
            if any(sent_on == today for _, sent_on in sent):
                log.info("reminder digest already sent today by another run", extra={"account_id": account_id})
                return 0
            known = {key for key, _ in sent}
            facts = tuple(fact for fact in digest.facts if fact.key not in known)
            if not facts:
                return 0
            digest = Digest(digest.reader, facts)
            uow.session.add_all([SentReminder(account_id=account_id, fact_key=fact.key, kind=fact.kind,
                                              sent_on=today) for fact in facts])
            uow.session.flush()
            mailer.send(compose(settings, digest, today))
            uow.commit()
    except IntegrityError:
        log.info("reminder digest already recorded by another run", extra={"account_id": account_id})
        return 0
    return len(facts)


def remind(settings: Settings, engine: Engine, today: date, source: FactSource, mailer: Mailer) -> Outcome:
    """Send the digests of `today`."""
    facts = list(source.facts(today))
    outcome = Outcome(found=Counter(fact.kind for fact in facts))
    with read_session(engine) as session:
        people = readers(session)
        sent, reminded_today = already_sent(session, today)
    for digest in plan_digests(facts, people, sent, reminded_today):
        try:
            delivered = _deliver(settings, engine, mailer, digest, today)
        except (OSError, smtplib.SMTPException) as failure:
            log.warning("reminder digest not sent: %s", failure, extra={"account_id": digest.reader.id})
            outcome.failed += 1
            continue
        if delivered:
            outcome.digests += 1
            outcome.reminded += delivered
    return outcome
