"""Privacy endpoints: originals, the audit log, erasure and the access export (humantouch.privacy)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from humantouch.api.auth import ErasesCustomers, ExportsCustomers, ReadsAudit, ReadsOriginals, ServiceDep
from humantouch.privacy import access, audit, erasure
from humantouch.privacy import messages as privacy_messages

router = APIRouter(tags=["privacy"])


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


@router.get("/messages/{message_id}/original")
def get_original(
    message_id: Annotated[int, Path(ge=1, le=MAX_ID)], actor: ReadsOriginals, svc: ServiceDep
) -> dict[str, Any]:
    """The unmasked text of a message, while it is kept; every read is audited."""
    return privacy_messages.read_original(svc, actor, message_id)


@router.get("/audit")
def get_audit(
    actor: ReadsAudit,
    svc: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Annotated[str | None, Query(max_length=48)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    verify: Annotated[bool, Query(description="also check the whole hash chain")] = False,
) -> dict[str, Any]:
    """The audit log, newest first (admins only)."""
    with svc.db.read() as session:
        items = audit.entries(session, limit=limit, before_id=before_id, action=action, target_id=target_id)
        out: dict[str, Any] = {"items": items, "count": len(items)}
        if verify:
            out["verification"] = audit.verify(session).to_dict()
    return out


@router.delete("/customers/{customer_id}")
def delete_customer(customer_id: str, actor: ErasesCustomers, svc: ServiceDep) -> dict[str, Any]:
    """Erase the customer everywhere (right to erasure); only anonymous counts remain."""
    return erasure.erase(svc.db, actor, customer_id, svc.clock())


@router.get("/customers/{customer_id}/export")
def get_export(customer_id: str, actor: ExportsCustomers, svc: ServiceDep) -> dict[str, Any]:
    """Everything held about the customer as JSON (right of access); audited."""
    return access.export(svc.db, svc.data_keys, actor, customer_id, svc.clock())
