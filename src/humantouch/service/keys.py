"""API keys: shown once at creation, stored only as a SHA-256 hash, each with one role.

A key looks like `ht_<prefix>_<secret>`; the prefix finds the row, the hash of the whole key
proves it. The secret has 192 random bits, so a plain SHA-256 (no slow KDF) is enough: there
is nothing to guess that a dictionary would help with.

An API process may remember a checked key for a few seconds (`KeyCache`, setting
`api_key_cache_seconds`): the busiest endpoint then answers without a database read and a thread
hop for the key. A key revoked in the same process is forgotten at once; one revoked elsewhere (the
`humantouch keys revoke` command, another API process) works in a process that remembered it until its
entry expires. Only keys that passed are remembered: an unknown or revoked key is read every time.

A key of a deactivated agent is refused like a revoked one (401 HT-AUTH-INACTIVE) on every endpoint,
and works again once the agent is reactivated. The agent's `active` flag is read in the key's own
query (a join), so checking it costs no database round trip; deactivating an agent forgets their keys
in this process's caches at once (`forget_agent`), another process's remember them until they expire.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from humantouch.errors import AuthError, ConflictError, ForbiddenError, InputError, NotFoundError
from humantouch.service.context import Actor
from humantouch.storage import Database
from humantouch.storage import repository as repo
from humantouch.storage.tables import Agent, ApiKey, new_id, utcnow

ROLES = ("integration", "agent", "supervisor", "admin")

_AGENT = frozenset(
    {"conversations:read", "conversations:act", "conversations:override", "customers:read", "agents:read"}
)
PERMISSIONS: dict[str, frozenset[str]] = {
    "integration": frozenset({"messages:write", "conversations:read", "customers:read", "customers:write"}),
    "agent": _AGENT,
    "supervisor": _AGENT | {"customers:write", "customers:merge", "agents:write", "messages:write", "originals:read"},
    "admin": _AGENT
    | {"customers:write", "customers:merge", "agents:write", "messages:write", "keys:write"}
    | {"originals:read", "audit:read", "customers:export", "customers:erase"},
}
# Feedback (issue 5): people act on follow-ups and give their pulse; leads read the scorecard.
_FEEDBACK: dict[str, frozenset[str]] = {
    "agent": frozenset({"followups:act", "pulse:write"}),
    "supervisor": frozenset({"followups:act", "pulse:write", "feedback:read"}),
    "admin": frozenset({"followups:act", "pulse:write", "feedback:read"}),
}
PERMISSIONS = {role: perms | _FEEDBACK.get(role, frozenset()) for role, perms in PERMISSIONS.items()}

# Only ever created by the demo seeding, which production mode refuses.
DEMO_ADMIN_KEY = "ht_demo0000000_demo-admin-key-do-not-use-in-production"


@dataclass(frozen=True, slots=True)
class NewKey:
    id: str
    role: str
    name: str
    agent_id: str | None
    plaintext: str


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create(db: Database, role: str, name: str, *, agent_id: str | None = None, plaintext: str | None = None) -> NewKey:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", hint=f"use one of {', '.join(ROLES)}", code="HT-IN-ROLE")
    if role == "agent" and agent_id is None:
        raise InputError("an agent key needs the agent it belongs to", hint="pass --agent AGENT_ID", code="HT-IN-ROLE")
    key = plaintext or f"ht_{secrets.token_hex(6)}_{secrets.token_urlsafe(24)}"
    prefix = _prefix(key)
    if prefix is None:
        raise InputError("malformed key", code="HT-IN-KEY")
    with db.write() as session:
        agent = session.get(Agent, agent_id) if agent_id is not None else None
        if agent_id is not None and agent is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        if agent is not None and not agent.active:
            # Every use of it would answer 401 HT-AUTH-INACTIVE (authenticate): say so now, not at first use.
            raise ConflictError(
                f"agent {agent_id} is deactivated: a key of theirs would be refused on every endpoint",
                hint="reactivate them first (PATCH /v1/agents/{id} with active: true, or humantouch agents update)",
                code="HT-CONFLICT-INACTIVE",
            )
        row = ApiKey(
            id=new_id("key"),
            prefix=prefix,
            key_hash=hash_key(key),
            role=role,
            name=name,
            agent_id=agent_id,
            created_at=utcnow(),
        )
        session.add(row)
    return NewKey(id=row.id, role=role, name=name, agent_id=agent_id, plaintext=key)


def revoke(db: Database, key_id: str) -> None:
    with db.write() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFoundError(f"no key {key_id}", code="HT-NOTFOUND-KEY")
        row.revoked_at = utcnow()
    _forget_in_caches(db, key_id=key_id)


class KeyCache:
    """Keys of one database that passed `authenticate`, by their hash, for `seconds` (0: none).

    Bounded: when `max_keys` are remembered the oldest half is dropped."""

    def __init__(
        self, db: Database, seconds: float, *, max_keys: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.seconds = seconds
        self.max_keys = max_keys
        self._clock = clock
        self._actors: dict[str, tuple[Actor, float]] = {}
        _CACHES.setdefault(db, weakref.WeakSet()).add(self)

    def lookup(self, presented: str | None) -> Actor | None:
        """The remembered actor of this key, or None: then call `authenticate`."""
        if not presented or self.seconds <= 0:
            return None
        digest = hash_key(presented)
        found = self._actors.get(digest)
        if found is None:
            return None
        actor, until = found
        if self._clock() >= until:
            self._actors.pop(digest, None)
            return None
        return actor

    def authenticate(self, presented: str | None) -> Actor:
        actor = authenticate(self.db, presented)
        if self.seconds > 0 and presented:
            if len(self._actors) >= self.max_keys:
                for digest in list(self._actors)[: self.max_keys // 2]:
                    self._actors.pop(digest, None)
            self._actors[hash_key(presented)] = (actor, self._clock() + self.seconds)
        return actor

    def forget(self, key_id: str | None = None, *, agent_id: str | None = None) -> None:
        """Drop the entry of one key, or those of every key of one agent."""
        for digest, (actor, _) in list(self._actors.items()):
            if (key_id is not None and actor.key_id == key_id) or (agent_id is not None and actor.agent_id == agent_id):
                self._actors.pop(digest, None)


def forget_agent(db: Database, agent_id: str) -> None:
    """The agent was deactivated: every KeyCache of this process reads their keys again (and refuses them)."""
    _forget_in_caches(db, agent_id=agent_id)


def _forget_in_caches(db: Database, *, key_id: str | None = None, agent_id: str | None = None) -> None:
    for cache in list(_CACHES.get(db, ())):
        cache.forget(key_id, agent_id=agent_id)


# Every KeyCache of a database, so `revoke` and `forget_agent` reach those of its process.
_CACHES: weakref.WeakKeyDictionary[Database, weakref.WeakSet[KeyCache]] = weakref.WeakKeyDictionary()


def authenticate(db: Database, presented: str | None) -> Actor:
    if not presented:
        raise AuthError("no API key given", hint="send 'Authorization: Bearer <key>'", code="HT-AUTH-MISSING")
    prefix = _prefix(presented)
    if prefix is None:
        raise AuthError("the API key is malformed", hint="keys look like ht_<prefix>_<secret>", code="HT-AUTH-INVALID")
    with db.read() as session:
        found = repo.api_key_by_prefix(session, prefix)
    if found is None or not hmac.compare_digest(found[0].key_hash, hash_key(presented)):
        raise AuthError("unknown API key", hint="create one with `humantouch keys create`", code="HT-AUTH-INVALID")
    row, agent_active = found
    if row.revoked_at is not None:
        raise AuthError("the API key was revoked", code="HT-AUTH-REVOKED")
    if agent_active is False:
        raise AuthError(
            f"the API key belongs to agent {row.agent_id}, who is deactivated",
            hint="a supervisor or admin can reactivate them (PATCH /v1/agents/{id} with active: true)",
            code="HT-AUTH-INACTIVE",
        )
    return Actor(key_id=row.id, role=row.role, agent_id=row.agent_id)


def require(actor: Actor, permission: str) -> None:
    if permission not in PERMISSIONS.get(actor.role, frozenset()):
        raise ForbiddenError(
            f"role {actor.role!r} may not {permission}",
            hint="use a key with a role that may",
            code="HT-FORBIDDEN-ROLE",
        )


def _prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "ht" or not parts[1] or not parts[2] or len(parts[1]) > 16:
        return None
    return parts[1]
