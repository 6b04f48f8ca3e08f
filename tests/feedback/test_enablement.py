"""Briefing coverage and suggestion use come from live work, not only from the demo history."""

from __future__ import annotations

from datetime import timedelta

from humantouch.bot import suggest_reply
from humantouch.feedback import scorecard
from humantouch.service import Service, conversations
from humantouch.service.conversations import used_suggestion
from humantouch.service.inbound import InboundMessage, receive
from tests.support.fixtures import ADMIN


def test_a_reply_uses_a_suggestion_when_it_keeps_most_of_its_words() -> None:
    draft = "Goedendag mevrouw Jansen, u kunt uw pas blokkeren in de app onder Kaarten."
    assert used_suggestion(draft, draft)
    assert used_suggestion(draft.replace("Goedendag", "Hallo") + " Groet, Anna", draft)
    assert not used_suggestion("Ik bel u morgen terug.", draft)
    assert not used_suggestion("anything", "")


def test_handoffs_are_briefed_and_suggested_replies_counted(svc: Service, agent_id: str) -> None:
    def handed_over(sender: str) -> str:
        msg = InboundMessage(
            channel="chat", sender_kind="email", sender_value=sender, text="Ik wil een mens spreken over mijn factuur"
        )
        return str(receive(svc, msg).response["conversation"]["id"])

    with_draft, own_words = handed_over("a@example.nl"), handed_over("b@example.nl")
    draft = suggest_reply(svc, with_draft)
    assert draft
    conversations.reply(svc, ADMIN, with_draft, draft + " Met vriendelijke groet, Anna", agent_id, suggested=draft)
    conversations.reply(svc, ADMIN, own_words, "Ik bel u vanmiddag even.", agent_id, suggested=draft)
    now = svc.clock()
    card = scorecard.compute(svc, scorecard.ScoreFilter(start=now - timedelta(days=1), end=now + timedelta(days=1)))
    # 2 conversations with a person, both handed over with a briefing; 1 of 2 replies kept the draft.
    assert card["employees"]["briefing_coverage"] == 1.0
    assert card["employees"]["suggestion_use"] == 0.5
