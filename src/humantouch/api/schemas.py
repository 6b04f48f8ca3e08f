"""Request bodies. Unknown fields are refused, so a typo is a 422 rather than silently ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IdentityKind = Literal["email", "phone", "whatsapp", "sms", "social", "customer_number"]
RouteName = Literal["automate", "assist", "human"]
FormOfAddress = Literal["formal", "informal", "unknown"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sender(Strict):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)
    name: str | None = Field(default=None, max_length=200)


class MessageIn(Strict):
    channel: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,31}$", examples=["whatsapp"])
    sender: Sender
    text: str = Field(min_length=1, max_length=20_000)
    conversation_id: str | None = Field(default=None, max_length=32)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)


class IdentityIn(Strict):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


class CustomerFields(Strict):
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    form_of_address: FormOfAddress | None = None
    annual_value_eur: float | None = Field(default=None, ge=0)
    tenure_years: float | None = Field(default=None, ge=0)
    segment: str | None = Field(default=None, max_length=64)
    consents: dict[str, bool] | None = None


class CustomerIn(CustomerFields):
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class CustomerPatch(CustomerFields):
    add_identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class MergeIn(Strict):
    from_customer_id: str = Field(min_length=1, max_length=32)


class AgentRef(Strict):
    agent_id: str | None = Field(default=None, max_length=32)


class ReplyIn(AgentRef):
    text: str = Field(min_length=1, max_length=20_000)


class OverrideIn(Strict):
    route: RouteName
    reason: str = Field(min_length=1, max_length=2000)


class ResolveIn(Strict):
    resolution_code: str = Field(min_length=1, max_length=64)


class AgentIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    languages: list[str] = Field(default_factory=list)
    intents: list[str] = Field(default_factory=list)
    capacity: int = Field(default=3, ge=1, le=100)
    id: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_-]{1,32}$")


class AgentPatch(Strict):
    """Only the fields sent change; none of them may be null."""

    name: str = Field(default="", min_length=1, max_length=200)
    languages: list[str] = Field(default_factory=list)
    intents: list[str] = Field(default_factory=list)
    capacity: int = Field(default=3, ge=1, le=100)
    active: bool = True


def set_fields(model: BaseModel, exclude: set[str]) -> dict[str, Any]:
    """Only the fields the client sent, so PATCH leaves the others alone."""
    return {k: v for k, v in model.model_dump(exclude_unset=True).items() if k not in exclude}
