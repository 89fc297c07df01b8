"""`mentoring up` with a port already taken stops at once, in Russian, naming the port, its holder and the setting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.servers import Stack

ROOT = Path(__file__).resolve().parents[2]


def test_a_taken_port_stops_the_start_at_once_with_the_port_the_process_and_the_setting(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", stack.ports["registry"]))
        squatter.listen()
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "ops.cli", "up", "--demo"], env=stack.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        took = time.monotonic() - started
    port = stack.ports["registry"]
    assert done.returncode == 2, done.stdout + done.stderr
    assert took < 10
    assert f"порт {port} (реестр) уже занят процессом" in done.stderr
    assert f"(pid {os.getpid()})" in done.stderr
    assert "REGISTRY_URL=http://127.0.0.1:" in done.stderr
    assert "Токен" not in done.stdout and "Traceback" not in done.stderr
    assert not list((tmp_path / "var").glob("*.db")), "nothing may start: no database was created"


def test_a_free_port_left_in_time_wait_by_a_stopped_stack_does_not_count(tmp_path: Path) -> None:
    from ops.ports import port_taken

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's and nats-server's listeners
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        assert port_taken("127.0.0.1", port)
        accepted.close()  # the server side closes first: its end stays in TIME_WAIT
        client.close()
    assert not port_taken("127.0.0.1", port)
