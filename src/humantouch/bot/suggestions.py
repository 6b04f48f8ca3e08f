"""Help for the agent on a conversation: knowledge articles and a draft reply.

Read-only: one database read, then a knowledge search on the customer's messages. The draft is
built from the same reply templates as the bot, so it speaks the customer's language and form.
"""

from __future__ import annotations

import re
from typing import Any

from humantouch.bot.dialogue import ARTICLE_FORM, State
from humantouch.bot.replies import templates
from humantouch.errors import NotFoundError
from humantouch.knowledge import Article
from humantouch.service.context import Service
from humantouch.storage import repository as repo
from humantouch.storage.tables import BotState, Conversation, Customer

SNIPPET_CHARS = 240
QUERY_MESSAGES = 3


def _snippet(article: Article) -> str:
    plain = re.sub(r"[*_#>`]+", "", article.body)
    plain = re.sub(r"\s+", " ", plain).strip()
    return plain if len(plain) <= SNIPPET_CHARS else plain[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _context(svc: Service, conversation_id: str) -> tuple[Conversation, Customer, State, list[str]]:
    with svc.db.read() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFoundError(f"no conversation {conversation_id}", code="HT-NOTFOUND-CONVERSATION")
        customer = session.get(Customer, conversation.customer_id)
        assert customer is not None
        row = session.get(BotState, conversation_id)
        state = State.from_dict(row.state if row is not None else None)
        texts = repo.customer_texts(session, conversation_id, QUERY_MESSAGES)
        session.expunge_all()
    return conversation, customer, state, texts


def _language(conversation: Conversation, customer: Customer, state: State) -> str:
    for lang in (state.language, conversation.language, customer.language):
        if lang in ("nl", "en"):
            return str(lang)
    return "nl"


def suggest(svc: Service, conversation_id: str, limit: int = 3) -> list[dict[str, Any]]:
    conversation, customer, state, texts = _context(svc, conversation_id)
    if svc.knowledge is None or not texts:
        return []
    lang = _language(conversation, customer, state)
    intents = {conversation.intent: 1.0} if conversation.intent and conversation.intent != "unknown" else None
    result = svc.knowledge.search(" ".join(texts), lang, top=max(limit, 1), intents=intents)
    by_key = {(a.id, a.lang): a for a in svc.knowledge.articles}
    out = []
    for hit in result.hits[:limit]:
        article = by_key[(hit.article_id, hit.lang)]
        out.append({"id": hit.article_id, "title": hit.title, "snippet": _snippet(article), "score": round(hit.rrf, 4)})
    return out


def suggest_reply(svc: Service, conversation_id: str) -> str:
    """A greeting by name in the customer's language and form, the best article's gist, and an offer."""
    conversation, customer, state, _ = _context(svc, conversation_id)
    lang = _language(conversation, customer, state)
    fa = customer.form_of_address
    form = state.form or (fa if fa in ("formal", "informal") else "formal")
    book = templates()
    name = customer.name
    opening = (
        book.render("greeting_named", lang, form, name=name, first_name=name.split()[0])
        if name
        else book.render("greeting", lang, form)
    )
    parts = [opening]
    best = suggest(svc, conversation_id, limit=1)
    if best:
        title, snippet = best[0]["title"], best[0]["snippet"]
        # The draft speaks to the customer: quote the article as written in their form of address.
        variant = svc.knowledge.variant(best[0]["id"], lang, ARTICLE_FORM.get(form)) if svc.knowledge else None
        if variant is not None:
            title, snippet = variant.title, _snippet(variant)
        parts.append(book.render("agent.article", lang, form, title=title, snippet=snippet))
    parts.append(book.render("agent.offer", lang, form))
    return "\n\n".join(parts)
