"""The base of mentees: list, card, add, edit, withdraw, a download in the operators' layout."""

from __future__ import annotations

from flask import Blueprint

from services.console.pages.people import MENTEES, build


def blueprint() -> Blueprint:
    return build(MENTEES)
