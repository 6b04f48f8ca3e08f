from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from humantouch.api.auth import ServiceDep
from humantouch.api.ratelimit import PublicRateLimit

router = APIRouter(tags=["health"])


@router.get("/health")
def health(svc: ServiceDep, _: PublicRateLimit) -> dict[str, Any]:
    """Unauthenticated, for load balancers: 200 when the database answers, 503 when it does not."""
    with svc.db.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "playbook": svc.engine.playbook.name}
