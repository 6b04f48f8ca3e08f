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
