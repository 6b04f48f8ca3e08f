"""Knowledge suggestions and a draft reply for the agent, over the database fixtures."""

from __future__ import annotations

import pytest

from humantouch.bot import suggest, suggest_reply
from humantouch.bot.suggestions import _snippet
from humantouch.errors import NotFoundError
from humantouch.service import Service, customers
from humantouch.service.inbound import InboundMessage, receive
from tests.support.fixtures import ADMIN


def start(svc: Service, text: str, sender: str = "+31612345678") -> str:
    out = receive(svc, InboundMessage("whatsapp", "whatsapp", sender, text, sender_name="Sanne de Vries")).response
    return str(out["conversation"]["id"])


def test_suggest_gives_articles_with_snippets(svc: Service) -> None:
    cid = start(svc, "Mijn pakket is nog niet bezorgd, waar blijft mijn bestelling?")
    items = suggest(svc, cid, limit=2)
    assert 1 <= len(items) <= 2
    assert set(items[0]) == {"id", "title", "snippet", "score"}
    assert all(len(i["snippet"]) <= 240 for i in items)
    with pytest.raises(NotFoundError):
        suggest(svc, "con_missing")


def test_suggest_reply_speaks_the_customers_language_and_form(svc: Service) -> None:
    cid = start(svc, "Waar blijft mijn pakket? Ik heb vorige week besteld.")
    draft = suggest_reply(svc, cid)
    assert draft.startswith("Goedendag Sanne de Vries,") and "Kan ik u hier verder mee helpen?" in draft
    english = start(svc, "Where is my parcel? I ordered it last week.", sender="+31699999999")
    assert "Can I help you further" in suggest_reply(svc, english)


def test_suggest_reply_follows_an_informal_profile(svc: Service) -> None:
    made = customers.create(
        svc, ADMIN, {"name": "Daan Bakker", "form_of_address": "informal"}, [("phone", "+31600000001")]
    )
    assert made["form_of_address"] == "informal"
    cid = start(svc, "hoe kan ik mijn wachtwoord resetten", sender="+31600000001")
    draft = suggest_reply(svc, cid)
    assert draft.startswith("Hoi Daan,") and "Kan ik je hier verder mee helpen?" in draft
    # The article is quoted as written for an informal reader.
    best = suggest(svc, cid, limit=1)[0]
    assert svc.knowledge is not None
    variant = svc.knowledge.variant(best["id"], "nl", "je")
    assert variant is not None and _snippet(variant) in draft and best["snippet"] not in draft
