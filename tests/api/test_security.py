"""Security: every route checks its permission, headers on every answer, the public rate limit,
and statement parameters (message texts) never reach error messages or logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from humantouch import logredact
from humantouch.api import create_app
from humantouch.api.ratelimit import Limit, RateLimiter
from humantouch.service import keys
from humantouch.storage import Database
from humantouch.storage.tables import Identity
from humantouch.webhooks import _redact
from tests.support.fixtures import Api
from tests.support.logscan import canaries

# FastAPI's own pages; every other route without a permission must carry the public rate limiter.
FRAMEWORK = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def walk(routes: list[Any], prefix: str = "", deps: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    """(full path, route, router-level dependencies) for every route, through included routers."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps included routers as nodes
            ctx = route.include_context
            yield from walk(route.original_router.routes, prefix + ctx.prefix, deps + tuple(ctx.dependencies))
        else:
            yield prefix + getattr(route, "path", ""), route, deps


def dependency_calls(route: APIRoute, router_deps: tuple[Any, ...]) -> list[Any]:
    stack: list[Any] = list(route.dependant.dependencies)
    calls = [getattr(d, "dependency", None) for d in router_deps]
    while stack:
        dep = stack.pop()
        calls.append(dep.call)
        stack.extend(dep.dependencies)
    return calls


def permissions_of(route: APIRoute, router_deps: tuple[Any, ...]) -> set[str]:
    return {p for call in dependency_calls(route, router_deps) if (p := getattr(call, "permission", None))}


def is_public(route: APIRoute, router_deps: tuple[Any, ...]) -> bool:
    return any(getattr(call, "public", False) for call in dependency_calls(route, router_deps))


def _concrete(path: str) -> str:
    return re.sub(r"{[^}]+}", "1", path)


def test_every_route_rejects_keys_without_its_permission(api: Api) -> None:
    checked = 0
    seen = set()
    public: set[str] = set()
    for path, route, router_deps in walk(api.app.routes):
        if not isinstance(route, APIRoute):
            assert path in FRAMEWORK or path.startswith("/static"), f"{path}: not an API route and not public"
            continue
        if path.startswith("/console"):
            continue  # people sign in with a session there: tests/console walks those routes
        if route.include_in_schema:
            seen.add(path)
        needed = permissions_of(route, router_deps)
        if not needed:
            public.add(path)
            assert is_public(route, router_deps), f"{path}: no permission check and not rate-limited as public"
            continue
        for method in route.methods:
            url = _concrete(path)
            r = api.client.request(method, url, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            for role in keys.ROLES:
                allowed = needed <= keys.PERMISSIONS[role]
                r = api.client.request(method, url, json={}, headers=api.headers(role))
                if allowed:
                    # The role passes; a rule about the resource itself (an agent's own pulse only)
                    # may still refuse, with its own code, never the role's.
                    assert r.status_code != 401, (method, path, role, r.text)
                    if r.status_code == 403:
                        assert r.json()["error"]["code"] != "HT-FORBIDDEN-ROLE", (method, path, role, r.text)
                else:
                    assert r.status_code == 403, (method, path, role, r.status_code)
                    assert r.json()["error"]["code"] == "HT-FORBIDDEN-ROLE"
                checked += 1
    assert seen == set(api.app.openapi()["paths"])  # the walk saw every documented route
    assert checked > 60
    assert "/v1/health" in public  # other streams add their public pages (web chat, surveys)


def test_privacy_permissions_belong_to_the_right_roles() -> None:
    assert {r for r in keys.ROLES if "customers:erase" in keys.PERMISSIONS[r]} == {"admin"}
    assert {r for r in keys.ROLES if "audit:read" in keys.PERMISSIONS[r]} == {"admin"}
    assert {r for r in keys.ROLES if "customers:export" in keys.PERMISSIONS[r]} == {"admin"}
    assert {r for r in keys.ROLES if "originals:read" in keys.PERMISSIONS[r]} == {"supervisor", "admin"}


@pytest.mark.parametrize("path", ["/v1/health", "/v1/queue", "/v1/nothing-here"])
def test_security_headers_on_every_answer(api: Api, path: str) -> None:
    r = api.client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert "strict-transport-security" not in r.headers  # plain http


def test_hsts_over_https_and_a_looser_policy_only_for_the_docs(api: Api) -> None:
    with TestClient(api.app, base_url="https://testserver") as client:
        assert client.get("/v1/health").headers["strict-transport-security"].startswith("max-age=")
    docs = api.client.get("/docs").headers["content-security-policy"]
    assert "cdn.jsdelivr.net" in docs
    assert "cdn.jsdelivr.net" not in api.client.get("/v1/health").headers["content-security-policy"]


def test_public_endpoints_are_rate_limited(api: Api) -> None:
    app = create_app(api.svc, rate_limit=Limit(per_minute=6, burst=2))
    with TestClient(app) as client:
        assert [client.get("/v1/health").status_code for _ in range(3)] == [200, 200, 429]
        r = client.get("/v1/health")
        assert r.json()["error"]["code"] == "HT-RATE-LIMITED"
        assert int(r.headers["retry-after"]) >= 1


def test_token_bucket_refills_with_time_and_keeps_clients_apart() -> None:
    now = [0.0]
    limiter = RateLimiter(Limit(per_minute=60, burst=2), clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.check("a") == pytest.approx(1.0)
    assert limiter.check("b") == 0.0
    now[0] += 1.0
    assert limiter.check("a") == 0.0
    assert limiter.check("a") > 0


def test_statement_parameters_and_driver_details_stay_out_of_logs(db: Database) -> None:
    (secret,) = canaries.add("geheim.adres@canary-params.example")
    with db.write() as s:
        from humantouch.storage import repository as repo

        customer, _ = repo.customer_for_identity(s, "email", secret)
        cid = customer.id
    error: Any = None
    try:
        with db.write() as s:
            s.add(Identity(customer_id=cid, kind="email", value=secret))
    except IntegrityError as exc:
        error = exc
    assert error is not None
    assert "[parameters:" not in str(error) and db.engine.hide_parameters
    # PostgreSQL still names the value in its DETAIL line; the log filter keeps messages out.
    record = logging.LogRecord(
        "humantouch.api", logging.ERROR, __file__, 1, "failed", (), (IntegrityError, error, None)
    )
    logredact.WithholdExceptionMessages().filter(record)
    text = logging.Formatter().format(record)
    assert secret not in text and "IntegrityError" in text and logredact.WITHHELD in text


def test_webhook_targets_are_logged_without_tokens() -> None:
    assert _redact("https://user:pw@crm.example/hook?token=abc") == "https://crm.example/hook"
