"""The bank of mentors: list, card, add, edit, withdraw, downloads (the registry's exports)."""

from __future__ import annotations

from flask import Blueprint

from services.console.pages.people import MENTORS, build


def blueprint() -> Blueprint:
    return build(MENTORS)
