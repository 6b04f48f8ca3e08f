"""Checking HMAC-SHA256 signatures on what channels send us: `sha256=<hex>` over `<timestamp>.<body>`.

humantouch's own webhooks (webhooks.sign) and Chatwoot's signed webhooks use the same scheme, each
with its own header names; a stale timestamp is refused so a captured request cannot be replayed.
"""

from __future__ import annotations

from collections.abc import Mapping

from humantouch.errors import AuthError
from humantouch.webhooks import MAX_SKEW_SECONDS, verify


def check(secret: str, body: bytes, meta: Mapping[str, str], *, signature: str, timestamp: str, source: str) -> None:
    sig, ts = meta.get(signature.lower()), meta.get(timestamp.lower())
    if not sig or not ts:
        raise AuthError(
            f"the {source} request is not signed: {signature} and {timestamp} are required",
            hint=f"send {signature}: sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'> with the shared secret",
            code="HT-AUTH-SIGNATURE",
        )
    if not verify(secret, ts, body, sig):
        raise AuthError(
            f"the {source} signature does not match, or its timestamp is more than {MAX_SKEW_SECONDS} s off",
            hint="sign the exact body bytes with the configured secret and a current Unix timestamp",
            code="HT-AUTH-SIGNATURE",
        )
