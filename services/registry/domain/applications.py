"""Applications from the public bank: who decides them, how they end, and how often one address may send them.

A teacher applies to become a mentor (a *nomination*: the curator of the teacher's own school selects the candidate
into the bank or declines), or asks a published mentor for help (a *request*: the curator of the mentor's school
turns it into a proposed pair or declines). Each ends once; a decline carries its reason.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from shared.errors import Conflict, TooManyRequests, ValidationFailed

NOMINATION, REQUEST = "nomination", "request"
NEW, SELECTED, ACCEPTED, DECLINED = "new", "selected", "accepted", "declined"
OUTCOME = {NOMINATION: SELECTED, REQUEST: ACCEPTED}
"""What a curator's «yes» makes of each kind: a candidate selected into the bank, a request accepted as a pair."""
KIND_LABELS = {NOMINATION: "Заявка в наставники", REQUEST: "Просьба о наставнике"}
STATUS_LABELS = {NEW: "ждёт решения", SELECTED: "включён в банк", ACCEPTED: "принята", DECLINED: "отклонена"}
WINDOW = timedelta(hours=1)


def sender_key(address: str, secret: str) -> str:
    """The sender's address as a keyed hash: enough to count their applications, not to tell who they are."""
    return hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()


def check_rate(sent_in_window: int, per_hour: int) -> None:
    """Captcha-free, but an address sends at most `per_hour` applications an hour (429 with the wait)."""
    if sent_in_window >= per_hour:
        raise TooManyRequests(f"С этого адреса за час отправлено заявок: {sent_in_window}. Повторите позже.",
                              retry_after=int(WINDOW.total_seconds()))


def decide(kind: str, status: str, outcome: str) -> str:
    """The status an application takes when its curator decides: only a waiting application is decided, and only
    with the outcome of its kind (or a decline)."""
    if status != NEW:
        raise Conflict(f"Заявка уже рассмотрена: {STATUS_LABELS.get(status, status)}")
    if outcome not in (OUTCOME[kind], DECLINED):
        wanted = "включить в банк" if kind == NOMINATION else "предложить пару"
        raise Conflict(f"{KIND_LABELS[kind]}: можно {wanted} или отклонить")
    return outcome


def decline_reason(reason: str | None) -> str:
    """A decline always says why: the applicant is told."""
    if not reason or not reason.strip():
        raise ValidationFailed("Укажите причину отказа", errors=[{"field": "reason", "message": "обязательное поле"}])
    return reason.strip()

