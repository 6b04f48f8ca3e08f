"""The handoff briefing: everything a person needs to take over without asking again.

Built from the stored conversation when it goes to the queue, kept in `briefings` (the latest per
conversation counts), sent with the `contact.handoff` webhook and served at
`GET /v1/conversations/{id}/briefing`. The record is structured (who, why now, feelings, collected
facts with the message each came from, what was tried, history, next best action, an extractive
summary) plus `text`: the same as a short readable note in the agent's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from humantouch.bot.dialogue import State
from humantouch.errors import InputError, NotFoundError
from humantouch.knowledge import Hit
from humantouch.privacy import messages as privacy_messages
from humantouch.service.context import Service
from humantouch.service.views import iso
from humantouch.storage.repository import ConversationRow
from humantouch.storage.tables import BotState, Briefing, Conversation, Customer, Message

HISTORY_WINDOW = timedelta(days=90)
SUMMARY_SENTENCES = 3
LANGUAGES = ("nl", "en")
# Facts read with loose patterns (not recognisers with checks): listed only when the intent needs them.
GENERIC_FACTS = frozenset({"reference", "date"})
GUESSED_FACTS = frozenset({"description", "place", "date_of_death", "relation", "deceased_name"})
_SALUTATION = re.compile(
    r"^(?:geachte|beste|hallo|hoi|goedemorgen|goedemiddag|goedenavond|dear|hi|hello|met vriendelijke groet|"
    r"vriendelijke groet|groet(?:en|jes)?|kind regards|best regards|regards|yours)\b[^.!?]{0,40}$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")

FACT_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "order_number": "bestelnummer",
        "customer_number": "klantnummer",
        "policy_number": "polisnummer",
        "claim_number": "schadenummer",
        "invoice_number": "factuurnummer",
        "reference": "referentie",
        "email": "e-mailadres",
        "iban": "IBAN",
        "amount": "bedrag",
        "date": "datum",
        "place": "plaats",
        "description": "omschrijving",
        "postcode": "postcode",
        "license_plate": "kenteken",
        "deceased_name": "naam overledene",
        "date_of_death": "overlijdensdatum",
        "relation": "relatie",
    },
    "en": {},
}
REACTIONS = {
    "nl": {"helped": "hielp", "not_helped": "hielp niet", "moved_on": "geen reactie", "pending": "nog geen reactie"},
    "en": {"helped": "helped", "not_helped": "did not help", "moved_on": "no reaction", "pending": "no reaction yet"},
}
WORDS = {
    "nl": {
        "unknown": "onbekend",
        "high": "hoog",
        "medium": "midden",
        "low": "laag",
        "negative": "negatief",
        "neutral": "neutraal",
        "positive": "positief",
        "steady": "stabiel",
        "improving": "verbeterend",
        "worsening": "verslechterend",
        "anger": "boosheid",
        "fear": "zorgen",
        "sadness": "verdriet",
        "joy": "blijdschap",
    },
    "en": {
        "unknown": "unknown",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "negative": "negative",
        "neutral": "neutral",
        "positive": "positive",
        "steady": "steady",
        "improving": "improving",
        "worsening": "worsening",
    },
}
HANDOFF = {
    "nl": {
        "asked": "de klant vroeg om een medewerker",
        "route_human": "dit vraagt direct om een persoon",
        "collected": "de intake is compleet",
        "not_answered": "het antwoord van de bot hielp niet",
        "gave_up": "de bot kreeg een gegeven na twee pogingen niet goed",
        "misunderstood": "de bot begreep de klant twee keer niet",
        "cannot_answer": "de bot had geen antwoord",
        "person_needed": "dit vraagt om een persoon",
    },
    "en": {
        "asked": "the customer asked for a person",
        "route_human": "this needs a person at once",
        "collected": "the intake is complete",
        "not_answered": "the bot's answer did not help",
        "gave_up": "the bot could not get a fact right in two tries",
        "misunderstood": "the bot did not understand the customer twice",
        "cannot_answer": "the bot had no answer",
        "person_needed": "this needs a person",
    },
}


def _label(fact: str, lang: str) -> str:
    return FACT_LABELS.get(lang, {}).get(fact, fact.replace("_", " "))


@dataclass(frozen=True, slots=True)
class Said:
    """What the briefing reads of a customer message: its text and stored triage, not the whole row."""

    id: int
    text: str
    triage: dict[str, Any] | None


@cache
def _customer_messages() -> Select[int, str, dict[str, Any] | None]:
    return (
        select(Message.id, Message.text, Message.triage)
        .where(Message.conversation_id == bindparam("conversation_id"), Message.author == "customer")
        .order_by(Message.id)
    )


def _said(session: Session, conversation_id: str) -> list[Said]:
    """The conversation's customer messages, oldest first. Three columns instead of every message as an
    ORM object (the bot's too, with their triage): a handoff reads them inside the inbound write
    transaction, which every writer waits for. Through the session, so its pending changes are flushed
    first, as they were for the objects."""
    rows = session.execute(_customer_messages(), {"conversation_id": conversation_id})
    return [Said(id, text, triage) for id, text, triage in rows]


@cache
def _other_conversations() -> Select[str, str, str | None, datetime, str, str | None]:
    return select(
        Conversation.id,
        Conversation.channel,
        Conversation.intent,
        Conversation.created_at,
        Conversation.status,
        Conversation.resolution_code,
    ).where(
        Conversation.customer_id == bindparam("customer_id"),
        Conversation.id != bindparam("conversation_id"),
        Conversation.created_at >= bindparam("since"),
    ).order_by(Conversation.created_at, Conversation.id)  # ties keep this order in the sort below


def _value_tier(annual: float | None, high: float) -> str | None:
    if annual is None:
        return None
    return "high" if annual >= high else "medium" if annual >= high / 5 else "low"


def _feelings(messages: Sequence[Said], emotion_present: float) -> dict[str, Any]:
    per: list[dict[str, Any]] = []
    events: dict[str, None] = {}
    vulnerable: dict[str, None] = {}
    for m in messages:
        t = m.triage or {}
        emotions = {k: v for k, v in (t.get("emotions") or {}).items() if v >= emotion_present}
        sentiment = t.get("sentiment") or {"label": "neutral", "score": 0.0}
        per.append(
            {
                "message_id": m.id,
                "sentiment": sentiment["label"],
                "score": sentiment["score"],
                "emotions": sorted(emotions, key=lambda k: -emotions[k]),
            }
        )
        events.update(dict.fromkeys(e["name"] for e in t.get("life_events") or []))
        vulnerable.update(dict.fromkeys(v["name"] for v in t.get("vulnerability") or []))
    scores = [p["score"] for p in per]
    mean = sum(scores) / len(scores) if scores else 0.0
    trend = "steady"
    if len(scores) >= 2 and abs(scores[-1] - scores[0]) >= 0.2:
        trend = "improving" if scores[-1] > scores[0] else "worsening"
    overall = "negative" if mean <= -0.2 else "positive" if mean >= 0.2 else "neutral"
    felt = [e for p in per for e in p["emotions"]]
    return {
        "overall": overall,
        "mean_score": round(mean, 3),
        "trend": trend,
        "emotions": list(dict.fromkeys(felt)),
        "life_events": list(events),
        "vulnerability": list(vulnerable),
        "messages": per,
    }


def _summary(messages: Sequence[Said], facts: Sequence[dict[str, Any]]) -> list[str]:
    """The customer's own sentences that carry most: the opening one, those with facts or entities."""
    values = [str(f["value"]).lower() for f in facts]
    scored: list[tuple[float, int, str]] = []
    order = 0
    for i, m in enumerate(messages):
        entities = len((m.triage or {}).get("entities") or [])
        for j, sentence in enumerate(s.strip() for s in _SENTENCE.split(m.text) if s.strip()):
            words = len(sentence.split())
            if words < 2 or _SALUTATION.match(sentence):
                continue
            score = (3.0 if i == 0 and j == 0 else 0.0) + min(entities, 2) * 0.5
            score += sum(2.0 for v in values if v and v in sentence.lower()) + min(words, 20) / 20
            scored.append((score, order, sentence))
            order += 1
    best = sorted(scored, key=lambda x: (-x[0], x[1]))[:SUMMARY_SENTENCES]
    return [s for _, _, s in sorted(best, key=lambda x: x[1])]


def _history(session: Session, conversation: Conversation | ConversationRow, since: Any) -> list[dict[str, Any]]:
    """The customer's other conversations since `since`, newest first (columns, not ORM objects)."""
    rows = session.execute(
        _other_conversations(),
        {"customer_id": conversation.customer_id, "conversation_id": conversation.id, "since": since},
    ).all()
    return [
        {
            "conversation_id": cid,
            "channel": channel,
            "intent": intent,
            "started_at": iso(created_at),
            "status": status,
            "resolution_code": resolution_code,
        }
        for cid, channel, intent, created_at, status, resolution_code in sorted(rows, key=lambda r: r[3], reverse=True)
    ]


def _articles(
    svc: Service, intent: str | None, lang: str, hits: Sequence[Hit], tried: set[str]
) -> list[dict[str, str]]:
    """Articles for the agent that declare the conversation's intent: the search's hits first, in the
    customer's language. None rather than near misses: a wrong article costs the agent time."""
    out: dict[str, str] = {}
    if svc.knowledge is None or not intent:
        return []
    declaring = {(a.id, a.lang): a for a in svc.knowledge.articles if intent in a.intents}
    for h in hits:
        if (h.article_id, h.lang) in declaring and h.article_id not in tried:
            out.setdefault(h.article_id, h.title)
    for (article_id, article_lang), a in declaring.items():
        if article_lang == lang and article_id not in tried:
            out.setdefault(article_id, a.title)
    return [{"id": k, "title": v} for k, v in list(out.items())[:3]]


def _next_action(brief: dict[str, Any], lang: str) -> str:
    nl = lang == "nl"
    parts: list[str] = []
    if brief["missing"]:
        labels = ", ".join(_label(f, lang) for f in brief["missing"])
        parts.append(f"Vraag nog naar: {labels}." if nl else f"Still ask for: {labels}.")
    failed = [t["title"] for t in brief["tried"] if t["reaction"] == "not_helped"]
    if failed:
        titles = ", ".join(f"'{t}'" for t in failed)
        parts.append(
            f"{titles} loste het niet op: ga verder dan dat artikel."
            if nl
            else f"{titles} did not solve it: go beyond it."
        )
    intent = brief["why_now"]["intent"]
    if intent and intent != "unknown":
        parts.append(f"Help met {intent.replace('_', ' ')}." if nl else f"Help with {intent.replace('_', ' ')}.")
    else:
        parts.append("Vraag wat de klant nodig heeft." if nl else "Ask what the customer needs.")
    if brief["feelings"]["overall"] == "negative" or brief["feelings"]["life_events"]:
        parts.append(
            "Begin met erkenning van hoe de klant zich voelt." if nl else "Start by acknowledging how they feel."
        )
    return " ".join(parts)


def _shown(value: str) -> str:
    """Dates as people write them: 2026-11-19 -> 19-11-2026, --11-19 (no year) -> 19-11."""
    m = re.fullmatch(r"(\d{4}|-)-(\d{2})-(\d{2})", value)
    if m is None:
        return value
    return f"{m[3]}-{m[2]}" + (f"-{m[1]}" if m[1] != "-" else "")


def render_text(brief: dict[str, Any], lang: str) -> str:
    """The briefing as a short note for the agent, in `lang` (nl or en)."""
    nl = lang == "nl"
    who = brief["who"]
    form = {"formal": "u", "informal": "je"}.get(who["form_of_address"], "?") if who["language"] == "nl" else ""
    words = WORDS["nl" if nl else "en"]
    tier = words.get(who["value_tier"] or "unknown", who["value_tier"])
    tenure = ""
    if who["tenure_years"] is not None:
        tenure = f", klant {who['tenure_years']:g} jaar" if nl else f", customer for {who['tenure_years']:g} years"
    lines = [
        f"{'Wie' if nl else 'Who'}: {who['name'] or words['unknown']} "
        f"({who['language'] or '?'}{', ' + form if form else ''}), "
        f"{'waarde' if nl else 'value'} {tier}{tenure}."
    ]
    why = brief["why_now"]
    reason = HANDOFF[lang if lang in HANDOFF else "en"].get(why["handoff_reason"] or "", "")
    lines.append(
        (
            f"Waarom nu: {why['intent'] or 'onbekend'} (kwadrant {why['quadrant']}, route {why['route']}, "
            f"{why['priority']})"
            if nl
            else f"Why now: {why['intent'] or 'unknown'} (quadrant {why['quadrant']}, "
            f"route {why['route']}, {why['priority']})"
        )
        + (f"; {reason}" if reason else "")
        + "."
    )
    if why["reasons"]:
        lines.append(("Redenen: " if nl else "Reasons: ") + "; ".join(why["reasons"]) + ".")
    f = brief["feelings"]
    feel = f"{words[f['overall']]}, {words[f['trend']]}"
    feel += f" ({', '.join(words.get(e, e) for e in f['emotions'])})" if f["emotions"] else ""
    if f["life_events"]:
        feel += ("; levensgebeurtenis: " if nl else "; life event: ") + ", ".join(f["life_events"])
    lines.append(("Gevoel: " if nl else "Feelings: ") + feel + ".")
    if brief["collected"]:
        facts = "; ".join(f"{_label(c['fact'], lang)} {_shown(str(c['value']))}" for c in brief["collected"])
        lines.append(("Verzameld: " if nl else "Collected: ") + facts + ".")
    if brief["missing"]:
        lines.append(
            ("Ontbreekt: " if nl else "Missing: ") + ", ".join(_label(m, lang) for m in brief["missing"]) + "."
        )
    if brief["tried"]:
        r = REACTIONS[lang if lang in REACTIONS else "en"]
        tried = "; ".join(f"'{t['title']}' ({r.get(t['reaction'], t['reaction'])})" for t in brief["tried"])
        lines.append(("Geprobeerd: " if nl else "Tried: ") + tried + ".")
    history = brief["history"]
    if history:
        items = "; ".join(
            f"{h['started_at'][:10]} {h['channel']} {h['intent'] or '?'} ({h['resolution_code'] or h['status']})"
            for h in history[:5]
        )
        lines.append(
            (f"Eerder contact (90 dagen, {len(history)}): " if nl else f"Earlier contacts (90 days, {len(history)}): ")
            + items
            + "."
        )
    else:
        lines.append("Geen eerder contact in 90 dagen." if nl else "No earlier contact in 90 days.")
    nba = brief["next_best_action"]
    lines.append(("Volgende stap: " if nl else "Next step: ") + nba["text"])
    if nba["articles"]:
        lines.append(("Artikelen: " if nl else "Articles: ") + ", ".join(a["title"] for a in nba["articles"]) + ".")
    if brief["summary"]:
        lines.append(("Samenvatting: " if nl else "Summary: ") + " / ".join(f'"{s}"' for s in brief["summary"]))
    return "\n".join(lines)


def build(
    svc: Service,
    session: Session,
    conversation: Conversation | ConversationRow,
    hits: Sequence[Hit] = (),
    lang: str | None = None,
) -> dict[str, Any]:
    """The briefing of `conversation` as it stands in this session."""
    return _build(svc, session, conversation, _said(session, conversation.id), hits, lang)


def _build(
    svc: Service,
    session: Session,
    conversation: Conversation | ConversationRow,
    messages: Sequence[Said],
    hits: Sequence[Hit] = (),
    lang: str | None = None,
) -> dict[str, Any]:
    lang = lang or svc.briefing_language
    customer = session.get(Customer, conversation.customer_id)
    assert customer is not None
    row = session.get(BotState, conversation.id)
    state = State.from_dict(row.state if row is not None else None)
    # Why now: the message that weighed most (highest route, then value), not a short last answer.
    ranks = {"automate": 0, "assist": 1, "human": 2}
    weighed = max(
        (m.triage or {} for m in messages),
        key=lambda t: (ranks.get(t.get("route", ""), 0), t.get("emotional_value", 0) + t.get("monetary_value", 0)),
        default={},
    )
    triage: dict[str, Any] = dict(weighed)
    playbook: Any = svc.engine.playbook
    thresholds = getattr(playbook, "thresholds", None)
    emotion_present = thresholds.emotion_present if thresholds is not None else 0.35
    weights = getattr(playbook, "weights", None)
    high_value = weights.customer_value.high_value_eur if weights is not None else 5000.0
    intent = state.intent or conversation.intent
    intent_spec = getattr(playbook, "intents", {}).get(intent or "")
    needed = list(intent_spec.facts) if intent_spec is not None else []
    values_of = {f.fact: f.value for f in state.facts}
    collected = [
        {"fact": f.fact, "value": f.value, "message_id": f.message_id, "source": f.source}
        for f in state.facts
        # The intent's facts, and other clearly recognised ones; a generic fact (a "reference", a
        # "date") that repeats a more specific one only when the intent asks for it.
        if f.fact in needed
        or (
            f.fact not in GUESSED_FACTS
            and not (f.fact in GENERIC_FACTS and any(v == f.value for k, v in values_of.items() if k != f.fact))
        )
    ]
    have = {c["fact"] for c in collected}
    reasons = sorted(triage.get("reasons") or [], key=lambda r: (r.get("axis") != "override", -r.get("weight", 0)))
    brief: dict[str, Any] = {
        "conversation_id": conversation.id,
        "who": {
            "customer_id": customer.id,
            "name": customer.name,
            "language": state.language or customer.language or conversation.language,
            # The form the bot used: the customer's own register, else the profile's, else formal.
            "form_of_address": state.form
            or (customer.form_of_address if customer.form_of_address in ("formal", "informal") else "formal"),
            "value_tier": _value_tier(customer.annual_value_eur, high_value),
            "annual_value_eur": customer.annual_value_eur,
            "tenure_years": customer.tenure_years,
            "segment": customer.segment,
        },
        "why_now": {
            "intent": intent,
            "quadrant": conversation.quadrant,
            "route": conversation.route,
            "priority": conversation.priority,
            "reasons": [f"{r['factor']}: {r['evidence']}" for r in reasons[:4]],
            "handoff_reason": state.handoff_reason,
        },
        "feelings": _feelings(messages, emotion_present),
        "collected": collected,
        "missing": [f for f in needed if f not in have],
        "tried": [{"article": s.article, "title": s.title, "reaction": s.reaction} for s in state.shown],
        "history": _history(session, conversation, svc.clock() - HISTORY_WINDOW),
        "summary": _summary(messages, collected),
        "language": lang,
    }
    customer_lang = brief["who"]["language"] if brief["who"]["language"] in LANGUAGES else "nl"
    articles = _articles(svc, intent, customer_lang, hits, {s.article for s in state.shown})
    brief["next_best_action"] = {"text": _next_action(brief, lang), "articles": articles}
    brief["text"] = render_text(brief, lang)
    return brief


def store(
    svc: Service, session: Session, conversation: Conversation | ConversationRow, hits: Sequence[Hit] = ()
) -> dict[str, Any]:
    """Build the briefing, keep it, and return it (for the handoff webhook).

    Collected facts of a type the playbook masks (an IBAN) are kept and sent masked, like the
    message they came from (docs/privacy.md); the fact, and the message it came from, stay.
    """
    messages = _said(session, conversation.id)
    brief = _build(svc, session, conversation, messages, hits)
    masks = privacy_messages.fact_masks(
        ((c["fact"], str(c["value"])) for c in brief["collected"]), svc.engine.playbook.storage, brief["language"]
    )
    if masks:
        for c in brief["collected"]:
            c["value"] = privacy_messages.mask_known(str(c["value"]), masks)
        brief["summary"] = [privacy_messages.mask_known(s, masks) for s in brief["summary"]]
        brief["text"] = render_text(brief, brief["language"])
    last = messages[-1].id if messages else None  # the latest customer message, read once above
    session.add(
        Briefing(
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            message_id=last,
            data=brief,
            created_at=svc.clock(),
        )
    )
    return brief


def for_conversation(svc: Service, conversation_id: str, *, language: str | None = None) -> dict[str, Any] | None:
    """The latest stored briefing of the conversation, or None when it was never handed over.

    `language` re-renders the readable text for an agent who reads another language.
    """
    if language is not None and language not in LANGUAGES:
        raise InputError(f"no briefing text in {language!r}", hint="use nl or en", code="HT-IN-LANGUAGE")
    with svc.db.read() as session:
        if session.get(Conversation, conversation_id) is None:
            raise NotFoundError(f"no conversation {conversation_id}", code="HT-NOTFOUND-CONVERSATION")
        row = session.scalars(
            select(Briefing).where(Briefing.conversation_id == conversation_id).order_by(Briefing.id.desc()).limit(1)
        ).first()
        if row is None or row.data.get("anonymised"):
            return None  # never handed over, or past its retention (privacy.retention)
        brief = dict(row.data)
    if language is not None and language != brief.get("language"):
        brief["language"] = language
        brief["next_best_action"] = {**brief["next_best_action"], "text": _next_action(brief, language)}
        brief["text"] = render_text(brief, language)
    return brief
