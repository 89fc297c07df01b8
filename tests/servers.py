"""Real servers for tests: nats-server from the wheel, databases, and which databases a test runs on."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ops.natsserver import ServerTls, nats_server_binary, write_config
from shared.config import Settings

# the start-up check's own message (ops/ports.py), or a server's when the port went between the check and its bind
PORT_TAKEN = re.compile(r"уже занят|address already in use|connection in use", re.IGNORECASE)
# CI's second pass runs every service on PostgreSQL (DATABASE_URL); its first pass already ran the SQLite side
DATABASES = ["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgresql") else ["sqlite", "postgres"]
# for rules that no database dialect changes (a template's check, a role's refusal): the pass's own database only
one_database = pytest.mark.parametrize("database_url", DATABASES[:1], indirect=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2) as sock:
                if sock.recv(4) == b"INFO":
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answers on port {port}")


@dataclass
class NatsServer:
    """One nats-server process with JetStream on a file store; can be killed and restarted in place."""

    workdir: Path
    port: int = field(default_factory=free_port)
    cluster_name: str | None = None
    cluster_port: int | None = None
    route_ports: list[int] = field(default_factory=list)
    name: str = "test"
    process: subprocess.Popen | None = None
    accounts: str = ""  # users and permissions (`ops.nats_users.render_accounts`); none: an open broker
    tls: ServerTls | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> NatsServer:
        config = write_config(self.workdir / f"{self.name}.conf", port=self.port, store_dir=self.workdir / "store",
                              server_name=self.name, cluster_name=self.cluster_name, cluster_port=self.cluster_port,
                              route_ports=self.route_ports, accounts=self.accounts, tls=self.tls)
        log = (self.workdir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log, stderr=log)
        if wait:
            wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL: what a crash of the broker looks like."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def postgres_admin_url() -> str | None:
    """The PostgreSQL server tests may use, if one is configured."""
    url = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        return url
    return None


def postgres_reachable(url: str) -> bool:
    try:
        engine = create_engine(_psycopg(url), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if "+psycopg" not in url else url


def create_postgres_database(admin_url: str) -> tuple[str, callable]:
    """A fresh database on the server; returns its URL and a function that drops it."""
    name = f"mentoring_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_psycopg(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = _psycopg(admin_url).rpartition("/")

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{name}", drop


class PostgresDatabases:
    """Fresh databases for the tests, made ahead and dropped behind in one background thread.

    Making a database (a copy of template1 written through the WAL) and dropping it (WITH (FORCE), which first ends
    the test's pooled connections) took about a second of a PostgreSQL test, often more than the test itself; the
    thread does both while the tests run. A test still gets a database nobody has used, and `close` drops the
    spares and waits for every drop.
    """

    def __init__(self, admin_url: str, ahead: int = 2) -> None:
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        self.admin_url = admin_url
        self.ahead = ahead
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-databases")
        self._made: deque = deque()
        self._dropped: list = []
        self._fill()

    def _fill(self) -> None:
        while len(self._made) < self.ahead:
            self._made.append(self._worker.submit(create_postgres_database, self.admin_url))

    def take(self) -> tuple[str, callable]:
        """A new empty database's URL, and a function that has it dropped in the background."""
        url, drop = self._made.popleft().result()
        self._fill()
        return url, lambda: self._dropped.append(self._worker.submit(drop))

    def close(self) -> None:
        """Drop the spares, wait for every drop, and fail if one failed."""
        while self._made:
            _, drop = self._made.popleft().result()
            self._dropped.append(self._worker.submit(drop))
        self._worker.shutdown(wait=True)
        for dropped in self._dropped:
            dropped.result()


@dataclass
class Stack:
    """`mentoring up` in a subprocess on free ports: the embedded stack as an operator starts it."""

    workdir: Path
    demo: bool = False
    ports: dict[str, int] = field(default_factory=lambda: {k: free_port() for k in ("registry", "matching", "reports",
                                                                                     "console", "nats")})
    process: subprocess.Popen | None = None
    database_url: str | None = None
    drop_database: object = None
    log_start: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)  # settings of this stack only (e.g. OIDC_ISSUER)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update({
            "VAR_DIR": str(self.workdir / "var"), "NATS_URL": f"nats://127.0.0.1:{self.ports['nats']}",
            "REGISTRY_URL": self.url("registry"), "MATCHING_URL": self.url("matching"),
            "REPORTS_URL": self.url("reports"), "CONSOLE_URL": self.url("console"), "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
        })
        env.update(self.extra_env)
        return env

    def nats_settings(self) -> Settings:
        """A client beside the stack: its NATS, and its var/ so the NATS admin `mentoring up` generated there."""
        return Settings(nats_url=self.env["NATS_URL"], var_dir=self.workdir / "var")

    def start(self) -> Stack:
        import sys

        self.workdir.mkdir(parents=True, exist_ok=True)
        admin = os.environ.get("DATABASE_URL", "")
        if admin.startswith("postgres") and self.database_url is None:
            self.database_url, self.drop_database = create_postgres_database(admin)
        self.log_start = len(self.log())
        log = (self.workdir / "stack.log").open("ab")
        command = [sys.executable, "-m", "ops.cli", "up"] + (["--demo"] if self.demo else [])
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=Path(__file__).resolve().parents[1], start_new_session=True)
        return self

    def wait_ready(self, timeout_s: float = 60.0, port_retries: int = 2) -> None:
        """Wait until every service answers `/readyz`.

        A port `free_port` handed out can be taken by another process before the stack binds it; then the stack
        stops with "address already in use" (gunicorn: "connection in use"), and it is started again on other
        ports (`port_retries`).
        """
        import httpx

        deadline = time.monotonic() + timeout_s
        pending = ["registry", "matching", "reports", "console"]
        while pending:
            if self.process and self.process.poll() is not None:
                if port_retries and PORT_TAKEN.search(self.log()[self.log_start:]):
                    port_retries -= 1
                    self.ports = {name: free_port() for name in self.ports}
                    self.start()
                    continue
                raise RuntimeError(f"stack exited: {self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url(pending[0])}/readyz", timeout=2).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {pending}; log:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def log(self) -> str:
        path = self.workdir / "stack.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> int:
        """Ctrl-C, as an operator stops it; returns the supervisor's exit code."""
        code = self._interrupt()
        if self.drop_database is not None:
            self.drop_database()
            self.drop_database = None
        return code

    def stop_in_background(self) -> None:
        """Ctrl-C now; the processes wind down (and the database is dropped) in a thread while the next test runs.

        A fixture's stack is not under test when it stops (`test_stack.py` stops its own and checks that), and the
        shutdown is mostly waiting: gunicorn's workers notice SIGTERM at their next poll. `wait_for_stopped_stacks`
        joins the threads at the end of the session.
        """
        import threading

        stopping = threading.Thread(target=self.stop, name=f"stop-{self.workdir.name}", daemon=True)
        stopping.start()
        _STOPPING.append(stopping)

    def _interrupt(self) -> int:
        import signal

        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        return self.process.returncode


_STOPPING: list[object] = []  # threads of `Stack.stop_in_background`


def wait_for_stopped_stacks(timeout_s: float = 60.0) -> None:
    """Join the stacks stopped in the background (each thread ends after the supervisor exits, or kills it)."""
    deadline = time.monotonic() + timeout_s
    while _STOPPING:
        _STOPPING.pop().join(max(0.0, deadline - time.monotonic()))


@dataclass
class ExternalNats:
    """A broker the tests did not start (CI's system NATS): usable, but never stopped or killed by a test."""

    url: str

    def start(self, wait: bool = True) -> ExternalNats:
        return self

    def stop(self) -> None:
        import pytest

        pytest.skip("the external broker cannot be stopped by a test")

    kill = stop


def reset_stream(url: str, name: str = "MENTORING") -> None:
    """Delete the stream (and so its consumers) on a shared broker, so each test starts empty."""
    import asyncio

    import nats
    from nats.js.errors import NotFoundError

    async def delete() -> None:
        nc = await nats.connect(url)
        try:
            await nc.jetstream().delete_stream(name)
        except NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(delete())


REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CliProcess:
    """One `mentoring …` command (the console script's module) in a subprocess, to stop or SIGKILL mid-work."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> CliProcess:
        import sys

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", "VAR_DIR")}
        self.process = subprocess.Popen([sys.executable, "-m", "ops.cli", *self.args], env={**env, **self.env},
                                        stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler runs, no transaction commits, nothing is acknowledged."""
        if self.alive:
            self.process.kill()
            self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP: freeze it where it is, to look at what it has done so far."""
        if self.alive:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM, as a supervisor stops it; SIGKILL if it does not exit in time."""
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class TcpProxy:
    """A loopback TCP proxy in threads; `cut()` closes the listener and every connection, `restore()` listens again."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        import threading

        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.connections = 0
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> TcpProxy:
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="tcp-proxy").start()
        return self

    restore = start

    def cut(self) -> None:
        """The database host goes away: new connections are refused and open ones are closed."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        import threading

        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
                self.connections += 1
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    target.sendall(data)
        finally:
            _close(source)
            _close(target)
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
