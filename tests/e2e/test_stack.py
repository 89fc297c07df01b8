"""`mentoring up` starts every process of the embedded stack and Ctrl-C stops them all."""

from __future__ import annotations

import socket

import httpx

from services.supervisor import process_table
from shared.config import Settings


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_every_process_starts_answers_ready_and_stops_on_ctrl_c(stack):
    for service in ("registry", "matching", "reports"):
        response = httpx.get(f"{stack.url(service)}/readyz", timeout=5)
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": True, "nats": True}
    log = stack.log()
    for name in process_table(Settings()):
        assert f"{name} started" in log, f"{name} did not start:\n{log[-2000:]}"
    assert "Токен администратора" in log
    stack.stop()
    assert not any(port_open(port) for port in stack.ports.values())
