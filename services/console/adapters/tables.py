"""Tables owned by the console (its own metadata): accounts and their one-time set-password links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.events import utcnow
from shared.types import new_id, timestamp_column


class ConsoleModel(SQLModel, registry=registry()):
    """Base of every console table."""


class Account(ConsoleModel, table=True):
    """A person who signs in: a role over a scope chosen by name (`kind:id` plus the name shown)."""

    __tablename__ = "console_account"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=300)
    role: str = Field(max_length=30)
    scope: str | None = Field(default=None, max_length=100)
    scope_name: str | None = Field(default=None, max_length=500)
    region_id: str | None = Field(default=None, max_length=36, index=True)
    active: bool = True
    password_hash: str | None = Field(default=None, max_length=300)
    # Changed at every sign-in, sign-out, password change and disabling: a session carries the nonce it was
    # issued with, and a session whose nonce is no longer the account's stops working at its next request.
    session_nonce: str | None = Field(default=None, max_length=64)
    # Set by the unsubscribe link of a reminder e-mail: no more reminders for this account.
    reminders_off_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    created_by: str = Field(default="system", max_length=300)


class PasswordLink(ConsoleModel, table=True):
    """A one-time link to set a password: only the SHA-256 of its token is kept; single use; expires."""

    __tablename__ = "console_password_link"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    account_id: str = Field(max_length=36, foreign_key="console_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))
    expires_at: datetime = Field(sa_column=timestamp_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    created_by: str = Field(default="system", max_length=300)


class SentReminder(ConsoleModel, table=True):
    """One fact reminded to one account on one day (`fact_key`: `plan:<item>`, `diary:<pair>:<month>`, …).

    Unique per account and fact: a fact is reminded once, never again on a later day; the rows of a day also say
    that the account had its digest that day."""

    __tablename__ = "console_reminder"
    __table_args__ = (UniqueConstraint("account_id", "fact_key", name="uq_console_reminder_fact"),
                      Index("ix_console_reminder_account_day", "account_id", "sent_on"))

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    account_id: str = Field(max_length=36, foreign_key="console_account.id")
    fact_key: str = Field(max_length=200)
    kind: str = Field(max_length=30)
    sent_on: date
    sent_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(nullable=False))


metadata = ConsoleModel.metadata
