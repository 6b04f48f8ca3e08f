"""Signed, expiring survey links without a library: `<payload>.<signature>`, both base64url.

The payload is `<survey id>:<expiry as Unix seconds>`; the signature is HMAC-SHA256 over the
payload with the survey secret. A token proves which survey it opens and until when, so the
link needs no login, and a changed id or date breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Opened:
    survey_id: str
    expires_at: datetime
    expired: bool


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()


def sign(secret: str, survey_id: str, expires_at: datetime) -> str:
    payload = f"{survey_id}:{int(expires_at.timestamp())}".encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def open_token(secret: str, token: str, now: datetime) -> Opened | None:
    """The survey a token opens, or None when it is malformed or its signature is wrong."""
    parts = token.split(".")
    if len(parts) != 2:
        return None
    try:
        payload, signature = _unb64(parts[0]), _unb64(parts[1])
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _mac(secret, payload)):
        return None
    survey_id, _, seconds = payload.decode("ascii", "replace").rpartition(":")
    if not survey_id or not seconds.isdigit():
        return None
    expires_at = datetime.fromtimestamp(int(seconds), UTC)
    return Opened(survey_id, expires_at, now >= expires_at)
