"""A file answer: its bytes, media type and the file name it is saved under."""

from __future__ import annotations

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(body: bytes, filename: str, mimetype: str) -> Response:
    """An attachment named `filename` (ASCII) of type `mimetype` (parameters such as a charset kept)."""
    response = Response(body, mimetype=mimetype.split(";")[0], content_type=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response
