"""`mentoring up`: every process of the embedded stack under one honcho supervisor."""

from __future__ import annotations

import os
import shlex
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from honcho.manager import Manager

from shared.auth import Role, issue_token
from shared.config import DEFAULT_PORTS, Settings, load_settings

SERVICES = ("registry", "matching", "reports")
CONSUMERS = (("registry", "checkpoints"), ("matching", "read-model"), ("reports", "projection"))
RELAYS = ("registry", "matching", "reports")


def process_table(settings: Settings) -> dict[str, str]:
    """Process name → command line; the same table `deploy/Procfile` documents."""
    python = shlex.quote(sys.executable)
    bindir = Path(sys.executable).parent
    gunicorn_conf = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"
    table = {"nats": f"exec {python} -m ops.cli nats"}
    for service in SERVICES:
        port = urlparse(getattr(settings, f"{service}_url")).port or DEFAULT_PORTS[service]
        table[service] = (f"exec {shlex.quote(str(bindir / 'gunicorn'))} -c {shlex.quote(str(gunicorn_conf))} "
                          f"-b 127.0.0.1:{port} 'services.{service}.app:create_app()'")
    for service in RELAYS:
        table[f"{service}-relay"] = f"exec {python} -m ops.cli relay {service}"
    for service, name in CONSUMERS:
        table[f"{service}-{name}"] = f"exec {python} -m ops.cli consume {service} {name}"
    table["matching-worker"] = f"exec {python} -m ops.cli worker"
    console_port = urlparse(settings.console_url).port or DEFAULT_PORTS["console"]
    # one process with threads: the sign-in limits are counted in its memory (RATELIMIT_STORAGE_URI=memory://)
    table["console"] = (f"exec {shlex.quote(str(bindir / 'gunicorn'))} -c {shlex.quote(str(gunicorn_conf))} "
                        f"-b 127.0.0.1:{console_port} -w 1 --threads 8 'services.console.app:create_app()'")
    # the day's reminder e-mails at start and every day at REMINDERS_HOUR (into var/mail/ unless SMTP_HOST is set)
    table["reminders"] = f"exec {python} -m ops.cli remind --daily"
    return table


def run_stack(settings: Settings | None = None, *, demo: bool = False) -> int:
    """Start everything, print the URLs and an admin token, and block until Ctrl-C; 2 at once when a port is taken."""
    settings = settings or load_settings()
    from ops.ports import busy_listeners, explain

    busy = busy_listeners(settings)
    if busy:
        print(explain(busy, settings), file=sys.stderr, flush=True)
        return 2
    after_start: Callable[[Settings], None] | None = None
    if demo:
        from ops.demo import load_demo_once

        after_start = load_demo_once
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    from ops import migrations

    for service in migrations.SERVICES:
        migrations.upgrade(load_settings(service))
    from ops.nats_users import all_users, ensure_passwords, process_env

    passwords = ensure_passwords(settings.var_dir, all_users())
    manager = Manager()
    for name, command in process_table(settings).items():
        env = process_env(name, dict(os.environ), passwords)
        if name in SERVICES:
            env["SERVICE"] = name
            env["PROMETHEUS_MULTIPROC_DIR"] = str((settings.var_dir / "prometheus" / name).resolve())
        manager.add_process(name, command, env=env)
    print(banner(settings), flush=True)
    print(console_banner(settings, demo), flush=True)
    if after_start is not None:
        threading.Thread(target=after_start, args=(settings,), daemon=True, name="after-start").start()
    manager.loop()
    return manager.returncode or 0


def console_banner(settings: Settings, demo: bool) -> str:
    """The console's address and, with --demo, the demo admin (created once, its password kept in var/)."""
    lines = [f"  консоль     {settings.console_url}"]
    if demo:
        from services.console.auth.provision import demo_admin

        email, password = demo_admin(load_settings("console"))
        lines.append(f"  вход в консоль: {email} / {password}")
    else:
        lines.append("  первый администратор: mentoring user add --email … --role admin")
    return "\n".join(lines)


def banner(settings: Settings) -> str:
    token = issue_token(settings, Role.ADMIN, subject="operator")
    lines = [
        "Наставничество: встроенный стенд запускается",
        f"  реестр      {settings.registry_url}   (документация API: {settings.registry_url}/docs/)",
        f"  подбор      {settings.matching_url}   (документация API: {settings.matching_url}/docs/)",
        f"  показатели  {settings.reports_url}   (документация API: {settings.reports_url}/docs/)",
        f"  NATS        {settings.nats_url}   (учётные записи: {settings.var_dir / 'nats' / 'users.json'})",
        "  Остановить: Ctrl-C",
        "  Токен администратора (Authorization: Bearer …):",
        f"  {token}",
    ]
    return "\n".join(lines)
