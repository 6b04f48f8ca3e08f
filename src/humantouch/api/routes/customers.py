from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from humantouch.api.auth import MergesCustomers, ReadsCustomers, ServiceDep, WritesCustomers
from humantouch.api.schemas import CustomerIn, CustomerPatch, MergeIn, set_fields
from humantouch.service import customers

router = APIRouter(tags=["customers"])


@router.post("/customers", status_code=201)
def post_customer(body: CustomerIn, actor: WritesCustomers, svc: ServiceDep) -> dict[str, Any]:
    return customers.create(svc, actor, set_fields(body, {"identities"}), [(i.kind, i.value) for i in body.identities])


@router.get("/customers/{customer_id}")
def get_customer(customer_id: str, actor: ReadsCustomers, svc: ServiceDep) -> dict[str, Any]:
    return customers.get(svc, customer_id, actor)


@router.patch("/customers/{customer_id}")
def patch_customer(
    customer_id: str,
    body: CustomerPatch,
    actor: WritesCustomers,
    svc: ServiceDep,
) -> dict[str, Any]:
    return customers.update_profile(
        svc,
        actor,
        customer_id,
        set_fields(body, {"add_identities"}),
        [(i.kind, i.value) for i in body.add_identities],
    )


@router.post("/customers/{customer_id}/merge")
def post_merge(
    customer_id: str,
    body: MergeIn,
    actor: MergesCustomers,
    svc: ServiceDep,
) -> dict[str, Any]:
    """Fold `from_customer_id` into this customer: identities, conversations and messages move here."""
    return customers.merge(svc, actor, customer_id, body.from_customer_id)


@router.get("/customers/{customer_id}/contacts")
def get_contacts(customer_id: str, actor: ReadsCustomers, svc: ServiceDep) -> dict[str, Any]:
    items = customers.contacts(svc, customer_id, actor)
    return {"items": items, "count": len(items)}
