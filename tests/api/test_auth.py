"""Every endpoint checks the API key and its role; 401 and 403 come back as JSON with a reason."""

from __future__ import annotations

import pytest

from humantouch.service import keys
from tests.support.fixtures import Api

# Channel endpoints without a key by design: Chatwoot signs its webhooks, web chat is public and
# rate-limited (docs/channels.md; tests/channels/ covers both).
OPEN = {"/v1/health", "/v1/channels/chatwoot/webhook", "/v1/webchat/{session}/messages"}


def test_every_v1_endpoint_needs_a_key(api: Api) -> None:
    paths = {p: ops for p, ops in api.app.openapi()["paths"].items() if p.startswith("/v1")}
    assert len(paths) > 10
    for path, operations in paths.items():
        if path in OPEN:
            continue
        concrete = path.replace("{", "").replace("}", "")
        for method in operations:
            r = api.client.request(method.upper(), concrete, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.json()["error"]["code"] == "HT-AUTH-MISSING"
            assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header", [{"Authorization": "Bearer ht_nope_nope"}, {"X-API-Key": "garbage"}, {"Authorization": "Bearer "}]
)
def test_unknown_or_malformed_keys_are_401(api: Api, header: dict[str, str]) -> None:
    r = api.client.get("/v1/queue", headers=header)
    assert r.status_code == 401
    assert r.json()["error"]["message"]


def test_roles_are_enforced_with_403(api: Api) -> None:
    message = {"channel": "chat", "sender": {"kind": "email", "value": "a@b.nl"}, "text": "hoi"}
    r = api.post("/v1/messages", message, role="agent")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "HT-FORBIDDEN-ROLE"
    assert "messages:write" in r.json()["error"]["message"]
    assert api.post("/v1/agents", {"name": "X"}, role="integration").status_code == 403
    assert api.post("/v1/customers/x/merge", {"from_customer_id": "y"}, role="agent").status_code == 403
    assert api.get("/v1/queue", role="agent").status_code == 200
    assert api.get("/v1/queue", role="integration").status_code == 200


def test_x_api_key_header_and_revocation(api: Api) -> None:
    new = keys.create(api.svc.db, "supervisor", "temp")
    assert api.client.get("/v1/queue", headers={"X-API-Key": new.plaintext}).status_code == 200
    keys.revoke(api.svc.db, new.id)
    r = api.client.get("/v1/queue", headers={"X-API-Key": new.plaintext})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "HT-AUTH-REVOKED"


def test_keys_are_stored_hashed(api: Api) -> None:
    from sqlalchemy import select

    from humantouch.storage.tables import ApiKey

    with api.svc.db.read() as s:
        stored = [(k.key_hash, k.prefix) for k in s.scalars(select(ApiKey))]
    for plaintext in api.keys.values():
        assert all(plaintext not in h for h, _ in stored)
        assert any(keys.hash_key(plaintext) == h for h, _ in stored)


def test_a_checked_key_is_remembered_for_a_while(api: Api) -> None:
    """A key that passed is answered from the process's KeyCache until its entry expires: revoked
    behind the process's back (as `humantouch keys revoke` does from another process), it works until then;
    revoked through this process, it fails at once (test_x_api_key_header_and_revocation)."""
    from sqlalchemy import update

    from humantouch.storage.tables import ApiKey, utcnow

    now = [0.0]
    cache = keys.KeyCache(api.svc.db, 10.0, clock=lambda: now[0])
    new = keys.create(api.svc.db, "supervisor", "elsewhere")
    assert cache.lookup(new.plaintext) is None
    assert cache.authenticate(new.plaintext).key_id == new.id
    with api.svc.db.write() as s:
        s.execute(update(ApiKey).where(ApiKey.id == new.id).values(revoked_at=utcnow()))
    now[0] = 9.9
    remembered = cache.lookup(new.plaintext)
    assert remembered is not None and remembered.key_id == new.id
    now[0] = 10.0
    assert cache.lookup(new.plaintext) is None
    with pytest.raises(keys.AuthError) as raised:
        cache.authenticate(new.plaintext)
    assert raised.value.code == "HT-AUTH-REVOKED"
    assert cache.lookup(new.plaintext) is None  # failures are never remembered


def test_revoking_a_key_forgets_it_in_every_cache_of_the_process(api: Api) -> None:
    new = keys.create(api.svc.db, "supervisor", "temp")
    first, second = keys.KeyCache(api.svc.db, 60.0), keys.KeyCache(api.svc.db, 60.0)
    for cache in (first, second):
        cache.authenticate(new.plaintext)
        assert cache.lookup(new.plaintext) is not None
    keys.revoke(api.svc.db, new.id)
    assert first.lookup(new.plaintext) is None and second.lookup(new.plaintext) is None


def test_unknown_keys_and_a_zero_lifetime_are_never_remembered(api: Api) -> None:
    cache = keys.KeyCache(api.svc.db, 60.0)
    with pytest.raises(keys.AuthError):
        cache.authenticate("ht_nope_nope")
    assert cache.lookup("ht_nope_nope") is None
    plaintext = api.keys["integration"]
    off = keys.KeyCache(api.svc.db, 0.0)
    off.authenticate(plaintext)
    assert off.lookup(plaintext) is None


def test_the_key_cache_stays_bounded(api: Api) -> None:
    cache = keys.KeyCache(api.svc.db, 60.0, max_keys=4)
    made = [keys.create(api.svc.db, "integration", f"k{i}").plaintext for i in range(6)]
    for plaintext in made:
        cache.authenticate(plaintext)
    assert len([p for p in made if cache.lookup(p) is not None]) <= 4
    assert cache.lookup(made[-1]) is not None


def test_a_deactivated_agents_key_is_refused_everywhere_until_reactivated(api: Api, agent_id: str) -> None:
    """Not only take-over and reply: every endpoint, the reads included, and at once in the process
    that deactivated them (its key cache forgets their keys as `revoke` does)."""
    conversation = api.post(
        "/v1/messages", {"channel": "chat", "sender": {"kind": "email", "value": "a@b.nl"}, "text": "hoi"}
    ).json()["conversation"]["id"]
    reads = ["/v1/queue", f"/v1/conversations/{conversation}", f"/v1/agents/{agent_id}", "/v1/agents"]
    assert all(api.get(path, role="agent").status_code == 200 for path in reads)

    assert api.patch(f"/v1/agents/{agent_id}", {"active": False}, role="supervisor").status_code == 200
    for path in reads:
        r = api.get(path, role="agent")
        assert r.status_code == 401, path
        assert r.json()["error"]["code"] == "HT-AUTH-INACTIVE"
        assert agent_id in r.json()["error"]["message"]
    r = api.post(f"/v1/conversations/{conversation}/take-over", {}, role="agent")
    assert r.status_code == 401 and r.json()["error"]["code"] == "HT-AUTH-INACTIVE"

    assert api.patch(f"/v1/agents/{agent_id}", {"active": True}, role="supervisor").status_code == 200
    assert all(api.get(path, role="agent").status_code == 200 for path in reads)


def test_a_key_of_an_agent_deactivated_elsewhere_fails_once_its_cache_entry_expires(api: Api, agent_id: str) -> None:
    """Deactivated by another process (`humantouch agents update --inactive`): like a revocation there,
    a remembered key works until its entry expires, then the agent row read with the key refuses it."""
    from sqlalchemy import update

    from humantouch.storage.tables import Agent

    now = [0.0]
    cache = keys.KeyCache(api.svc.db, 10.0, clock=lambda: now[0])
    plaintext = api.keys["agent"]
    assert cache.authenticate(plaintext).agent_id == agent_id
    with api.svc.db.write() as s:
        s.execute(update(Agent).where(Agent.id == agent_id).values(active=False))
    assert cache.lookup(plaintext) is not None
    now[0] = 10.0
    assert cache.lookup(plaintext) is None
    with pytest.raises(keys.AuthError) as raised:
        cache.authenticate(plaintext)
    assert raised.value.code == "HT-AUTH-INACTIVE"
    assert cache.lookup(plaintext) is None


def test_no_key_is_made_for_a_deactivated_agent(api: Api, agent_id: str) -> None:
    from humantouch.errors import ConflictError

    assert api.patch(f"/v1/agents/{agent_id}", {"active": False}, role="supervisor").status_code == 200
    with pytest.raises(ConflictError) as raised:
        keys.create(api.svc.db, "agent", "new laptop", agent_id=agent_id)
    assert raised.value.code == "HT-CONFLICT-INACTIVE" and agent_id in str(raised.value)
    assert api.patch(f"/v1/agents/{agent_id}", {"active": True}, role="supervisor").status_code == 200
    made = keys.create(api.svc.db, "agent", "new laptop", agent_id=agent_id)
    assert keys.authenticate(api.svc.db, made.plaintext).agent_id == agent_id
