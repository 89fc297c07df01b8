"""Helpers of the console tests: a running stack with the demo region, the console app, accounts, forms."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import httpx

from services.console.auth import accounts, passwords
from shared.auth import issue_token
from shared.config import Settings
from tests.integration.helpers import eventually

PASSWORD = "Надёжный-пароль-2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def registry(stack: Any) -> httpx.Client:
    token = issue_token(Settings(), "admin", subject="console-tests")
    return httpx.Client(base_url=stack.url("registry"), headers={"Authorization": f"Bearer {token}"}, timeout=60)


def seed_demo_region(stack: Any) -> None:
    """The demo region's organizations, mentors and mentees, imported through the registry API, and applied by
    matching's read model and the reports projection (the pages read both) before the tests go on."""
    from ops.demo import demo_files

    with registry(stack) as client:
        for kind, content in demo_files().items():
            answer = client.post("/api/v1/imports", params={"kind": kind, "on_error": "skip"},
                                 files={"file": (f"{kind}.xlsx", content)})
            assert answer.status_code == 200, answer.text
    with ThreadPoolExecutor(1) as pool:  # a thread of its own: a browser test's thread runs Playwright's loop
        pool.submit(asyncio.run, eventually(lambda: consumers_caught_up(stack), timeout_s=60, every_s=0.25)).result()


async def consumers_caught_up(stack: Any) -> bool:
    """The registry's outbox is relayed (nothing left unsent) and both readers of it have nothing pending."""
    from shared.broker import connect

    nc = await connect(stack.nats_settings(), name="test-catch-up", reconnect_forever=False)
    try:
        js = nc.jetstream()
        stream = await js.stream_info("MENTORING")
        infos = {c.name: c for c in await js.consumers_info("MENTORING")}
    finally:
        await nc.close()
    readers = [infos.get(name) for name in ("matching-read-model", "reports-projection")]
    return bool(stream.state.messages) and all(
        r is not None and r.num_pending == 0 and r.num_ack_pending == 0 for r in readers) and not unsent(stack)


def unsent(stack: Any) -> int:
    """Rows of the registry's outbox not yet on the stream."""
    from sqlalchemy import func, select

    from services.registry.adapters.tables import outbox
    from shared.db import make_engine

    url = stack.database_url or f"sqlite:///{stack.workdir / 'var' / 'registry.db'}"
    engine = make_engine(Settings(database_url=url).resolved_database_url())
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(outbox.table)
                                         .where(outbox.table.c.sent_at.is_(None))) or 0)
    finally:
        engine.dispose()


def console_settings(stack: Any, database_url: str, var_dir: Any) -> Settings:
    return Settings(service="console", var_dir=var_dir, database_url=database_url, log_json=False,
                    log_level="WARNING", registry_url=stack.url("registry"), matching_url=stack.url("matching"),
                    reports_url=stack.url("reports"), nats_url=stack.env["NATS_URL"],
                    console_secret="console-test-secret-0123456789-abcdefghijklmnop")


def add_account(app: Any, email: str, role: str = "admin", scope: str | None = None, scope_name: str | None = None,
                region_id: str | None = None, password: str | None = PASSWORD) -> str:
    """An account that signs in with `password` (None: an invitation). Its argon2id hash is made once per password
    for the session, by the console's own hasher: a hash costs about a fifth of a second, and signing in still
    checks the password against it in full."""
    if password is not None:
        assert passwords.password_problem(password, email) is None, password
    ctx = app.extensions["console"]
    with ctx.uow() as uow:
        account = accounts.create_account(uow.session, accounts.NewAccount(email, f"Тестовый {role}", role, scope,
                                                                           scope_name, region_id),
                                          created_by="tests")
        if password is not None:
            account.password_hash = password_hash(password)
        uow.commit()
        return account.id


@cache
def password_hash(password: str) -> str:
    return passwords.hash_password(password)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: Any, email: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    token = csrf_of(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token}, **kwargs)


def post_form(client: Any, page: str, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Open `page`, take its CSRF token, post `data` to `url` as the page's form would."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def without_tokens(html: str) -> str:
    return CSRF.sub('name="csrf_token" value=""', html)


def admin_client(stack: Any, service: str) -> httpx.Client:
    """One service of the running stack as an admin, over HTTP."""
    token = issue_token(Settings(), "admin", subject="console-tests")
    return httpx.Client(base_url=stack.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=60)


def wait_for(check: Any, timeout_s: float = 90.0) -> Any:
    """The first truthy answer of `check()`, polled while the services catch up with their events."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise TimeoutError("the services did not catch up")
