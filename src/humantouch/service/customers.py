"""Customers: create, read, update, merge two that turn out to be one, and list their contacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from humantouch.errors import ConflictError, InputError, NotFoundError
from humantouch.privacy import audit
from humantouch.service import events, views
from humantouch.service.context import Actor, Service
from humantouch.service.identities import normalize
from humantouch.storage import repository as repo
from humantouch.storage.tables import (
    ChannelDelivery,
    ChannelThread,
    Conversation,
    Customer,
    Identity,
    Message,
    new_id,
)

PROFILE_FIELDS = (
    "name",
    "language",
    "form_of_address",
    "annual_value_eur",
    "tenure_years",
    "segment",
    "consents",
)
FORMS_OF_ADDRESS = ("formal", "informal", "unknown")


def create(svc: Service, actor: Actor, fields: dict[str, Any], identities: list[tuple[str, str]]) -> dict[str, Any]:
    _check(fields)
    normalized = [normalize(k, v) for k, v in identities]
    with svc.db.write() as session:
        for kind, value in normalized:
            taken = repo.find_identity(session, kind, value)
            if taken is not None:
                raise ConflictError(
                    f"identity {kind}:{value} already belongs to customer {taken.customer_id}",
                    hint="merge the customers or update that one",
                    code="HT-CONFLICT-IDENTITY",
                )
        now = svc.clock()
        customer = Customer(id=new_id("cus"), created_at=now, updated_at=now, consents={}, form_of_address="unknown")
        _apply(customer, fields)
        session.add(customer)
        session.flush()
        for kind, value in dict.fromkeys(normalized):
            repo.add_identity(session, customer.id, kind, value)
        events.record(
            svc,
            session,
            "customer.created",
            {"fields": sorted(fields)},
            customer_id=customer.id,
            actor=actor.label,
        )
        created = {"fields": sorted(fields)}
        audit.record(session, actor.label, "customer.create", "customer", customer.id, created, now=now)
        return views.customer(customer, list(repo.identities_of(session, customer.id)))


def get(svc: Service, customer_id: str, actor: Actor | None = None) -> dict[str, Any]:
    with svc.db.read() as session:
        customer = _customer(session, customer_id)
        view = views.customer(customer, list(repo.identities_of(session, customer.id)))
    audit.viewed(svc, actor, "customer.view", "customer", customer_id)
    return view


def update_profile(
    svc: Service,
    actor: Actor,
    customer_id: str,
    fields: dict[str, Any],
    add_identities: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    _check(fields)
    normalized = [normalize(k, v) for k, v in add_identities]
    with svc.db.write() as session:
        customer = repo.lock_customer(session, _customer(session, customer_id).id)
        if customer.merged_into:
            raise ConflictError(
                f"customer {customer_id} was merged into {customer.merged_into}",
                code="HT-CONFLICT-MERGED",
                hint="update the customer it was merged into",
            )
        _apply(customer, fields)
        for kind, value in normalized:
            taken = repo.find_identity(session, kind, value)
            if taken is None:
                repo.add_identity(session, customer.id, kind, value)
            elif taken.customer_id != customer.id:
                raise ConflictError(
                    f"identity {kind}:{value} belongs to customer {taken.customer_id}",
                    hint="merge the two customers",
                    code="HT-CONFLICT-IDENTITY",
                )
        customer.updated_at = svc.clock()
        events.record(
            svc,
            session,
            "customer.updated",
            {"fields": sorted(fields)},
            customer_id=customer.id,
            actor=actor.label,
        )
        changed = {"fields": sorted(fields), "identities_added": len(normalized)}
        audit.record(session, actor.label, "customer.update", "customer", customer.id, changed, now=svc.clock())
        return views.customer(customer, list(repo.identities_of(session, customer.id)))


def merge(svc: Service, actor: Actor, into_id: str, from_id: str) -> dict[str, Any]:
    """Fold customer `from_id` into `into_id`: identities, conversations and messages move over,
    empty profile fields are filled from the other, and the old id keeps pointing at the new one."""
    if into_id == from_id:
        raise InputError("a customer cannot be merged into itself", code="HT-IN-MERGE")
    with svc.db.write() as session:
        first, second = sorted((into_id, from_id))  # lock in one order: two crossing merges cannot deadlock
        for cid in (first, second):
            _customer(session, cid)
            repo.lock_customer(session, cid)
        target, source = _customer(session, into_id), _customer(session, from_id)
        for row in (target, source):
            if row.merged_into:
                raise ConflictError(
                    f"customer {row.id} was already merged into {row.merged_into}", code="HT-CONFLICT-MERGED"
                )
        for name in PROFILE_FIELDS:
            if name == "consents":
                target.consents = {**(source.consents or {}), **(target.consents or {})}
            elif getattr(target, name) in (None, "unknown"):
                setattr(target, name, getattr(source, name))
        session.execute(update(Identity).where(Identity.customer_id == source.id).values(customer_id=target.id))
        session.execute(update(Conversation).where(Conversation.customer_id == source.id).values(customer_id=target.id))
        session.execute(update(Message).where(Message.customer_id == source.id).values(customer_id=target.id))
        for table in (ChannelThread, ChannelDelivery):  # channels: keep erasure by customer_id complete
            session.execute(update(table).where(table.customer_id == source.id).values(customer_id=target.id))
        now = svc.clock()
        source.merged_into = target.id
        source.updated_at = now
        target.updated_at = now
        events.record(
            svc,
            session,
            "customer.merged",
            {"from": source.id, "into": target.id},
            customer_id=target.id,
            actor=actor.label,
        )
        audit.record(session, actor.label, "customer.merge", "customer", target.id, {"from": source.id}, now=now)
        session.flush()
        session.expire_all()
        target = _customer(session, into_id)
        return views.customer(target, list(repo.identities_of(session, target.id)))


def contacts(svc: Service, customer_id: str, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Every conversation of the customer on any channel, oldest first."""
    with svc.db.read() as session:
        customer = repo.live_customer(session, _customer(session, customer_id).id)
        items = [views.conversation(c) for c in repo.conversations_of(session, customer.id)]
    audit.viewed(svc, actor, "customer.contacts", "customer", customer_id)
    return items


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"no customer {customer_id}", code="HT-NOTFOUND-CUSTOMER")
    return customer


def _check(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise InputError(f"unknown customer fields: {', '.join(sorted(unknown))}", code="HT-IN-FIELD")
    if "form_of_address" in fields and fields["form_of_address"] not in FORMS_OF_ADDRESS:
        raise InputError("form_of_address must be formal, informal or unknown", code="HT-IN-FIELD")


def _apply(customer: Customer, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "form_of_address" and value is None:
            value = "unknown"
        if name == "consents":
            value = dict(value or {})
        setattr(customer, name, value)
