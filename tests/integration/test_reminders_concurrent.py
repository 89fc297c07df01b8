"""Two (three) `mentoring remind` runs of the same day at the same moment, against one console database (SQLite, and
PostgreSQL when configured) and a real SMTP server (aiosmtpd) that takes its time with each message: every person
still gets exactly one digest that day and no fact is recorded twice, also when the runs read different facts (a fact
gone and another come between their reads of the services).

Each run has its own engine (its own connections and sessions) and runs in its own thread, as two processes would;
the facts come from a fixed list instead of the services, which play no part in the race.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from services.console.adapters.tables import Account, SentReminder, metadata
from services.console.domain.reminders import Fact
from services.console.reminders.delivery import SmtpMailer
from services.console.reminders.job import Outcome, remind
from shared.config import Settings
from shared.db import UnitOfWork, create_tables, engine_from_settings, read_session
from tests.servers import free_port

DAY = date(2026, 11, 26)
ORG, DISTRICT = "organization:o1", "municipality:m1"
SMTP_DELAY_S = 0.15  # each message takes this long to be accepted: the runs overlap for the whole of it


class SlowInbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(SMTP_DELAY_S)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp_inbox():
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def fact(key: str, kind: str = "plan_overdue") -> Fact:
    return Fact(key=key, kind=kind, pair_id=f"pair-{key}", mentor_name="Петрова Анна Ивановна",
                mentee_name="Сидоров Кирилл Олегович", organization_name="МБОУ СОШ № 1",
                scopes=frozenset({ORG, DISTRICT}), day=DAY, detail="Посетить четыре урока")


class StartTogether:
    """The services' facts as each run reads them: every run gets its list at the same moment."""

    def __init__(self, facts: list[Fact], barrier: threading.Barrier) -> None:
        self._facts, self._barrier = facts, barrier

    def facts(self, today: date) -> list[Fact]:
        self._barrier.wait(timeout=30)
        return self._facts


def people(settings: Settings) -> dict[str, str]:
    """Four school curators and two district operators: account id → e-mail."""
    engine = engine_from_settings(settings)
    create_tables(engine, metadata)
    made = {}
    with UnitOfWork(engine) as uow:
        for n in range(6):
            role, scope = ("school_curator", ORG) if n < 4 else ("municipal_operator", DISTRICT)
            row = Account(email=f"person-{n}-{uuid.uuid4().hex[:6]}@test.local", full_name=f"Человек {n}",
                          role=role, scope=scope, created_by="tests")
            uow.session.add(row)
            made[row.id] = row.email
        uow.commit()
    engine.dispose()
    return made


def run_at_once(settings: Settings, fact_lists: list[list[Fact]]) -> list[Outcome]:
    """One `remind` per fact list, each in its own thread with its own engine, started together."""
    barrier = threading.Barrier(len(fact_lists))
    outcomes: list[Outcome | BaseException] = [RuntimeError("not run")] * len(fact_lists)

    def run(index: int) -> None:
        engine = engine_from_settings(settings)
        try:
            outcomes[index] = remind(settings, engine, DAY, StartTogether(fact_lists[index], barrier),
                                     SmtpMailer(settings))
        except BaseException as failure:  # noqa: BLE001 (reported by the test below)
            outcomes[index] = failure
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fact_lists))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert not failures, failures
    return [o for o in outcomes if isinstance(o, Outcome)]


def recorded(settings: Settings) -> list[SentReminder]:
    engine = engine_from_settings(settings)
    try:
        with read_session(engine) as session:
            return list(session.exec(select(SentReminder)))
    finally:
        engine.dispose()


@pytest.fixture
def settings(database_url, tmp_path, smtp_inbox) -> Settings:
    port, _ = smtp_inbox
    return Settings(service="console", var_dir=tmp_path / "var", database_url=database_url, log_json=False,
                    log_level="WARNING", console_secret="console-test-secret-0123456789-abcdefghijklmnop",
                    smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)


def test_concurrent_runs_with_the_same_facts_send_each_person_one_digest(settings, smtp_inbox):
    _, inbox = smtp_inbox
    accounts = people(settings)
    facts = [fact("plan:i1"), fact("plan:i2"), fact("expiry:p9:2026-11-28", "proposal_expiring")]
    outcomes = run_at_once(settings, [facts, facts, facts])

    assert Counter(inbox.recipients) == Counter(accounts.values())  # each of the six once
    assert sum(o.digests for o in outcomes) == 6 and sum(o.failed for o in outcomes) == 0
    rows = recorded(settings)
    assert len(rows) == len({(r.account_id, r.fact_key) for r in rows}) == 6 * 3
    assert all(r.sent_on == DAY for r in rows)


def test_concurrent_runs_that_read_different_facts_still_send_one_digest_a_day(settings, smtp_inbox):
    """Run A read the plan item, run B a moment later found it done and a proposal about to expire instead: each
    person gets one digest, from whichever run reached them first, and only its facts are recorded for them."""
    _, inbox = smtp_inbox
    accounts = people(settings)
    seen_by_a = [fact("plan:i1")]
    seen_by_b = [fact("expiry:p9:2026-11-28", "proposal_expiring")]
    outcomes = run_at_once(settings, [seen_by_a, seen_by_b])

    assert Counter(inbox.recipients) == Counter(accounts.values())
    assert sum(o.digests for o in outcomes) == 6 and sum(o.failed for o in outcomes) == 0
    rows = recorded(settings)
    by_account: dict[str, set[str]] = {}
    for row in rows:
        by_account.setdefault(row.account_id, set()).add(row.fact_key)
    assert set(by_account) == set(accounts)
    assert all(keys in ({"plan:i1"}, {"expiry:p9:2026-11-28"}) for keys in by_account.values()), by_account
