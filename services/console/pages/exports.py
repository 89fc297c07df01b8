"""Files the console hands over from the services (the registry builds its exports and templates itself): the
service's bytes and media type, saved under a Russian file name."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from flask import Response


def attachment(filename: str) -> str:
    """Content-Disposition for a Russian file name (RFC 6266 / 5987) with an ASCII fallback."""
    return f"attachment; filename=export.{filename.rsplit('.', 1)[-1]}; filename*=UTF-8''{quote(filename)}"


def handed_over(answer: httpx.Response, filename: str) -> Response:
    """A service's file answer passed on to the browser as an attachment named `filename`."""
    mimetype = answer.headers.get("content-type", "application/octet-stream")
    response = Response(answer.content, mimetype=mimetype.split(";")[0], content_type=mimetype)
    response.headers["Content-Disposition"] = attachment(filename)
    return response
