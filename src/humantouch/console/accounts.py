"""People in the console: passwords (argon2id), roles, and server-side sessions.

A session is a random token in an HttpOnly cookie; the table keeps only its SHA-256, so a
leaked database does not sign anybody in. Each session carries its own CSRF token, which
every form posts back. Signing out deletes the row, so a copied cookie dies with it.

Guessing passwords is slowed twice: the sign-in page throttles each client address (an
in-process token bucket, see `SignInPolicy`), and an account that sees `lockout_attempts`
wrong passwords in a row refuses every password, the right one too, for `lockout_minutes`.
The count lives in the database, so it holds across API processes; a success resets it and
setting a new password (`humantouch agents set-password`) lifts a lock at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from humantouch.errors import AuthError, InputError, NotFoundError
from humantouch.service import events
from humantouch.service.context import Actor, Service
from humantouch.storage.tables import Agent, ConsoleSession

ROLES = ("agent", "supervisor", "admin")
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    """How hard the sign-in page makes password guessing (settings `console_lockout_*`, `console_sign_in_*`)."""

    lockout_attempts: int = 5
    lockout_minutes: float = 15.0
    per_minute: float = 10.0  # sign-in attempts per client address, refilled continuously
    burst: int = 10


class SignInLockedError(AuthError):
    """Too many wrong passwords in a row: the account refuses sign-ins until `until`."""

    code = "HT-AUTH-LOCKED"

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.minutes = max(1, int((until - now).total_seconds() + 59) // 60)
        super().__init__(
            "too many wrong passwords for this account",
            hint=f"try again in {self.minutes} min, or ask an admin to set a new password",
        )


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Person:
    """The signed-in agent, supervisor or admin, as the pages need them."""

    agent_id: str
    name: str
    email: str
    role: str
    languages: tuple[str, ...]
    csrf_token: str

    @property
    def actor(self) -> Actor:
        return Actor(key_id="console", role=self.role, agent_id=self.agent_id)

    @property
    def leads(self) -> bool:
        return self.role in ("supervisor", "admin")


def set_password(
    svc: Service,
    actor: Actor,
    agent_id: str,
    password: str,
    *,
    email: str | None = None,
    role: str | None = None,
) -> None:
    """Give an agent (or change) their sign-in: password, and optionally e-mail and role."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password is shorter than {MIN_PASSWORD_LENGTH} characters",
            hint="choose a longer one (a few unrelated words work well)",
            code="HT-IN-PASSWORD",
        )
    if role is not None and role not in ROLES:
        raise InputError(f"unknown role {role!r}", hint=f"use one of {', '.join(ROLES)}", code="HT-IN-ROLE")
    with svc.db.write() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        if email is not None:
            agent.email = email.strip().lower()
        if agent.email is None:
            raise InputError("the agent has no e-mail to sign in with", hint="pass --email", code="HT-IN-EMAIL")
        if role is not None:
            agent.role = role
        agent.password_hash = _hasher.hash(password)
        agent.failed_sign_ins = 0
        agent.locked_until = None  # a new password lifts a lock-out
        # A new password ends every open session of that person.
        session.execute(delete(ConsoleSession).where(ConsoleSession.agent_id == agent.id))
        events.record(svc, session, "agent.password_set", {"agent_id": agent.id, "role": agent.role}, actor=actor.label)


def sign_in(svc: Service, email: str, password: str, policy: SignInPolicy = SignInPolicy()) -> str:
    """Check the password and open a session; returns the token for the cookie.

    Raises AuthError for a wrong e-mail or password (the same message for both) and
    SignInLockedError while the account is locked after too many wrong passwords.
    """
    wrong = AuthError("wrong e-mail or password", code="HT-AUTH-PASSWORD")
    with svc.db.read() as session:
        agent = session.scalars(select(Agent).where(Agent.email == email.strip().lower())).first()
        stored = agent.password_hash if agent is not None and agent.active else None
        agent_id = agent.id if agent is not None else ""
        locked_until = agent.locked_until if agent is not None else None
    now = svc.clock()
    if stored is not None and locked_until is not None and locked_until > now:
        raise SignInLockedError(locked_until, now)
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        if stored is not None:
            _count_failure(svc, agent_id, policy)
        raise wrong from None
    if stored is None:
        raise wrong
    token = secrets.token_urlsafe(32)
    with svc.db.write() as session:
        session.add(
            ConsoleSession(
                token_hash=_digest(token),
                agent_id=agent_id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        row = session.get(Agent, agent_id)
        if row is not None:
            row.failed_sign_ins = 0
            row.locked_until = None
            if _hasher.check_needs_rehash(stored):
                row.password_hash = _hasher.hash(password)
    return token


def _count_failure(svc: Service, agent_id: str, policy: SignInPolicy) -> None:
    """One more wrong password in a row; at `lockout_attempts` the account locks and the count restarts."""
    now = svc.clock()
    with svc.db.write() as session:
        # One UPDATE adds one, so two processes counting at once both count.
        session.execute(update(Agent).where(Agent.id == agent_id).values(failed_sign_ins=Agent.failed_sign_ins + 1))
        agent = session.get(Agent, agent_id)
        if agent is None or agent.failed_sign_ins < policy.lockout_attempts:
            return
        agent.failed_sign_ins = 0
        agent.locked_until = now + timedelta(minutes=policy.lockout_minutes)
        events.record(
            svc,
            session,
            "agent.locked",
            {"agent_id": agent_id, "failed_sign_ins": policy.lockout_attempts, "minutes": policy.lockout_minutes},
            actor="console",
        )


def person(svc: Service, token: str | None) -> Person | None:
    """The person behind a session cookie, or None when it is missing, unknown or expired."""
    if not token:
        return None
    with svc.db.read() as session:
        row = session.get(ConsoleSession, _digest(token))
        if row is None or row.expires_at <= svc.clock():
            return None
        agent = session.get(Agent, row.agent_id)
        if agent is None or not agent.active or agent.password_hash is None:
            return None
        return Person(
            agent_id=agent.id,
            name=agent.name,
            email=agent.email or "",
            role=agent.role,
            languages=tuple(agent.languages),
            csrf_token=row.csrf_token,
        )


def sign_out(svc: Service, token: str | None) -> None:
    if not token:
        return
    with svc.db.write() as session:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))


def csrf_ok(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Demo sign-ins for `serve --demo` only (production mode refuses demo mode): well known on purpose.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("agt_demo_anna", "anna@demo.humantouch.test", "demo-anna-password", "agent"),
    ("agt_demo_bram", "bram@demo.humantouch.test", "demo-bram-password", "supervisor"),
)


def seed_demo(svc: Service, actor: Actor) -> list[tuple[str, str, str]]:
    """Give the demo agents their sign-ins, once; returns (e-mail, password, role) to print."""
    out = []
    for agent_id, email, password, role in DEMO_ACCOUNTS:
        with svc.db.read() as session:
            agent = session.get(Agent, agent_id)
            if agent is None:
                continue
            fresh = agent.password_hash is None
        if fresh:
            set_password(svc, actor, agent_id, password, email=email, role=role)
        out.append((email, password, role))
    return out
