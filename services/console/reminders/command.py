"""`mentoring remind`: the digests of one day (`--today`, by default today in CONSOLE_TIMEZONE), or `--daily`: the
embedded stack's process that sends them at start and then every day at REMINDERS_HOUR (a Kubernetes CronJob
runs the one-day form instead). Running twice a day is safe: nobody gets a second digest. Light at import: the
`mentoring` command builds its parser from here."""

from __future__ import annotations

import argparse
import sys
from datetime import date


def _cmd_remind(args: argparse.Namespace) -> int:
    from services.console.reminders.runner import daily, local_now, remind_on, report
    from shared.config import load_settings
    from shared.logs import configure_logging

    settings = load_settings("console")
    configure_logging(settings.log_level, json_format=settings.log_json, service="reminders")
    if args.daily:
        daily(settings)
        return 0
    try:
        today = date.fromisoformat(args.today) if args.today else local_now(settings).date()
    except ValueError:
        print("ошибка: день — в виде ГГГГ-ММ-ДД, например 2026-11-26", file=sys.stderr)
        return 2
    outcome = remind_on(settings, today)
    print(report(outcome, today))
    return 1 if outcome.failed else 0


def add_remind_command(sub: argparse._SubParsersAction) -> None:
    remind_parser = sub.add_parser("remind", help="разослать напоминания за день (одно письмо человеку в день)")
    remind_parser.add_argument("--today", help="день рассылки ГГГГ-ММ-ДД; по умолчанию сегодня (CONSOLE_TIMEZONE)")
    remind_parser.add_argument("--daily", action="store_true",
                               help="работать постоянно: сейчас и каждый день в REMINDERS_HOUR")
    remind_parser.set_defaults(func=_cmd_remind)
