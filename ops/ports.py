"""Before `mentoring up` starts anything, every address the embedded stack listens on must be free.

Without this check a taken port let the stack start half-way: migrations ran, the banner and a token were printed,
and gunicorn died seconds later with its own English line while the other processes were being stopped. Now the
start stops at once, names the port, the process holding it when it can be found, and the setting to change.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import psutil

from shared.config import DEFAULT_PORTS, Settings


@dataclass(frozen=True)
class Listener:
    """One address of the embedded stack: what listens there and which setting moves it."""

    label: str
    setting: str
    scheme: str
    host: str
    port: int


def stack_listeners(settings: Settings) -> list[Listener]:
    """The addresses `mentoring up` binds: the embedded NATS, the three services and the console."""
    nats = urlparse(settings.nats_url)
    listeners = [Listener("NATS", "NATS_URL", "nats", nats.hostname or "127.0.0.1", nats.port or 4223)]
    for service, label in (("registry", "реестр"), ("matching", "подбор"), ("reports", "показатели"),
                           ("console", "консоль")):
        url = urlparse(getattr(settings, f"{service}_url"))
        # the services bind 127.0.0.1 whatever host their URL names (see ops.supervisor.process_table)
        listeners.append(Listener(label, f"{service.upper()}_URL", url.scheme or "http", "127.0.0.1",
                                  url.port or DEFAULT_PORTS[service]))
    return listeners


def port_taken(host: str, port: int) -> bool:
    """Whether a listener holds host:port. SO_REUSEADDR, as gunicorn and nats-server bind: a socket left in
    TIME_WAIT by a stack that just stopped does not count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def holder(port: int) -> str | None:
    """«имя (pid N)» of the process listening on `port`, when the system lets us see it."""
    try:
        for conn in psutil.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
    except (psutil.Error, OSError):
        return None
    return None


def free_neighbour(listener: Listener, avoid: set[int]) -> int:
    """A free port near the taken one, to suggest: +100, +200, ..."""
    for step in range(100, 1000, 100):
        candidate = listener.port + step
        if candidate < 65536 and candidate not in avoid and not port_taken(listener.host, candidate):
            return candidate
    return listener.port + 100


def busy_listeners(settings: Settings) -> list[Listener]:
    return [listener for listener in stack_listeners(settings) if port_taken(listener.host, listener.port)]


def explain(busy: list[Listener], settings: Settings) -> str:
    """The Russian message for the operator: each taken port, who holds it, and the setting with a free value."""
    used = {listener.port for listener in stack_listeners(settings)}
    lines = ["Встроенный стенд не запущен: нужные ему порты заняты."]
    fixes = []
    for listener in busy:
        who = holder(listener.port)
        lines.append(f"  порт {listener.port} ({listener.label}) уже занят"
                     + (f" процессом {who}" if who else " другой программой") + ".")
        suggestion = free_neighbour(listener, used)
        used.add(suggestion)
        fixes.append(f"{listener.setting}={listener.scheme}://{listener.host}:{suggestion}")
    lines.append("Остановите эти процессы (возможно, это уже запущенный стенд) или задайте другие порты "
                 "в переменных окружения, например:")
    lines.append(f"  {' '.join(fixes)} make run")
    return "\n".join(lines)
