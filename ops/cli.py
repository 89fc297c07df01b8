"""The `mentoring` command: start the stack, run one process, issue a token."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from ops.match import run_match
from services.console.reminders.command import add_remind_command


def _cmd_up(args: argparse.Namespace) -> int:
    from ops.supervisor import run_stack

    return run_stack(demo=args.demo)


def _cmd_nats(args: argparse.Namespace) -> int:
    from ops.nats_users import embedded_accounts
    from ops.natsserver import nats_server_binary, write_config
    from shared.config import load_settings

    settings = load_settings()
    port = args.port or urlparse(settings.nats_url).port or 4223
    store = Path(args.store_dir or settings.var_dir / "nats" / "store")
    config = write_config(settings.var_dir / "nats" / "nats.conf", port=port, store_dir=store,
                          server_name="mentoring-embedded", accounts=embedded_accounts(settings.var_dir))
    binary = nats_server_binary()
    os.execv(binary, [binary, "-c", str(config)])
    return 0


def _cmd_nats_certs(args: argparse.Namespace) -> int:
    from ops.nats_certs import command

    return command(Path(args.dir), args.host)


def _cmd_relay(args: argparse.Namespace) -> int:
    from ops.runtime import run_relay

    run_relay(args.service)
    return 0


def _cmd_consume(args: argparse.Namespace) -> int:
    from ops.runtime import run_consumer

    run_consumer(args.service, args.name)
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from ops.runtime import run_worker

    run_worker()
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from shared.auth import issue_token
    from shared.config import load_settings

    try:
        token = issue_token(load_settings(), args.role, args.scope, subject=args.subject, ttl_s=args.ttl)
    except ValueError as exc:
        print(f"ошибка: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from ops import migrations
    from shared.config import load_settings

    for service in migrations.SERVICES:
        settings = load_settings(service)
        if settings.is_sqlite:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
        if args.downgrade:
            migrations.downgrade(settings, args.downgrade)
        else:
            migrations.upgrade(settings)
        left = migrations.differences(settings)
        print(f"{service}: {'схема соответствует моделям' if not left else f'расхождения: {left}'}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    import httpx

    from shared.auth import Role, issue_token
    from shared.config import load_settings

    settings = load_settings("registry")
    path = Path(args.file)
    if not path.is_file():
        print(f"ошибка: файл {path} не найден", file=sys.stderr)
        return 2
    params = {"kind": args.kind, "dry_run": str(args.dry_run).lower(), "on_error": args.on_error}
    if args.region:
        params["region"] = args.region
    token = args.token or issue_token(settings, Role.ADMIN, subject="cli")
    try:
        with path.open("rb") as handle:
            response = httpx.post(f"{settings.registry_url}/api/v1/imports", params=params,
                                  files={"file": (path.name, handle)}, headers={"Authorization": f"Bearer {token}"},
                                  timeout=300)
    except httpx.HTTPError as exc:
        print(f"ошибка: реестр {settings.registry_url} недоступен ({exc})", file=sys.stderr)
        return 2
    body = response.json()
    print(format_import_report(body))
    return 0 if response.status_code == 200 else 1


def format_import_report(body: dict) -> str:
    """The import answer as an operator reads it."""
    if "rows" not in body:
        return f"Импорт не выполнен: {body.get('detail') or body.get('title')}"
    dry = " (пробный прогон, ничего не записано)" if body.get("dry_run") else ""
    lines = [f"Строк: {body['rows']}, верных: {body['valid']}, создано: {body['created']}, "
             f"обновлено: {body['updated']}, без изменений: {body['unchanged']}{dry}"]
    if body.get("status") == 422:
        lines.append(body.get("detail", ""))
    for error in body.get("errors", []):
        lines.append(f"  строка {error['row']}, «{error['column']}»: {error['message']} (значение: {error['value']!r})")
    return "\n".join(lines)


def _cmd_reports(args: argparse.Namespace) -> int:
    from ops.runtime import engine_for
    from services.reports.adapters.rebuild import run_rebuild
    from shared.config import load_settings

    settings = load_settings("reports")
    counts = run_rebuild(engine_for(settings), settings)
    applied = counts.get("applied", 0) + counts.get("duplicate", 0)
    print(f"Показатели пересобраны из потока: событий {applied}, отброшено {counts.get('terminated', 0)}")
    return 0


def _cmd_schemas(args: argparse.Namespace) -> int:
    from ops.schemas import write_or_check

    return write_or_check(args.write)


def _cmd_retention(args: argparse.Namespace) -> int:
    from ops.retention import run_retention
    from shared.config import load_settings

    settings = load_settings("registry")
    days = args.days or settings.personal_data_retention_days
    if days < 1:
        print("ошибка: срок хранения — не меньше одного дня", file=sys.stderr)
        return 2
    for label, count in run_retention(settings, days).items():
        print(f"{label}: обезличено по истечении срока хранения ({days} дн.) — {count}")
    return 0


def _cmd_user(args: argparse.Namespace) -> int:
    from services.console.auth.accounts import AccountError, NewAccount
    from services.console.auth.provision import add_user, resolve_scope
    from shared.config import load_settings

    settings = load_settings("console")
    try:
        scope_name, region_id = resolve_scope(settings, args.scope, args.scope_name)
        created = add_user(settings, NewAccount(args.email, args.name or args.email, args.role, args.scope,
                                                scope_name, region_id), args.password, created_by="cli")
    except (LookupError, AccountError) as exc:
        print(f"ошибка: {exc}", file=sys.stderr)
        return 2
    print(f"Пользователь {created.email} создан; консоль: {settings.console_url}")
    if created.link:
        print(f"Одноразовая ссылка для установки пароля (действует {settings.console_link_ttl_h} ч):")
        print(created.link)
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from ops.backup import make_backup

    return _backup_step(make_backup, Path(args.dir))


def _cmd_restore(args: argparse.Namespace) -> int:
    from ops.restore import restore_backup

    return _backup_step(restore_backup, Path(args.dir))


def _backup_step(step: Callable[[Path], object], directory: Path) -> int:
    """A backup or a restore: its refusal (a BackupError, in Russian) printed, exit code 2."""
    from ops.backup_layout import BackupError

    try:
        step(directory)
    except BackupError as exc:
        print(f"ошибка: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentoring", description="Банк наставников, подбор пар и показатели")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="запустить весь встроенный стенд")
    up.add_argument("--demo", action="store_true", help="при первом запуске загрузить демонстрационный регион")
    up.set_defaults(func=_cmd_up)
    nats = sub.add_parser("nats", help="запустить локальный nats-server с JetStream")
    nats.add_argument("--port", type=int)
    nats.add_argument("--store-dir")
    nats.set_defaults(func=_cmd_nats)
    certs = sub.add_parser("nats-certs", help="сертификаты TLS для NATS: центр, узлы, клиенты (в папку)")
    certs.add_argument("dir")
    certs.add_argument("--host", action="append", help="имя или адрес узла (по умолчанию nats-1..3, localhost)")
    certs.set_defaults(func=_cmd_nats_certs)
    relay = sub.add_parser("relay", help="ретранслятор outbox → JetStream одного сервиса")
    relay.add_argument("service", choices=["registry", "matching", "reports"])
    relay.set_defaults(func=_cmd_relay)
    consume = sub.add_parser("consume", help="потребитель событий одного сервиса")
    consume.add_argument("service", choices=["registry", "matching", "reports"])
    consume.add_argument("name")
    consume.set_defaults(func=_cmd_consume)
    sub.add_parser("worker", help="исполнитель запусков подбора").set_defaults(func=_cmd_worker)
    token = sub.add_parser("token", help="выпустить токен доступа")
    token.add_argument("--role", required=True,
                       choices=["admin", "region_operator", "municipal_operator", "school_curator", "integrator",
                                "mentor", "mentee"])
    token.add_argument("--scope", help="region:ID, municipality:ID, organization:ID, mentor:ID или mentee:ID")
    token.add_argument("--subject")
    token.add_argument("--ttl", type=int, help="срок действия, секунд")
    token.set_defaults(func=_cmd_token)
    imp = sub.add_parser("import", help="импорт XLSX/CSV в реестр (через API запущенного реестра)")
    imp.add_argument("file")
    imp.add_argument("--kind", required=True, choices=["mentors", "mentees", "organizations"])
    imp.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
    imp.add_argument("--on-error", default="abort", choices=["abort", "skip"])
    imp.add_argument("--region")
    imp.add_argument("--token", help="токен; по умолчанию выпускается токен администратора")
    imp.set_defaults(func=_cmd_import)
    match = sub.add_parser("match", help="запустить массовый подбор (через API запущенного сервиса подбора)")
    match.add_argument("--scope", required=True, help="municipality:<id>, region:<id> или organization:<id>; all — "
                       "все регионы, или region:<id>,region:<id> (администратор: по запуску на регион)")
    match.add_argument("--wait", action="store_true", help="ждать окончания и показать итоги")
    match.add_argument("--dry-run", action="store_true", help="только посчитать, ничего не записывать")
    match.add_argument("--token")
    match.set_defaults(func=run_match)
    reports = sub.add_parser("reports", help="показатели")
    reports.add_argument("action", choices=["rebuild"], help="rebuild: пересобрать проекцию из потока событий")
    reports.set_defaults(func=_cmd_reports)
    schemas = sub.add_parser("schemas", help="проверить JSON Schema, документ AsyncAPI и его страницу")
    schemas.add_argument("--write", action="store_true",
                         help="записать в shared/schemas/ (JSON Schema, asyncapi.yaml) и docs/asyncapi.html")
    schemas.set_defaults(func=_cmd_schemas)
    user = sub.add_parser("user", help="учётные записи консоли")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="создать учётную запись (например, первого администратора)")
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True,
                     choices=["admin", "region_operator", "municipal_operator", "school_curator", "mentor", "mentee"])
    add.add_argument("--scope", help="region:ID, municipality:ID, organization:ID; mentor:ID или mentee:ID — "
                     "наставник или наставляемый, своя запись реестра (не для администратора)")
    add.add_argument("--scope-name", help="название области; по умолчанию берётся из реестра")
    add.add_argument("--name", help="ФИО")
    add.add_argument("--password", help="пароль; без него печатается одноразовая ссылка для установки пароля")
    add.set_defaults(func=_cmd_user)
    retention = sub.add_parser("retention", help="обезличить выбывших из базы дольше срока хранения ПДн")
    retention.add_argument("--days", type=int, help="срок в днях; по умолчанию PERSONAL_DATA_RETENTION_DAYS")
    retention.set_defaults(func=_cmd_retention)
    add_remind_command(sub)
    backup = sub.add_parser("backup", help="резервная копия встроенного стенда (можно на ходу): базы, файлы, поток")
    backup.add_argument("dir", help="новая или пустая папка для копии")
    backup.set_defaults(func=_cmd_backup)
    restore = sub.add_parser("restore", help="восстановить встроенный стенд из резервной копии (стенд остановлен)")
    restore.add_argument("dir", help="папка резервной копии (с manifest.json)")
    restore.set_defaults(func=_cmd_restore)
    migrate = sub.add_parser("migrate", help="применить миграции Alembic ко всем сервисам")
    migrate.add_argument("--downgrade", metavar="REVISION", help="откатить до ревизии (например -1)")
    migrate.set_defaults(func=_cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mentoring` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
