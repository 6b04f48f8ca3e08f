"""The bot under the privacy rules: its replies, the briefing it hands over, its stored working state
and the logs never hold what the playbook masks, although the bot reads the raw values to take in an
intake."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from humantouch.bot.dialogue import Step
from humantouch.playbook import StoragePolicy
from humantouch.privacy.messages import fact_masks, mask_known
from humantouch.service import Service
from humantouch.service import dialogue as service_dialogue
from humantouch.service.briefing import for_conversation
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage.tables import BotState, Briefing, Event, Message
from tests.support.logscan import canaries

IBAN, PLATE, PHONE = canaries.add("NL91ABNA0417164300", "12-ABC-3", "0612983476")
# What the bot asks for, and what the customer answers; the opening message carries a phone number.
ANSWERS = {"IBAN": IBAN, "kenteken": PLATE, "bedrag": "250 euro", "datum": "12-11-2026", "plaats": "op de A28"}
OPENINGS = (
    f"Ik heb geld overgemaakt maar het is niet aangekomen. Bel me op {PHONE}.",
    f"Mijn auto staat stil met pech, kenteken {PLATE}, bel me op {PHONE}.",
)


def _say(svc: Service, text: str) -> dict[str, Any]:
    msg = InboundMessage("whatsapp", "whatsapp", "+31687651234", text, sender_name="Ida")
    return receive(svc, msg).response


def _talk(svc: Service, opening: str) -> str:
    """An intake from the opening message until a person takes over; the conversation id."""
    out = _say(svc, opening)
    for _ in range(6):
        if out["conversation"]["status"] != "intake" or out["reply"] is None:
            break
        out = _say(svc, next((a for q, a in ANSWERS.items() if q in out["reply"]["text"]), "weet ik niet"))
    return str(out["conversation"]["id"])


def _stored(svc: Service, conversation_id: str) -> tuple[list[Message], str, str]:
    with svc.db.read() as s:
        messages = list(s.scalars(select(Message).where(Message.conversation_id == conversation_id)))
        state = json.dumps(s.scalars(select(BotState.state)).one())
        events = json.dumps(
            [e.payload for e in s.scalars(select(Event))] + [b.data for b in s.scalars(select(Briefing))]
        )
    return messages, state, events


@pytest.mark.parametrize("opening", OPENINGS, ids=["transfer", "roadside"])
def test_bot_replies_briefings_and_events_hold_no_masked_value(svc: Service, opening: str) -> None:
    cid = _talk(svc, opening)
    messages, state, shown = _stored(svc, cid)
    bot = [m for m in messages if m.author == "bot"]
    assert bot and all(m.triage is None for m in bot)
    raw = (IBAN, PLATE, PHONE)
    for m in messages:
        assert not any(v in m.text for v in raw), (m.author, m.text)
    assert not any(v in shown for v in raw)  # events (webhooks) and briefings
    # The bot did collect a masked value, and its stored working state keeps only the placeholder.
    collected = {f["fact"]: f["value"] for f in json.loads(state)["facts"]}
    assert collected.get("iban") == "[IBAN]" or collected.get("license_plate") == "[KENTEKEN]", collected
    assert not any(v in state for v in raw)
    brief = for_conversation(svc, cid)
    assert brief is not None
    values = {c["fact"]: c["value"] for c in brief["collected"]}
    assert values.get("iban", "[IBAN]") == "[IBAN]" and values.get("license_plate", "[KENTEKEN]") == "[KENTEKEN]"
    assert not any(v in brief["text"] for v in raw)


def test_a_reply_that_echoes_a_collected_value_is_stored_and_delivered_masked(
    svc: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The templates never quote a collected value; a future one that did must not leak it."""
    respond = service_dialogue.respond

    def echoing(*args: Any, **kwargs: Any) -> Step:
        step = respond(*args, **kwargs)
        if step.reply is None:
            return step
        echoed = " ".join(f.value for f in step.state.facts)
        return replace(step, reply=replace(step.reply, text=f"{step.reply.text} ({echoed})"))

    monkeypatch.setattr(service_dialogue, "respond", echoing)
    out = _say(svc, OPENINGS[1])
    assert out["reply"] is not None and "[KENTEKEN]" in out["reply"]["text"]
    assert PLATE not in out["reply"]["text"] and PHONE not in json.dumps(out)
    with svc.db.read() as s:
        assert s.get(Message, out["reply"]["message_id"]).text == out["reply"]["text"]  # type: ignore[union-attr]


def test_the_bot_logs_no_message_text(svc: Service, caplog: pytest.LogCaptureFixture) -> None:
    """Besides the run-wide log scan (tests/support/logscan.py): an intake with every log level on."""
    with caplog.at_level(logging.DEBUG):
        _talk(svc, OPENINGS[0])
        _talk(svc, OPENINGS[1])
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for value in (IBAN, PLATE, PHONE, "overgemaakt", "pech"):
        assert value not in logged


def test_fact_masks_cover_typed_and_free_text_facts() -> None:
    policy = StoragePolicy()
    facts = [("iban", IBAN), ("description", f"pech met {PLATE}, bel {PHONE}"), ("policy_number", "88213409")]
    masks = fact_masks(facts, policy, "nl")
    assert masks == {IBAN: "[IBAN]", PLATE: "[KENTEKEN]", PHONE: "[TELEFOON]"}  # a policy number is not masked
    assert mask_known(f"pech met {PLATE}, bel {PHONE}", masks) == "pech met [KENTEKEN], bel [TELEFOON]"
    assert fact_masks(facts, StoragePolicy(mask=()), "nl") == {}
