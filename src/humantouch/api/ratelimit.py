"""A small in-process rate limiter for public endpoints: one token bucket per client address.

Use it as a dependency on every route that needs no key (health, the web chat, the survey page,
signed inbound webhooks); the route-walking security test refuses a route that has neither a
permission nor this limiter:

    from humantouch.api.ratelimit import PublicRateLimit

    @router.post("/webchat/messages")
    def post(..., _: PublicRateLimit) -> ...

or `Depends(rate_limited("survey", per_minute=10, burst=5))` for a bucket with its own limits.
Limits come from the settings (`rate_limit_per_minute`, `rate_limit_burst`) via create_app.
Over the limit the answer is 429 `HT-RATE-LIMITED` with `Retry-After`.

In-process means per API process: with N processes a client gets up to N times the rate. That
is the point of a small limiter (it stops a single noisy client, a script, a loop); put a limit
in the load balancer for anything stronger. Buckets of idle clients are dropped so memory stays
bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from humantouch.errors import RateLimitError

MAX_CLIENTS = 10_000


class RateLimitedError(RateLimitError):
    """Too many requests from one client address (a RateLimitError: 429 with Retry-After)."""

    code = "HT-RATE-LIMITED"

    def __init__(self, retry_after: float) -> None:
        wait = max(1, math.ceil(retry_after))
        super().__init__(
            "too many requests from this address", retry_after=wait, hint=f"wait {wait} s and try again"
        )


@dataclass(frozen=True, slots=True)
class Limit:
    per_minute: float
    burst: int


DEFAULT_LIMIT = Limit(per_minute=60.0, burst=20)


class RateLimiter:
    """Token buckets by key; `check` takes one token or says how long until one is there."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0.0 when allowed, else the seconds to wait."""
        rate = self.limit.per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.limit.burst), now))
            tokens = min(float(self.limit.burst), tokens + (now - at) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / rate
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)  # least recently seen
            return wait


def client_key(request: Request) -> str:
    # The peer address as the server saw it; behind a proxy set forwarded_allow_ips (serve passes it
    # to uvicorn with proxy_headers) so this is the client, not the proxy.
    return request.client.host if request.client else "unknown"


def limiter_for(request: Request, name: str, limit: Limit | None = None) -> RateLimiter:
    state = request.app.state
    registry: dict[str, RateLimiter] = getattr(state, "rate_limiters", None) or {}
    state.rate_limiters = registry
    if name not in registry:
        default: Limit = getattr(state, "rate_limit", DEFAULT_LIMIT)
        registry[name] = RateLimiter(limit or default)
    return registry[name]


def rate_limited(name: str, *, per_minute: float | None = None, burst: int | None = None) -> Callable[..., None]:
    """A dependency: one bucket per client address in the limiter called `name`."""

    def dependency(request: Request) -> None:
        own = None
        if per_minute is not None or burst is not None:
            default: Limit = getattr(request.app.state, "rate_limit", DEFAULT_LIMIT)
            own = Limit(per_minute or default.per_minute, burst or default.burst)
        wait = limiter_for(request, name, own).check(client_key(request))
        if wait > 0:
            raise RateLimitedError(wait)

    dependency.__name__ = f"rate_limited_{name}"
    # Marks the route as public on purpose: tests/api/test_security.py accepts a route without a
    # permission only when it carries this limiter.
    dependency.public = True  # type: ignore[attr-defined]
    return dependency


PublicRateLimit = Annotated[None, Depends(rate_limited("public"))]
