"""Where a person is sent after signing in: only a path of this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """Only a path of this site: an absolute or scheme-relative address goes home instead."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("home.index")
