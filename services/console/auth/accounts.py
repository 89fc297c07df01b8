"""Account use cases over the console's tables; each takes a session and leaves the commit to the caller."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.console.adapters.tables import Account, PasswordLink
from services.console.auth import passwords, tokens
from services.console.roles import ADMIN, REGION, scope_problem
from shared.events import as_utc, utcnow

TAKEN = "Пользователь с таким адресом уже есть"


class AccountError(ValueError):
    """A refusal to show beside a form field: `field` names it, the message is Russian."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewAccount:
    email: str
    full_name: str
    role: str
    scope: str | None = None
    scope_name: str | None = None
    region_id: str | None = None


def normal_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == normal_email(email))).first()


def create_account(session: Session, new: NewAccount, *, created_by: str, password: str | None = None) -> Account:
    """Add an account (an invitation when `password` is None: the person sets it through a one-time link)."""
    problem = scope_problem(new.role, new.scope)
    if problem:
        raise AccountError("scope", problem)
    if find_by_email(session, new.email) is not None:
        raise AccountError("email", TAKEN)
    account = Account(email=normal_email(new.email), full_name=" ".join(new.full_name.split()), role=new.role,
                      scope=new.scope, scope_name=new.scope_name, region_id=new.region_id, created_by=created_by)
    if password is not None:
        problem = passwords.password_problem(password, account.email)
        if problem:
            raise AccountError("password", problem)
        account.password_hash = passwords.hash_password(password)
    session.add(account)
    try:
        session.flush()
    except IntegrityError:  # the same address, added by a concurrent request after the check above
        session.rollback()
        raise AccountError("email", TAKEN) from None
    return account


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The active account with this e-mail and password, or None (the same answer for every failure)."""
    account = find_by_email(session, email)
    if not passwords.verify_password(account.password_hash if account else None, password):
        return None
    if account is None or not account.active:
        return None
    if passwords.needs_rehash(account.password_hash or ""):
        account.password_hash = passwords.hash_password(password)
    return account


def start_session(account: Account) -> str:
    """A fresh nonce for a new session; every older session of the account stops working."""
    account.session_nonce = tokens.new_nonce()
    return account.session_nonce


def end_sessions(account: Account) -> None:
    account.session_nonce = None


def set_active(account: Account, active: bool) -> None:
    account.active = active
    if not active:
        end_sessions(account)


def issue_link(session: Session, account: Account, *, ttl_hours: int, created_by: str) -> str:
    """A new one-time link token (shown once); links issued earlier and not used stop working."""
    now = utcnow()
    for old in session.exec(select(PasswordLink).where(PasswordLink.account_id == account.id,
                                                       PasswordLink.used_at.is_(None))).all():
        old.used_at = now
    token = tokens.new_token()
    session.add(PasswordLink(account_id=account.id, token_hash=tokens.token_digest(token),
                             expires_at=tokens.expiry(now, ttl_hours), created_by=created_by))
    session.flush()
    return token


def open_link(session: Session, token: str) -> tuple[str, PasswordLink | None, Account | None]:
    """The link's state (`valid`, `used`, `expired` or `unknown`), the link and its account."""
    link = session.exec(select(PasswordLink).where(PasswordLink.token_hash == tokens.token_digest(token))).first()
    if link is None:
        return "unknown", None, None
    account = session.get(Account, link.account_id)
    state = tokens.link_state(as_utc(link.expires_at), as_utc(link.used_at), utcnow())
    if account is None or not account.active:
        state = "unknown"
    return state, link, account


def use_link(session: Session, token: str, password: str) -> Account:
    """Set the password through a valid link; the link is spent and every session of the account ends."""
    state, link, account = open_link(session, token)
    if state != "valid" or link is None or account is None:
        raise AccountError("token", LINK_MESSAGES.get(state, LINK_MESSAGES["unknown"]))
    problem = passwords.password_problem(password, account.email)
    if problem:
        raise AccountError("password", problem)
    account.password_hash = passwords.hash_password(password)
    link.used_at = utcnow()
    end_sessions(account)
    return account


LINK_MESSAGES = {
    "used": "Эта ссылка уже использована. Попросите администратора выдать новую.",
    "expired": "Срок действия ссылки истёк. Попросите администратора выдать новую.",
    "unknown": "Ссылка недействительна. Попросите администратора выдать новую.",
}


def visible_accounts(session: Session, role: str, region_id: str | None) -> list[Account]:
    """Accounts a manager sees: an admin every one, a region operator those of the region (admins excluded)."""
    stmt = select(Account).order_by(Account.full_name, Account.email)
    if role == REGION:
        stmt = stmt.where(Account.region_id == region_id, Account.role != ADMIN)
    elif role != ADMIN:
        return []
    return list(session.exec(stmt).all())


def manages(role: str, region_id: str | None, account: Account) -> bool:
    """Whether a manager may disable, enable or issue a link for this account."""
    if role == ADMIN:
        return True
    return role == REGION and account.role != ADMIN and account.region_id == region_id
