"""Running the reminders: one day against the running services and the console's database, or every day (the
embedded stack's process: at start, then at REMINDERS_HOUR in CONSOLE_TIMEZONE)."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from services.console.client import ServiceError
from services.console.reminders.delivery import mailer_for
from services.console.reminders.facts import ServiceFacts
from services.console.reminders.job import Outcome, remind
from services.console.reminders.mail import HEADINGS, day
from shared.config import Settings

log = logging.getLogger(__name__)
RETRY_S = 60  # a day that failed (the services starting, or down) is tried again a minute later
UNSENT_RETRY_S = 15 * 60


def remind_on(settings: Settings, today: date) -> Outcome:
    """One day's digests against the running services, with the console's own database."""
    from services.console.adapters.tables import metadata
    from shared.db import create_tables, engine_from_settings

    engine = engine_from_settings(settings)
    try:
        create_tables(engine, metadata)
        with httpx.Client(timeout=httpx.Timeout(60.0, connect=5.0)) as http:
            return remind(settings, engine, today, ServiceFacts(settings, http), mailer_for(settings))
    finally:
        engine.dispose()


def local_now(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.console_timezone))


def seconds_until_next(settings: Settings, now: datetime) -> float:
    """Seconds from `now` to the next REMINDERS_HOUR:00 (tomorrow's when today's has passed)."""
    at = now.replace(hour=settings.reminders_hour, minute=0, second=0, microsecond=0)
    if at <= now:
        at += timedelta(days=1)
    return (at - now).total_seconds()


def report(outcome: Outcome, today: date) -> str:
    found = ", ".join(f"{HEADINGS[kind].lower()}: {n}" for kind, n in sorted(outcome.found.items())) or "нет"
    return (f"Напоминания на {day(today)}: найдено — {found}; писем отправлено: {outcome.digests} "
            f"(напоминаний в них: {outcome.reminded}); не отправлено: {outcome.failed}")


def daily(settings: Settings) -> None:
    """Forever: today's digests now, then at REMINDERS_HOUR every day; a failed day is retried a minute later."""
    while True:
        today = local_now(settings).date()
        try:
            outcome = remind_on(settings, today)
            print(report(outcome, today), flush=True)
            # a mail server that refused some digests: they are tried again (nobody gets a second one)
            pause = UNSENT_RETRY_S if outcome.failed else seconds_until_next(settings, local_now(settings))
        except ServiceError as failure:  # a service starting or down: not a bug, tried again shortly
            log.warning("reminders not sent yet: %s; retrying in %s s", failure, RETRY_S)
            pause = RETRY_S
        except Exception:
            log.exception("reminders failed; retrying in %s s", RETRY_S)
            pause = RETRY_S
        time.sleep(pause)
