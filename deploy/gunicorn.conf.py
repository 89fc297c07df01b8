"""gunicorn settings for every service; overridable from the environment."""

import os
import shutil
from pathlib import Path

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190  # the most gunicorn allows; a longer URL is a 414 (declared in every service's OpenAPI)
accesslog = None
errorlog = "-"
control_socket_disable = True  # three services on one host would share one default socket path
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def on_starting(server):
    """Start each supervisor with an empty multiprocess metrics directory."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """Drop the metrics of a worker that is gone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
