"""Personal data by 152-ФЗ: consent to processing with its date, the pseudonym of an erased person, and when a
withdrawn person's data must be pseudonymised.

Consent is kept as a flag and the day it was given. The day is the evidence (ст. 9 ч. 3: the operator proves the
consent), so a consent without a day takes the day it is recorded, and a withdrawn consent keeps no day.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from shared.dictionaries import normalize
from shared.errors import ValidationFailed

PSEUDONYM_PREFIX = "Субъект ПДн № "
ERASED_TEXT_FIELDS = ("email", "page_url", "honours", "deficits", "preferred_mentor_name")
"""Every free-text or contact column of a person besides the name: cleared on erasure (any may hold contacts)."""
NAME_FIELDS = ("full_name", "normalized_name")
NO_CONSENT = "нет согласия на обработку персональных данных"


def pseudonym(person_id: str) -> str:
    """«Субъект ПДн № 1A2B3C4D»: stable for one person (so a second erasure changes nothing), derived from the
    random record id only, so it tells nothing about the name it replaces."""
    return PSEUDONYM_PREFIX + hashlib.sha256(person_id.encode()).hexdigest()[:8].upper()


def consent_given(consent: bool | None, on: date | None, today: date) -> tuple[bool, date | None]:
    """A new person's consent: a day alone means consent; consent without a day is consent given today; no
    consent keeps no day. A day in the future or a day with a refused consent is a 422."""
    if consent is None:
        consent = True
    _check_day(consent, on, today)
    if not consent:
        return False, None
    return True, on or today


def consent_changed(current: tuple[bool, date | None], changes: dict[str, Any], today: date) -> dict[str, Any]:
    """The consent columns a change sets: `changes` may name the flag, the day or both. A day given alone means
    consent on that day; consent kept without a new day keeps its day; consent given again without a day is
    today's; a withdrawn consent loses its day."""
    if "consent_processing" not in changes and "consent_processing_on" not in changes:
        return {}
    consent, on = current
    if "consent_processing" in changes:
        new_consent = bool(changes["consent_processing"])
    else:
        new_consent = consent or changes["consent_processing_on"] is not None
    new_on = changes.get("consent_processing_on", on if new_consent and consent else None)
    _check_day(new_consent, new_on, today)
    return {"consent_processing": new_consent, "consent_processing_on": (new_on or today) if new_consent else None}


def _check_day(consent: bool, on: date | None, today: date) -> None:
    if on is not None and on > today + timedelta(days=1):  # `today` is UTC's: the east of Russia is a day ahead
        raise ValidationFailed("Дата согласия на обработку персональных данных не может быть в будущем",
                               errors=[{"field": "consent_processing_on", "message": "дата позже сегодняшней"}])
    if on is not None and not consent:
        raise ValidationFailed("Дата согласия указана, а согласие на обработку персональных данных снято",
                               errors=[{"field": "consent_processing_on",
                                        "message": "уберите дату или отметьте согласие"}])


def erased_values(person_id: str, columns: set[str]) -> dict[str, Any]:
    """What an erased person's row becomes: a pseudonym for the name, nothing in the contact and free-text
    columns, no consent (to process or to publish). Status, place and request stay, so counts stay equal."""
    name = pseudonym(person_id)
    values: dict[str, Any] = {"full_name": name, "normalized_name": normalize(name), "consent_processing": False,
                              "consent_processing_on": None, "consent_publication": False}
    values.update({field: None for field in ERASED_TEXT_FIELDS})
    return {k: v for k, v in values.items() if k in columns}


def scrub_changes(changes: dict[str, Any], name: str) -> dict[str, Any]:
    """An audit record's changes without the person's data: the name becomes the pseudonym, contact and
    free-text values become None, whether written as a value (created) or as [old, new] (updated)."""
    scrubbed: dict[str, Any] = {}
    for field, value in changes.items():
        if field in NAME_FIELDS or field in ERASED_TEXT_FIELDS:
            replacement = name if field in NAME_FIELDS else None
            value = [replacement, replacement] if isinstance(value, list) else replacement
        scrubbed[field] = value
    return scrubbed


def retention_cutoff(now: datetime, days: int) -> datetime:
    """People withdrawn before this moment are due for pseudonymisation."""
    if days < 1:
        raise ValueError("срок хранения — не меньше одного дня")
    return now - timedelta(days=days)

