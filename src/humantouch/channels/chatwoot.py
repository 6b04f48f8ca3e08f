"""humantouch as a Chatwoot Agent Bot: Chatwoot's webhook events in, answers through its REST API.

Set-up (docs/channels.md): create an Agent Bot in Chatwoot whose outgoing URL is
`https://<humantouch>/v1/channels/chatwoot/webhook`, connect it to an inbox, and give humantouch
the bot's access token. Chatwoot then sends `message_created` for every message in that inbox;
humantouch takes in the customer's (`message_type` incoming, not private) and ignores the rest,
its own answers included, so nothing loops. Conversations of a bot inbox stay `pending` in
Chatwoot while the bot answers; a handoff posts the note for the agent (`private: true`), opens
the conversation (`toggle_status`) and sets its priority (`toggle_priority`, P1..P4 ->
urgent/high/medium/low). A conversation resolved in Chatwoot is resolved in humantouch too.

Signature: where `chatwoot_webhook_secret` is set, `X-Chatwoot-Signature: sha256=<hex>` over
`<X-Chatwoot-Timestamp>.<body>` (HMAC-SHA256) is required.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from humantouch.channels import Delivered, Ignored, Inbound, Outbound, Thread, signatures
from humantouch.channels.threads import accept
from humantouch.errors import ConflictError, DeliveryError, InputError
from humantouch.service import conversations, outbound
from humantouch.service.context import Actor, Service
from humantouch.service.identities import normalize
from humantouch.service.inbound import InboundMessage
from humantouch.settings import Settings

log = logging.getLogger("humantouch.channels")

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
PRIORITY = {"P1": "urgent", "P2": "high", "P3": "medium", "P4": "low"}
HANDOFF_STEPS = ("note", "open", "priority")
CHATWOOT = Actor(key_id="chatwoot", role="admin")
RESOLUTION = "resolved_in_chatwoot"


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _id(doc: Any, *path: str, where: str) -> int:
    value = _get(doc, *path)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(
            f"Chatwoot {where}: field {'.'.join(path)} is missing or not a number (got {value!r})",
            hint="send Chatwoot's webhook payload unchanged",
            code="HT-IN-CHATWOOT",
        ) from None


def thread_key(account_id: int, conversation_id: int) -> str:
    return f"{account_id}:{conversation_id}"


@dataclass
class ChatwootChannel:
    base_url: str
    api_token: str
    webhook_secret: str | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=5.0))
    name: str = "chatwoot"

    # -- inbound -------------------------------------------------------------------------------------

    def event(self, body: bytes, meta: Mapping[str, str]) -> dict[str, Any]:
        if self.webhook_secret:
            signatures.check(
                self.webhook_secret,
                body,
                meta,
                signature=SIGNATURE_HEADER,
                timestamp=TIMESTAMP_HEADER,
                source="Chatwoot",
            )
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"the Chatwoot event is not JSON: {exc}", code="HT-IN-CHATWOOT") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("event"), str):
            raise InputError(
                "the Chatwoot event has no 'event' field",
                hint="point Chatwoot's Agent Bot (or webhook) at this URL; see docs/channels.md",
                code="HT-IN-CHATWOOT",
            )
        return doc

    def parse(self, body: bytes, meta: Mapping[str, str]) -> list[Inbound | Ignored]:
        return [self.message(self.event(body, meta))]

    def message(self, doc: dict[str, Any]) -> Inbound | Ignored:
        if doc["event"] != "message_created":
            return Ignored(f"{doc['event']}: not a new message")
        message_type = doc.get("message_type")
        if message_type not in ("incoming", 0):
            return Ignored(f"a {message_type} message: humantouch answers customers only, so it never loops")
        if doc.get("private"):
            return Ignored("a private note")
        sender_type = _get(doc, "sender", "type")
        if sender_type not in (None, "contact", "Contact"):
            return Ignored(f"a message from a {sender_type}, not from the contact")
        text = str(doc.get("content") or "").strip()
        if not text:
            return Ignored("a message without text (an attachment only?)")
        where = "message_created"
        account_id = _id(doc, "account", "id", where=where)
        conversation_id = _id(doc, "conversation", "id", where=where)
        message_id = _id(doc, "id", where=where)
        sender, meta_sender = doc.get("sender"), _get(doc, "conversation", "meta", "sender")
        contact: dict[str, Any] = sender if isinstance(sender, dict) else {}
        known: dict[str, Any] = meta_sender if isinstance(meta_sender, dict) else {}
        contact_id = contact.get("id") or known.get("id")
        email = contact.get("email") or known.get("email")
        phone = contact.get("phone_number") or known.get("phone_number")
        if email:
            kind, value = "email", str(email)
        elif phone:
            kind, value = "phone", str(phone)
        elif contact_id is not None:
            kind, value = "social", f"chatwoot:{account_id}-{contact_id}"
        else:
            raise InputError(
                "Chatwoot message_created: the sender has no id, e-mail or phone number",
                hint="send Chatwoot's webhook payload unchanged",
                code="HT-IN-CHATWOOT",
            )
        kind, value = normalize(kind, value)
        name = contact.get("name") or known.get("name")
        inbound = InboundMessage(
            channel="chatwoot",
            sender_kind=kind,
            sender_value=value,
            sender_name=str(name)[:200] if name else None,
            text=text[:20_000],
            idempotency_key=f"chatwoot:{account_id}:{message_id}",
            external_id=f"chatwoot:{message_id}",
        )
        key = thread_key(account_id, conversation_id)
        data = {
            "account_id": account_id,
            "conversation_id": conversation_id,
            "inbox_id": _get(doc, "inbox", "id") or _get(doc, "conversation", "inbox_id"),
            "contact_id": contact_id,
        }
        return Inbound(inbound, Thread(key, data), (key,))

    def handle(self, svc: Service, body: bytes, meta: Mapping[str, str]) -> dict[str, Any]:
        """One webhook event: a customer message is taken in; a resolve in Chatwoot resolves here."""
        doc = self.event(body, meta)
        if doc["event"] == "conversation_status_changed":
            return self._status_changed(svc, doc)
        if doc["event"] == "message_created" and _from_a_person(doc):
            return self._person_replied(svc, doc)
        item = self.message(doc)
        if isinstance(item, Ignored):
            return {"accepted": False, "event": doc["event"], "reason": item.reason}
        received = accept(svc, self.name, item)
        response = received.response
        return {
            "accepted": True,
            "event": doc["event"],
            "conversation_id": response["conversation"]["id"],
            "message_id": response["message"]["id"],
            "replayed": received.replayed,
        }

    def _known(self, svc: Service, account_id: int, conversation_id: int) -> str | None:
        """The humantouch conversation threaded to this Chatwoot conversation, if there is one."""
        with svc.db.read() as session:
            return outbound.find_conversation(session, self.name, [thread_key(account_id, conversation_id)])

    def _person_replied(self, svc: Service, doc: dict[str, Any]) -> dict[str, Any]:
        """A Chatwoot agent answered the customer: the humantouch bot steps back for good."""
        where = "message_created"
        found = self._known(svc, _id(doc, "account", "id", where=where), _id(doc, "conversation", "id", where=where))
        if found is None:
            reason = "a person's reply in a conversation humantouch does not know"
            return {"accepted": False, "event": doc["event"], "reason": reason}
        who = _get(doc, "sender", "name")
        state = conversations.taken_over_elsewhere(svc, CHATWOOT, found, str(who)[:100] if who else None)
        return {
            "accepted": False,
            "event": doc["event"],
            "reason": "a person answered in Chatwoot: the bot stays silent in this conversation",
            "conversation_id": found,
            "status": state["status"],
        }

    def _status_changed(self, svc: Service, doc: dict[str, Any]) -> dict[str, Any]:
        status = doc.get("status")
        if status != "resolved":
            return {"accepted": False, "event": doc["event"], "reason": f"status {status}: nothing to do"}
        where = "conversation_status_changed"
        account = _id(doc, "account", "id", where=where) if doc.get("account") else _account(doc)
        found = self._known(svc, account, _id(doc, "id", where=where))
        if found is None:
            return {"accepted": False, "event": doc["event"], "reason": "not a conversation humantouch knows"}
        try:
            conversations.resolve(svc, CHATWOOT, found, RESOLUTION)
        except ConflictError as exc:  # already resolved or closed here
            return {"accepted": False, "event": doc["event"], "reason": exc.message}
        return {"accepted": True, "event": doc["event"], "conversation_id": found, "status": "resolved"}

    # -- outbound ------------------------------------------------------------------------------------

    def deliver(self, item: Outbound) -> Delivered:
        account_id, conversation_id = item.thread.get("account_id"), item.thread.get("conversation_id")
        if account_id is None or conversation_id is None:
            raise DeliveryError(
                f"conversation {item.conversation['id']} has no Chatwoot conversation to answer in", permanent=True
            )
        base = f"{self.base_url.rstrip('/')}/api/v1/accounts/{account_id}/conversations/{conversation_id}"
        if item.kind == "message":
            assert item.message is not None
            sent = self._post(
                f"{base}/messages",
                {"content": item.message["text"], "message_type": "outgoing", "private": False, "content_type": "text"},
            )
            return Delivered(external_id=_message_id(sent))
        done = list(item.done)
        calls: dict[str, tuple[str, dict[str, Any]]] = {
            "note": (f"{base}/messages", {"content": item.note or "", "message_type": "outgoing", "private": True}),
            "open": (f"{base}/toggle_status", {"status": "open"}),
            "priority": (
                f"{base}/toggle_priority",
                {"priority": PRIORITY.get(item.conversation["priority"], "medium")},
            ),
        }
        note_id = None
        for step in HANDOFF_STEPS:
            if step in done:
                continue
            try:
                answer = self._post(*calls[step])
            except DeliveryError as exc:
                raise DeliveryError(exc.message, permanent=exc.permanent, done=tuple(done), hint=exc.hint) from exc
            if step == "note":
                note_id = _message_id(answer)
            done.append(step)
        return Delivered(external_id=note_id)

    def _post(self, url: str, payload: dict[str, Any]) -> httpx.Response:
        headers = {"api_access_token": self.api_token, "Content-Type": "application/json"}
        try:
            response = self.client.post(url, content=json.dumps(payload).encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Chatwoot unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (401, 403):
            raise DeliveryError(
                f"Chatwoot refused the access token (HTTP {response.status_code}) on {url}",
                permanent=True,
                hint="set chatwoot_api_token to the Agent Bot's access token and connect the bot to the inbox",
            )
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise DeliveryError(f"Chatwoot answered HTTP {response.status_code} on {url}", permanent=True)
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"Chatwoot answered HTTP {response.status_code} on {url}")
        return response


def _from_a_person(doc: dict[str, Any]) -> bool:
    """An answer to the customer by a Chatwoot user (a person), not by an agent bot and not a note."""
    return (
        doc.get("message_type") in ("outgoing", 1)
        and not doc.get("private")
        and str(_get(doc, "sender", "type") or "").lower() == "user"
    )


def _account(doc: dict[str, Any]) -> int:
    """Conversation events carry the account as messages[].account_id (no top-level account)."""
    messages = doc.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return _id(messages[0], "account_id", where="conversation_status_changed")
    raise InputError(
        "Chatwoot conversation_status_changed: no account id (account.id or messages[0].account_id)",
        code="HT-IN-CHATWOOT",
    )


def _message_id(response: httpx.Response) -> str | None:
    try:
        found = response.json().get("id")
    except (ValueError, AttributeError):
        return None
    return f"chatwoot:{found}" if found is not None else None


def from_settings(settings: Settings) -> ChatwootChannel | None:
    if not settings.chatwoot_url or not settings.chatwoot_api_token:
        return None
    return ChatwootChannel(
        base_url=settings.chatwoot_url,
        api_token=settings.chatwoot_api_token,
        webhook_secret=settings.chatwoot_webhook_secret,
        client=httpx.Client(timeout=settings.webhook_timeout_seconds),
    )
