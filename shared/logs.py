"""JSON logs with the request id of the HTTP request being served."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


class RequestIdFilter(logging.Filter):
    """Adds `request_id` from the Flask request context when there is one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            from flask import g, has_request_context

            record.request_id = g.get("request_id") if has_request_context() else None
        except Exception:  # noqa: BLE001 - logging must never fail
            record.request_id = None
        return True


def configure_logging(level: str = "INFO", *, json_format: bool = True, service: str = "") -> None:
    """Send logs to stderr, one JSON object a line; idempotent."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_mentoring", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._mentoring = True  # type: ignore[attr-defined]
    if json_format:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"levelname": "level", "asctime": "time"}, static_fields={"service": service},
            json_ensure_ascii=False,
        ))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    logging.getLogger("nats").setLevel(logging.WARNING)
