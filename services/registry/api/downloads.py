"""A file answer: its bytes (or a rewound file, sent in chunks), media type and the file name it is saved under."""

from __future__ import annotations

from typing import IO

from flask import Response, send_file

from shared.xlsx import XLSX

__all__ = ["XLSX", "download"]


def download(body: bytes | IO[bytes], filename: str, mimetype: str) -> Response:
    """An attachment named `filename` (ASCII) of type `mimetype` (parameters such as a charset kept)."""
    if isinstance(body, bytes):
        response = Response(body, mimetype=mimetype.split(";")[0], content_type=mimetype)
    else:
        response = send_file(body, mimetype=mimetype, download_name=filename, conditional=False, etag=False,
                             max_age=0)
        response.content_type = mimetype
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response
