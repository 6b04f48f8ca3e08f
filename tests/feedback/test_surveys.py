"""Surveys: who gets one, the signed link, the page in the customer's words, partial answers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from humantouch.errors import ConflictError, NotFoundError
from humantouch.feedback import surveys, tokens
from humantouch.feedback.config import FeedbackConfig
from humantouch.feedback.texts import texts
from humantouch.service import Service, conversations, customers
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage.tables import Event, FollowUp, Message, Survey
from tests.support.fixtures import ADMIN, Api

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_token_round_trip_tamper_and_expiry() -> None:
    token = tokens.sign("s" * 32, "srv_1", NOW + timedelta(days=1))
    opened = tokens.open_token("s" * 32, token, NOW)
    assert opened is not None and opened.survey_id == "srv_1" and not opened.expired
    assert tokens.open_token("s" * 32, token, NOW + timedelta(days=2)).expired  # type: ignore[union-attr]
    assert tokens.open_token("x" * 32, token, NOW) is None
    other = tokens.sign("s" * 32, "srv_2", NOW + timedelta(days=1))
    assert tokens.open_token("s" * 32, token.split(".")[0] + "." + other.split(".")[1], NOW) is None
    assert tokens.open_token("s" * 32, "garbage", NOW) is None
    assert tokens.open_token("s" * 32, "a.b.c", NOW) is None


@pytest.mark.parametrize(
    "language, form, nps, resolved",
    [
        ("nl", "formal", "Hoe waarschijnlijk is het dat u ons aanbeveelt?", "Is uw vraag opgelost?"),
        ("nl", "unknown", "Hoe waarschijnlijk is het dat u ons aanbeveelt?", "Is uw vraag opgelost?"),
        ("nl", "informal", "Hoe waarschijnlijk is het dat je ons aanbeveelt?", "Is je vraag opgelost?"),
        ("en", "informal", "How likely is it that you would recommend us?", "Is your question resolved?"),
    ],
)
def test_texts_follow_language_and_form_of_address(language: str, form: str, nps: str, resolved: str) -> None:
    t = texts(language, form)
    assert t["nps"] == nps and t["resolved"] == resolved
    assert "{link}" in t["invitation"]


def test_sampling_is_repeatable() -> None:
    ids = [f"con_{i}" for i in range(1000)]
    picked = [i for i in ids if surveys.sampled(i, 0.3)]
    assert 240 < len(picked) < 360
    assert picked == [i for i in ids if surveys.sampled(i, 0.3)]
    assert not any(surveys.sampled(i, 0.0) for i in ids)
    assert all(surveys.sampled(i, 1.0) for i in ids)


def test_sensitive_conversations() -> None:
    assert surveys.is_sensitive([{"life_events": [{"name": "bereavement"}]}], "insurance_claim")
    assert surveys.is_sensitive([{"overrides": ["safety"]}], None)
    assert surveys.is_sensitive([{"urgency": {"reasons": [{"name": "self_harm"}]}}], None)
    assert surveys.is_sensitive([], "report_death")
    assert not surveys.is_sensitive([{"life_events": [{"name": "moving_house"}], "overrides": []}], "order_status")


def _configured(svc: Service, **changes: object) -> Service:
    config = dataclasses.replace(FeedbackConfig(secret="t" * 32, base_url="https://feedback.example"), **changes)
    return dataclasses.replace(svc, feedback=config)


def _resolved_conversation(svc: Service, agent_id: str, sender: str, text: str, *, informal: bool = False) -> str:
    if informal:
        customers.create(
            svc, ADMIN, {"name": "Daan", "language": "nl", "form_of_address": "informal"}, [("phone", sender)]
        )
    got = receive(svc, InboundMessage(channel="whatsapp", sender_kind="phone", sender_value=sender, text=text))
    conversation_id = str(got.response["conversation"]["id"])
    conversations.resolve(svc, ADMIN, conversation_id, "answered")
    return conversation_id


def _token(svc: Service, conversation_id: str) -> str:
    with svc.db.read() as session:
        survey = session.scalars(select(Survey).where(Survey.conversation_id == conversation_id)).one()
        return surveys.link(svc, survey).rsplit("/", 1)[1]


def test_resolution_sends_one_survey_as_a_bot_message(svc: Service, agent_id: str) -> None:
    svc = _configured(svc)
    cid = _resolved_conversation(svc, agent_id, "+31611110001", "hoi, waar blijft mijn pakket?", informal=True)
    with svc.db.read() as session:
        survey = session.scalars(select(Survey).where(Survey.conversation_id == cid)).one()
        message = session.get(Message, survey.message_id)
        assert message is not None and message.author == "bot"
        assert message.text.startswith("Je vraag is afgehandeld")
        assert "https://feedback.example/s/" in message.text
        types = session.scalars(select(Event.type).where(Event.conversation_id == cid)).all()
        assert "survey.sent" in types and "message.outbound" in types
    # Reopened and resolved again: still one survey for the conversation.
    receive(
        svc, InboundMessage("whatsapp", "phone", "+31611110001", "nog een vraag over mijn pakket", conversation_id=cid)
    )
    conversations.resolve(svc, ADMIN, cid, "answered")
    with svc.db.read() as session:
        assert len(session.scalars(select(Survey).where(Survey.conversation_id == cid)).all()) == 1


def test_frequency_cap_and_sampling(svc: Service, agent_id: str) -> None:
    capped = _configured(svc, frequency_days=30)
    _resolved_conversation(capped, agent_id, "+31611110002", "waar blijft mijn pakket?")
    second = receive(capped, InboundMessage("email", "phone", "+31611110002", "ik wil mijn adres wijzigen"))
    cid2 = str(second.response["conversation"]["id"])
    conversations.resolve(capped, ADMIN, cid2, "answered")
    never = _configured(svc, sample_rate=0.0)
    cid3 = _resolved_conversation(never, agent_id, "+31611110003", "waar blijft mijn pakket?")
    with svc.db.read() as session:
        asked = set(session.scalars(select(Survey.conversation_id)).all())
    assert cid2 not in asked and cid3 not in asked and len(asked) == 1


def test_no_survey_after_a_bereavement(svc: Service, agent_id: str) -> None:
    svc = _configured(svc)
    cid = _resolved_conversation(
        svc, agent_id, "+31611110004", "Mijn man is vorige week overleden. Wat gebeurt er met zijn polis?"
    )
    with svc.db.read() as session:
        assert session.scalars(select(Survey).where(Survey.conversation_id == cid)).first() is None


def test_partial_answers_update_one_response_and_unhappy_opens_a_followup(svc: Service, agent_id: str) -> None:
    svc = _configured(svc)
    cid = _resolved_conversation(svc, agent_id, "+31611110005", "where is my parcel? order 448812")
    token = _token(svc, cid)
    page = surveys.submit(svc, token, surveys.Answers(csat=2))
    assert page.survey is not None and page.survey["csat"] == 2 and not page.followup
    page = surveys.submit(svc, token, surveys.Answers(nps=3, comment="I had to wait for days, very slow"))
    assert page.survey is not None
    assert (page.survey["csat"], page.survey["nps"]) == (2, 3)
    assert page.survey["comment_analysis"]["reason"] == "waiting"
    assert page.followup
    surveys.submit(svc, token, surveys.Answers(resolved=False))
    with svc.db.read() as session:
        rows = session.scalars(select(FollowUp).where(FollowUp.conversation_id == cid)).all()
        assert len(rows) == 1 and rows[0].reason == "detractor"
        assert rows[0].comment == "I had to wait for days, very slow"
        assert rows[0].assigned_agent_id == agent_id
    later = dataclasses.replace(svc, clock=lambda: datetime.now(UTC) + timedelta(days=15))
    with pytest.raises(ConflictError):
        surveys.submit(later, token, surveys.Answers(nps=9))
    assert surveys.page(later, token).state == "expired"
    with pytest.raises(NotFoundError):
        surveys.submit(svc, token + "x", surveys.Answers(nps=9))


def test_survey_page_without_javascript(api: Api, agent_id: str) -> None:
    api.app.state.service = _configured(api.svc)
    svc = api.app.state.service
    cid = _resolved_conversation(svc, agent_id, "+31611110006", "waar blijft mijn pakket? bestelnummer 448812")
    token = _token(svc, cid)
    page = api.client.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.text
    assert "Hoe waarschijnlijk is het dat u ons aanbeveelt?" in html and "Is uw vraag opgelost?" in html
    assert "<script" not in html and 'name="viewport"' in html
    saved = api.client.post(f"/s/{token}", data={"nps": "9", "resolved": "yes"})
    assert saved.status_code == 200 and "opgeslagen" in saved.text
    assert 'value="9" checked' in saved.text
    bad = api.client.post(f"/s/{token}", data={"nps": "12"})
    assert bad.status_code == 422
    assert api.client.get("/s/not-a-token").status_code == 404
    assert surveys.get(svc, surveys.list_all(svc, conversation_id=cid)[0]["id"])["nps"] == 9


@dataclasses.dataclass
class _Allowing:
    """The test engine with a playbook that allows surveys after sensitive conversations."""

    inner: Any

    @property
    def playbook(self) -> Any:
        return self.inner.playbook.model_copy(update={"surveys_in_sensitive_conversations": True})

    def triage(self, contact: Any) -> Any:
        return self.inner.triage(contact)


def test_the_playbook_may_allow_surveys_after_a_bereavement(svc: Service, agent_id: str) -> None:
    svc = dataclasses.replace(_configured(svc), engine=_Allowing(svc.engine))
    cid = _resolved_conversation(
        svc, agent_id, "+31611110007", "Mijn man is vorige week overleden. Wat gebeurt er met zijn polis?"
    )
    with svc.db.read() as session:
        assert session.scalars(select(Survey).where(Survey.conversation_id == cid)).first() is not None


def test_page_edges(api: Api, agent_id: str) -> None:
    api.app.state.service = _configured(api.svc)
    svc = api.app.state.service
    cid = _resolved_conversation(svc, agent_id, "+31611110008", "where is my parcel? order 448812")
    token = _token(svc, cid)
    english = api.client.get(f"/s/{token}")
    assert "How likely is it that you would recommend us?" in english.text and 'lang="en"' in english.text
    empty = api.client.post(f"/s/{token}", data={})
    assert empty.status_code == 200
    assert surveys.list_all(svc, conversation_id=cid)[0]["answered_at"] is None  # nothing given, nothing saved
    assert api.client.post(f"/s/{token}", data={"ces": "abc"}).status_code == 422
    assert api.client.post(f"/s/{token}", data={"resolved": "maybe"}).status_code == 422
    api.app.state.service = dataclasses.replace(svc, clock=lambda: datetime.now(UTC) + timedelta(days=20))
    closed = api.client.post(f"/s/{token}", data={"nps": "10"})
    assert closed.status_code == 410 and "gesloten" not in closed.text and "closed" in closed.text
    assert surveys.list_all(svc, conversation_id=cid)[0]["nps"] is None
