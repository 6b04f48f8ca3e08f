"""A seeded, realistic contact-centre history for the demo, so the scorecard shows something true
from the first minute of `humantouch serve --demo`.

What it makes (defaults: 3000 conversations over the 90 days before `now`):
- customers (about 0.65 per conversation, so some come back), Dutch (70%) and English, each with an
  e-mail identity; Dutch customers addressed with `u` (60%) or `je`;
- six agents with languages, skills (intents) and a work preference, plus a weekly pulse each;
- conversations on five channels, fewer at the weekend and at night, with an intent from a
  weighted list and its emotional and monetary value drawn around the intent's prior, hence a
  quadrant, route and priority as the engine's decision table gives them (decision.py);
- what happened: the bot resolves most `automate` contacts (some escalate to a person), `assist`
  goes through a short bot intake to a person, `human` straight to a person; waiting times grow
  with lower priority and busy hours, so some miss their SLA; a few conversations are handed back,
  overridden or reopened; 12% of conversations are a customer coming back on the same intent
  within a week (the FCR misses);
- customer messages with triage-like fields as the engine would store them (language, intent,
  sentiment, route, quadrant, priority, entities; life events for a bereavement), sentiment
  improving when the contact went well; bot and agent replies; events (handoff, taken over,
  resolved, briefing.created, suggestion.used);
- surveys for 60% of resolved conversations (never after a bereavement, at most one per customer
  per 30 days), 40% answered, the scores following how the contact went, comments (nl/en) with
  a detraction reason; follow-ups for detractors and "not resolved", most completed, most in time.

Rows are written directly with bulk inserts, without running the engine per message, so 3000
conversations take a few seconds on SQLite. The same seed and `now` give the same rows.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from humantouch.feedback.followups import Candidate, due_after, needs_followup, pick_agent
from humantouch.service.context import Service
from humantouch.storage.tables import (
    Agent,
    AgentPulse,
    Conversation,
    Customer,
    Event,
    FollowUp,
    Identity,
    Message,
    Override,
    Survey,
)

CHANNELS = (("chat", 0.3), ("email", 0.25), ("whatsapp", 0.2), ("phone", 0.15), ("social", 0.1))
ROUTE_OF_QUADRANT = {"A": "automate", "B": "assist", "C": "human", "D": "assist"}
PRIORITY_OF_QUADRANT = {"A": "P4", "B": "P3", "C": "P2", "D": "P3"}

# intent: weight, emotional prior, monetary prior, entity type, nl text, en text ({e}: the entity)
INTENTS: dict[str, tuple[float, float, float, str | None, str, str]] = {
    "order_status": (
        14,
        0.1,
        0.05,
        "order_number",
        "Waar blijft mijn pakket? Bestelnummer {e}",
        "Where is my parcel? Order {e}",
    ),
    "return_item": (
        7,
        0.1,
        0.15,
        "order_number",
        "Ik wil bestelling {e} retourneren, hoe werkt dat?",
        "I want to return order {e}, how does that work?",
    ),
    "refund_status": (
        7,
        0.3,
        0.3,
        "order_number",
        "Ik wacht nog steeds op mijn terugbetaling voor {e}",
        "I am still waiting for my refund for order {e}",
    ),
    "damaged_or_wrong_item": (
        5,
        0.4,
        0.25,
        "order_number",
        "Bestelling {e} kwam kapot aan",
        "Order {e} arrived damaged",
    ),
    "invoice_question": (
        8,
        0.15,
        0.35,
        "invoice_number",
        "Mijn factuur {e} klopt niet, er staat te veel op",
        "Invoice {e} is wrong, I was charged too much",
    ),
    "payment_problem": (5, 0.35, 0.5, None, "Mijn betaling is twee keer afgeschreven", "My payment was taken twice"),
    "login_problem": (7, 0.2, 0.05, None, "Ik kan niet meer inloggen in de app", "I cannot log in to the app"),
    "card_lost_stolen": (
        4,
        0.5,
        0.6,
        None,
        "Mijn pas is gestolen, blokkeer hem alstublieft",
        "My card was stolen, please block it",
    ),
    "fraud_report": (
        3,
        0.6,
        0.7,
        None,
        "Er staan afschrijvingen op mijn rekening die ik niet ken",
        "There are debits on my account I don't recognise",
    ),
    "insurance_claim": (
        5,
        0.45,
        0.55,
        "claim_number",
        "Ik wil schade melden, dossier {e}",
        "I want to report damage, claim {e}",
    ),
    "roadside_assistance": (3, 0.6, 0.3, None, "Ik sta met pech langs de snelweg", "My car broke down on the motorway"),
    "internet_tv_outage": (
        7,
        0.35,
        0.1,
        None,
        "Mijn internet doet het al twee dagen niet",
        "My internet has been down for two days",
    ),
    "energy_meter_reading": (
        5,
        0.05,
        0.15,
        None,
        "Hoe geef ik mijn meterstand door?",
        "How do I submit my meter reading?",
    ),
    "cancel_subscription": (5, 0.2, 0.35, None, "Ik wil mijn abonnement opzeggen", "I want to cancel my subscription"),
    "store_info": (
        6,
        0.0,
        0.0,
        None,
        "Hoe laat zijn jullie open op zaterdag?",
        "What are your opening hours on Saturday?",
    ),
    "complaint": (
        4,
        0.6,
        0.25,
        None,
        "Ik ben echt ontevreden over hoe dit is gegaan",
        "I am really unhappy with how this went",
    ),
    "report_death": (
        1,
        0.9,
        0.3,
        None,
        "Mijn vader is overleden, wat moet ik doen met zijn contract?",
        "My father passed away, what do I do with his contract?",
    ),
}

FOLLOW_UP_TEXT = {
    "nl": ("Is er al nieuws?", "Ik heb het nummer al eerder gegeven: {e}", "Dank u, dat helpt."),
    "en": ("Any news yet?", "I already gave you the number: {e}", "Thanks, that helps."),
}
BOT_TEXT = {"nl": "Ik help u graag. Hier vindt u het antwoord: ", "en": "Happy to help. Here is the answer: "}
AGENT_TEXT = {"nl": "Ik heb het voor u uitgezocht en geregeld.", "en": "I have looked into it and sorted it out."}

COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "waiting": {
        "nl": ("Ik moest veel te lang wachten op een medewerker.", "Het duurde dagen voor er antwoord kwam."),
        "en": ("I had to wait far too long for someone.", "It took days to get an answer."),
    },
    "bot": {
        "nl": ("De chatbot begreep mijn vraag niet.", "Die robot snapte er niks van."),
        "en": ("The bot did not understand my question.", "The chatbot kept giving the wrong answer."),
    },
    "repeat": {
        "nl": ("Ik moest alles opnieuw vertellen.", "Dit is de derde keer dat ik contact opneem."),
        "en": ("I had to explain everything again.", "This is the third time I have had to ask."),
    },
    "not_resolved": {
        "nl": ("Mijn probleem is nog steeds niet opgelost.", "Geen oplossing gekregen."),
        "en": ("My problem is still not solved.", "Nobody resolved anything."),
    },
    "unfriendly": {
        "nl": ("De medewerker was kortaf en onvriendelijk.",),
        "en": ("The agent was rude and showed no empathy.",),
    },
    "cost": {"nl": ("Ik betaal te veel kosten.",), "en": ("The costs are far too high.",)},
    "praise": {
        "nl": ("Snel en vriendelijk geholpen, dank!", "Prima service."),
        "en": ("Quick and friendly help, thanks!", "Great service."),
    },
}

AGENTS: tuple[tuple[str, str, list[str], list[str], str], ...] = (
    (
        "agt_hist_sanne",
        "Sanne de Vries",
        ["nl"],
        ["order_status", "return_item", "refund_status", "damaged_or_wrong_item", "complaint"],
        "hybrid",
    ),
    (
        "agt_hist_mo",
        "Mohamed El Amrani",
        ["nl", "en"],
        ["payment_problem", "card_lost_stolen", "fraud_report", "invoice_question"],
        "office",
    ),
    ("agt_hist_lotte", "Lotte Bakker", ["nl"], ["insurance_claim", "roadside_assistance", "report_death"], "home"),
    (
        "agt_hist_james",
        "James Walker",
        ["en"],
        ["order_status", "refund_status", "internet_tv_outage", "login_problem"],
        "home",
    ),
    (
        "agt_hist_fatima",
        "Fatima Yilmaz",
        ["nl", "en"],
        ["internet_tv_outage", "energy_meter_reading", "cancel_subscription", "login_problem"],
        "hybrid",
    ),
    ("agt_hist_pieter", "Pieter Jansen", ["nl", "en"], [], "office"),
)

FIRST = (
    "Anna",
    "Bram",
    "Daan",
    "Eva",
    "Fleur",
    "Gijs",
    "Iris",
    "Jesse",
    "Lisa",
    "Noah",
    "Olivia",
    "Sem",
    "Tess",
    "Emma",
    "Liam",
    "Sophie",
    "Oliver",
    "Amelia",
    "Harry",
    "Mila",
)
LAST = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "de Boer",
    "Smith",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Khan",
)


@dataclass
class HistoryStats:
    conversations: int = 0
    customers: int = 0
    messages: int = 0
    surveys: int = 0
    answered: int = 0
    followups: int = 0


@dataclass
class _Rows:
    customers: list[dict[str, Any]] = field(default_factory=list)
    identities: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    pulses: list[dict[str, Any]] = field(default_factory=list)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...] | list[tuple[str, float]]) -> str:
    names = [name for name, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted])[0]


def _clip(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, x))


def _moment(rng: random.Random, start: datetime, days: int) -> datetime:
    """A contact time: weekdays busier than weekends, daytime busier than night."""
    while True:
        day = start + timedelta(days=rng.randrange(days))
        if day.weekday() >= 5 and rng.random() < 0.5:
            continue
        hour = min(23, max(0, int(rng.gauss(13, 3.5))))
        return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)


def generate(
    svc: Service, *, seed: int = 7, conversations: int = 3000, days: int = 90, now: datetime | None = None
) -> HistoryStats:
    """Write the history into the service's database (one transaction)."""
    rng = random.Random(seed)
    now = (now or svc.clock()).replace(microsecond=0)
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0)
    rows = _Rows()
    stats = HistoryStats()
    tag = f"h{seed % 1000}"

    with svc.db.read() as session:
        existing = set(session.scalars(select(Agent.id)))
    agents = [
        {"id": a, "name": n, "languages": langs, "intents": skills, "capacity": 5, "active": True, "created_at": start}
        for a, n, langs, skills, _ in AGENTS
        if a not in existing
    ]
    candidates = [Candidate(a, tuple(langs), tuple(skills), 0) for a, _, langs, skills, _ in AGENTS]
    for agent_id, _, _, _, preference in AGENTS:
        week = start
        while week < now:
            year, number, _ = week.isocalendar()
            score = min(5, max(1, round(rng.gauss(3.7, 0.8))))
            rows.pulses.append(
                {
                    "agent_id": agent_id,
                    "week": f"{year}-W{number:02d}",
                    "score": score,
                    "work_preference": preference,
                    "created_at": week + timedelta(days=4, hours=15),
                }
            )
            week += timedelta(days=7)

    n_customers = max(1, int(conversations * 0.65))
    customers = []
    for i in range(n_customers):
        language = "nl" if rng.random() < 0.7 else "en"
        form = ("formal" if rng.random() < 0.6 else "informal") if language == "nl" else "unknown"
        cid = f"cus_{tag}_{i:06d}"
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        customers.append((cid, language, form))
        rows.customers.append(
            {
                "id": cid,
                "name": name,
                "language": language,
                "form_of_address": form,
                "annual_value_eur": round(rng.lognormvariate(6, 1), 2),
                "tenure_years": round(rng.uniform(0, 15), 1),
                "segment": rng.choice(("standard", "standard", "standard", "gold", "premium")),
                "consents": {},
                "created_at": start,
                "updated_at": start,
            }
        )
        rows.identities.append(
            {
                "customer_id": cid,
                "kind": "email",
                "value": f"{name.lower().replace(' ', '.')}.{tag}{i}@example.org",
                "created_at": start,
            }
        )

    moments = sorted(_moment(rng, start, days) for _ in range(conversations))
    recent: list[tuple[datetime, tuple[str, str, str], str]] = []  # (resolved_at, customer, intent)
    intents = [(name, spec[0]) for name, spec in INTENTS.items()]
    surveyed_at: dict[str, datetime] = {}
    open_load: dict[str, int] = defaultdict(int)

    for i, created in enumerate(moments):
        if created >= now:
            continue
        returning = [r for r in recent if r[0] < created <= r[0] + timedelta(days=6)]
        if returning and rng.random() < 0.12:
            _, customer, intent = rng.choice(returning)
            came_back = True
        else:
            customer = rng.choice(customers)
            intent = _pick(rng, intents)
            came_back = False
        conv = _conversation(
            rng, svc, rows, f"con_{tag}_{i:06d}", customer, intent, created, now, came_back, candidates
        )
        stats.conversations += 1
        if conv["resolved_at"] is not None:
            recent.append((conv["resolved_at"], customer, intent))
            recent = [r for r in recent if r[0] > created - timedelta(days=7)]
            _survey(rng, rows, conv, surveyed_at, candidates, open_load, now)

    with svc.db.write() as session:
        for table, items in (
            (Agent, agents),
            (Customer, rows.customers),
            (Identity, rows.identities),
            (Conversation, rows.conversations),
            (Message, rows.messages),
            (Override, rows.overrides),
            (Event, rows.events),
            (Survey, rows.surveys),
            (FollowUp, rows.followups),
            (AgentPulse, rows.pulses),
        ):
            if items:
                session.execute(insert(table), items)
    stats.customers = len(rows.customers)
    stats.messages = len(rows.messages)
    stats.surveys = len(rows.surveys)
    stats.answered = sum(1 for s in rows.surveys if s["answered_at"] is not None)
    stats.followups = len(rows.followups)
    return stats


def _triage(
    language: str,
    intent: str,
    sentiment: float,
    quadrant: str,
    route: str,
    priority: str,
    entity: tuple[str, str] | None,
    life_event: bool,
) -> dict[str, Any]:
    """The fields of Triage.to_dict() the service and the scorecard read, as the engine would fill them."""
    label = "negative" if sentiment < -0.2 else "positive" if sentiment > 0.2 else "neutral"
    return {
        "id": None,
        "language": language,
        "intent": {"name": intent, "confidence": 0.8, "best_guess": intent, "out_of_scope": False, "alternatives": []},
        "sentiment": {"label": label, "score": round(sentiment, 3)},
        "life_events": [{"name": "bereavement", "evidence": ["overleden"], "spans": []}] if life_event else [],
        "entities": [{"type": entity[0], "value": entity[1], "text": entity[1]}] if entity else [],
        "quadrant": quadrant,
        "route": route,
        "priority": priority,
        "overrides": ["never_automate.bereavement"] if life_event else [],
        "reasons": [],
        "generated": "demo history",
    }


def _conversation(
    rng: random.Random,
    svc: Service,
    rows: _Rows,
    cid: str,
    customer: tuple[str, str, str],
    intent: str,
    created: datetime,
    now: datetime,
    came_back: bool,
    candidates: list[Candidate],
) -> dict[str, Any]:
    customer_id, language, form = customer
    _, e_prior, m_prior, entity_type, nl, en = INTENTS[intent]
    emotional = _clip(e_prior + rng.gauss(0, 0.15) + (0.2 if came_back else 0))
    monetary = _clip(m_prior + rng.gauss(0, 0.15))
    high_e, high_m = emotional >= 0.45, monetary >= 0.45
    quadrant = "C" if high_e and high_m else "B" if high_e else "D" if high_m else "A"
    route = ROUTE_OF_QUADRANT[quadrant]
    priority = PRIORITY_OF_QUADRANT[quadrant]
    bereavement = intent == "report_death"
    if bereavement or intent in ("card_lost_stolen", "fraud_report", "roadside_assistance"):
        route = "human" if intent != "report_death" else "assist"
        priority = "P1" if intent in ("card_lost_stolen", "roadside_assistance") else "P2"
    channel = _pick(rng, CHANNELS)
    sla = svc.sla_minutes(channel, priority)
    entity = (entity_type, str(rng.randrange(100000, 999999))) if entity_type else None
    text = (nl if language == "nl" else en).format(e=entity[1] if entity else "")
    mood = -0.1 - 0.6 * emotional - (0.3 if came_back else 0) + rng.gauss(0, 0.15)

    events: list[tuple[str, datetime, dict[str, Any], str]] = []
    messages: list[dict[str, Any]] = []

    def customer_says(at: datetime, words: str, sentiment: float) -> None:
        messages.append(
            {
                "author": "customer",
                "agent_id": None,
                "text": words,
                "created_at": at,
                "triage": _triage(
                    language,
                    intent,
                    _clip(sentiment, -1, 1),
                    quadrant,
                    route,
                    priority,
                    entity if entity and entity[1] in words else None,
                    bereavement,
                ),
                "route": route,
                "priority": priority,
            }
        )

    customer_says(created, text, mood)
    t = created
    agent_id: str | None = None
    goes_well = rng.random() < (0.8 if not came_back else 0.6)
    by_person = route != "automate"
    if not by_person:
        t += timedelta(seconds=rng.randint(2, 20))
        messages.append(
            {
                "author": "bot",
                "agent_id": None,
                "text": BOT_TEXT[language] + intent,
                "created_at": t,
                "triage": None,
                "route": None,
                "priority": None,
            }
        )
        t += timedelta(minutes=rng.uniform(0.5, 8))  # the customer reads the answer
        if rng.random() < 0.12:  # the bot could not help: escalate
            by_person = True
            t += timedelta(minutes=rng.uniform(1, 5))
            customer_says(t, FOLLOW_UP_TEXT[language][0], mood - 0.2)
            route, priority = "assist", "P3"
            sla = svc.sla_minutes(channel, priority)
    sla_due = created + timedelta(minutes=sla)
    status = "resolved"
    resolved_at: datetime | None = None
    if by_person:
        if route == "assist" or len(messages) > 1:
            t += timedelta(minutes=rng.uniform(1, 6))  # the bot's intake
        events.append(("contact.handoff", t, {}, "engine"))
        busy = 1.6 if 10 <= created.hour <= 15 else 1.0
        wait = rng.lognormvariate(math.log(max(sla, 1) * 0.45 * busy), 0.8)
        if created + timedelta(minutes=wait) >= now:
            status = "waiting_for_agent"
        else:
            # Among the agents with the right skills, anyone may be free: a random load picks one.
            agent_id = pick_agent([_with_load(c, rng.randrange(100)) for c in candidates], intent, language)
            t += timedelta(minutes=wait)
            events.append(("contact.taken_over", t, {"agent_id": agent_id}, f"agent:{agent_id}"))
            if rng.random() < 0.85:
                events.append(("briefing.created", t - timedelta(seconds=30), {}, "bot"))
            if rng.random() < 0.5:
                events.append(("suggestion.used", t + timedelta(seconds=40), {}, f"agent:{agent_id}"))
            if entity and rng.random() < 0.25:  # asked again for what the customer had already said
                customer_says(t + timedelta(minutes=1), FOLLOW_UP_TEXT[language][1].format(e=entity[1]), mood - 0.1)
            t += timedelta(minutes=rng.uniform(1, 4))
            messages.append(
                {
                    "author": "agent",
                    "agent_id": agent_id,
                    "text": AGENT_TEXT[language],
                    "created_at": t,
                    "triage": None,
                    "route": None,
                    "priority": None,
                }
            )
            if rng.random() < 0.05:
                events.append(("contact.handed_back", t, {}, f"agent:{agent_id}"))
                events.append(("contact.handoff", t + timedelta(minutes=2), {}, "engine"))
            if rng.random() < 0.04:
                rows.overrides.append(
                    {
                        "conversation_id": cid,
                        "agent_id": agent_id,
                        "machine_route": route,
                        "new_route": "human",
                        "reason": "needs a specialist",
                        "created_at": t,
                    }
                )
                events.append(("contact.overridden", t, {}, f"agent:{agent_id}"))
            t += timedelta(minutes=rng.lognormvariate(math.log(12), 0.7))
    elif rng.random() < 0.1:
        status = "bot"  # the customer left without an answer that settled it
    if status == "resolved" and t < now:
        if rng.random() < 0.6:
            customer_says(t - timedelta(seconds=30), FOLLOW_UP_TEXT[language][2], mood + (0.8 if goes_well else 0.1))
        resolved_at = t
        actor = f"agent:{agent_id}" if agent_id else "bot"
        events.append(("contact.resolved", t, {"resolution_code": "answered" if goes_well else "partial"}, actor))
        if rng.random() < 0.05:  # reopened and settled again
            customer_says(t + timedelta(hours=3), FOLLOW_UP_TEXT[language][0], mood)
            events.append(("contact.resolved", t + timedelta(hours=4), {"resolution_code": "answered"}, actor))
    elif status == "resolved":
        status = "with_agent" if agent_id else "bot"

    messages.sort(key=lambda m: m["created_at"])
    for m in messages:
        rows.messages.append({"conversation_id": cid, "customer_id": customer_id, "channel": channel, **m})
    for type_, at, payload, actor in sorted(events, key=lambda e: e[1]):
        rows.events.append(
            {
                "type": type_,
                "customer_id": customer_id,
                "conversation_id": cid,
                "actor": actor,
                "payload": payload,
                "created_at": at,
            }
        )
    last = messages[-1]["created_at"]
    rows.conversations.append(
        {
            "id": cid,
            "customer_id": customer_id,
            "channel": channel,
            "status": status,
            "route": route,
            "quadrant": quadrant,
            "priority": priority,
            "intent": intent,
            "language": language,
            "sla_due_at": sla_due,
            "assigned_agent_id": agent_id,
            "resolution_code": "answered" if resolved_at else None,
            "message_count": len(messages),
            "created_at": created,
            "updated_at": max(last, t),
            "last_message_at": last,
        }
    )
    return {
        "id": cid,
        "customer_id": customer_id,
        "language": language,
        "form": form,
        "channel": channel,
        "intent": intent,
        "resolved_at": resolved_at,
        "goes_well": goes_well,
        "by_person": agent_id is not None,
        "came_back": came_back,
        "bereavement": bereavement,
        "wait_long": by_person and t - created > timedelta(minutes=sla),
    }


def _survey(
    rng: random.Random,
    rows: _Rows,
    conv: dict[str, Any],
    surveyed_at: dict[str, datetime],
    candidates: list[Candidate],
    open_load: dict[str, int],
    now: datetime,
) -> None:
    resolved_at: datetime = conv["resolved_at"]
    customer_id = conv["customer_id"]
    if conv["bereavement"] or rng.random() >= 0.6:
        return
    last = surveyed_at.get(customer_id)
    if last is not None and resolved_at - last < timedelta(days=30):
        return
    surveyed_at[customer_id] = resolved_at
    sid = f"srv_{conv['id'][4:]}"
    answered = rng.random() < 0.4 and resolved_at + timedelta(hours=2) < now
    row: dict[str, Any] = {
        "id": sid,
        "conversation_id": conv["id"],
        "customer_id": customer_id,
        "channel": conv["channel"],
        "language": conv["language"],
        "form_of_address": conv["form"],
        "message_id": None,
        "nps": None,
        "ces": None,
        "csat": None,
        "resolved": None,
        "comment": None,
        "comment_analysis": None,
        "created_at": resolved_at,
        "expires_at": resolved_at + timedelta(days=14),
        "answered_at": None,
    }
    rows.surveys.append(row)
    if not answered:
        return
    base = 0.86 if conv["goes_well"] else 0.35
    base += 0.05 if conv["by_person"] else 0.0
    base -= 0.25 if conv["came_back"] else 0.0
    base -= 0.15 if conv["wait_long"] else 0.0
    happy = _clip(base + rng.gauss(0, 0.18))
    answered_at = resolved_at + timedelta(hours=rng.uniform(0.2, 40))
    row["answered_at"] = answered_at
    row["nps"] = round(_clip(happy * 10 + rng.gauss(0.6, 1.0), 0, 10))
    if rng.random() < 0.9:
        row["csat"] = round(_clip(1 + 4 * happy + rng.gauss(0, 0.5), 1, 5))
    if rng.random() < 0.85:
        row["ces"] = round(_clip(1 + 6 * happy + rng.gauss(0, 0.8), 1, 7))
    if rng.random() < 0.9:
        row["resolved"] = conv["goes_well"] or rng.random() < 0.2
    if rng.random() < 0.45:
        if row["nps"] >= 9:
            reason = "praise"
        elif conv["came_back"]:
            reason = "repeat"
        elif conv["wait_long"]:
            reason = "waiting"
        elif not conv["by_person"]:
            reason = rng.choice(("bot", "bot", "not_resolved"))
        else:
            reason = rng.choice(("not_resolved", "unfriendly", "cost", "waiting"))
        row["comment"] = rng.choice(COMMENTS[reason][conv["language"]])
        sentiment = 0.7 if reason == "praise" else -0.6
        row["comment_analysis"] = {
            "intent": "compliment" if reason == "praise" else "complaint",
            "sentiment": sentiment,
            "sentiment_label": "positive" if sentiment > 0 else "negative",
            "reason": "other" if reason == "praise" else reason,
        }
    why = needs_followup(row["nps"], row["resolved"])
    if why is None:
        return
    agent_id = pick_agent([_with_load(c, open_load[c.agent_id]) for c in candidates], conv["intent"], conv["language"])
    due = due_after(answered_at, 1)
    done = due < now and rng.random() < 0.9
    completed = answered_at + timedelta(hours=rng.uniform(1, 40)) if done else None
    if completed is not None and completed > now:
        completed, done = None, False
    if not done and agent_id is not None:
        open_load[agent_id] += 1
    rows.followups.append(
        {
            "id": f"fup_{conv['id'][4:]}",
            "survey_id": sid,
            "conversation_id": conv["id"],
            "customer_id": customer_id,
            "reason": why,
            "comment": row["comment"],
            "intent": conv["intent"],
            "language": conv["language"],
            "assigned_agent_id": agent_id,
            "status": "done" if done else "open",
            "outcome": rng.choice(("called back, apologised and fixed", "credit note sent", "explained, customer ok"))
            if done
            else None,
            "due_at": due,
            "completed_at": completed,
            "completed_by": f"agent:{agent_id}" if done else None,
            "created_at": answered_at,
        }
    )


def _with_load(c: Candidate, load: int) -> Candidate:
    return Candidate(c.agent_id, c.languages, c.intents, load)
