"""`decide`: where the human touch goes, with every reason that led there.

Emotional and monetary value are sums of explained contributions, each a
Reason with its weight and evidence; the quadrant follows from the two values
and the playbook's thresholds, the route from the quadrant, and a few
overrides always win (safety, an explicit request for a person, bereavement,
fraud, money charged or sent wrongly, not understanding the customer, a language the desk does
not serve).
"""

from __future__ import annotations

import math

from humantouch.entities import largest_amount_eur
from humantouch.language import enough_to_tell
from humantouch.playbook import Playbook
from humantouch.records import (
    Analysis,
    CustomerContext,
    Decision,
    Priority,
    Quadrant,
    Reason,
    Route,
    Touch,
)

ROUTE_OF_QUADRANT: dict[str, Route] = {"A": "automate", "B": "assist", "C": "human", "D": "assist"}
TOUCH_OF_ROUTE: dict[str, Touch] = {"automate": "no", "assist": "low", "human": "high"}
ROUTE_RANK = {"automate": 0, "assist": 1, "human": 2}


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _emotional(a: Analysis, playbook: Playbook) -> list[Reason]:
    w = playbook.weights
    out: list[Reason] = []
    spec = playbook.intents.get(a.intent.name)
    if spec and spec.emotional_prior > 0:
        out.append(
            Reason(
                "intent_prior",
                spec.emotional_prior * a.intent.confidence,
                f"intent {a.intent.name} (prior {spec.emotional_prior}, confidence {a.intent.confidence:.2f})",
                "emotional",
            )
        )
    for emotion, weight in w.emotion.items():
        score = a.emotions.get(emotion, 0.0)
        if score >= playbook.thresholds.emotion_present:
            out.append(Reason(f"emotion.{emotion}", weight * score, f"{emotion} {score:.2f}", "emotional"))
    if a.urgency.level in ("critical", "high"):
        names = ", ".join(f"{r.name}: {'; '.join(r.evidence)}" for r in a.urgency.reasons)
        out.append(Reason(f"urgency.{a.urgency.level}", w.urgency.get(a.urgency.level, 0.0), names, "emotional"))
    for event in a.life_events:
        le = playbook.life_events.get(event.name)
        if le and le.emotional > 0:
            out.append(Reason(f"life_event.{event.name}", le.emotional, "; ".join(event.evidence), "emotional"))
    for cue in a.vulnerability:
        weight = w.vulnerability.get(cue.name, 0.0)
        if weight > 0:
            out.append(Reason(f"vulnerability.{cue.name}", weight, "; ".join(cue.evidence), "emotional"))
    if a.repeat_contact:
        out.append(Reason("repeat_contact", w.repeat_contact, "; ".join(a.repeat_evidence), "emotional"))
    return out


def _monetary(a: Analysis, customer: CustomerContext | None, playbook: Playbook) -> list[Reason]:
    w = playbook.weights
    out: list[Reason] = []
    spec = playbook.intents.get(a.intent.name)
    if spec and spec.monetary_prior > 0:
        out.append(
            Reason(
                "intent_value",
                spec.monetary_prior * a.intent.confidence,
                f"intent {a.intent.name} (typical value {spec.monetary_prior}, confidence {a.intent.confidence:.2f})",
                "monetary",
            )
        )
    amount = largest_amount_eur(a.entities)
    scale = w.amount
    if amount > scale.low_eur:
        frac = _clip(math.log(amount / scale.low_eur) / math.log(scale.high_eur / scale.low_eur))
        out.append(Reason("amount_mentioned", scale.weight * frac, f"{amount:,.2f} EUR mentioned", "monetary"))
    for event in a.life_events:
        le = playbook.life_events.get(event.name)
        if le and le.monetary > 0:
            out.append(Reason(f"life_event.{event.name}", le.monetary, "; ".join(event.evidence), "monetary"))
    if customer is not None:
        if customer.annual_value_eur:
            cv = w.customer_value
            frac = _clip(customer.annual_value_eur / cv.high_value_eur)
            out.append(
                Reason(
                    "customer_value", cv.weight * frac, f"annual value {customer.annual_value_eur:,.0f} EUR", "monetary"
                )
            )
        if customer.tenure_years:
            tw = w.tenure
            frac = _clip(customer.tenure_years / tw.years_for_full)
            out.append(Reason("tenure", tw.weight * frac, f"customer for {customer.tenure_years:g} years", "monetary"))
        if customer.segment and customer.segment.lower() in w.segment:
            out.append(
                Reason("segment", w.segment[customer.segment.lower()], f"segment {customer.segment}", "monetary")
            )
    return out


def decide(a: Analysis, customer: CustomerContext | None, playbook: Playbook) -> Decision:
    emotional_reasons = _emotional(a, playbook)
    monetary_reasons = _monetary(a, customer, playbook)
    emotional = _clip(sum(r.weight for r in emotional_reasons))
    monetary = _clip(sum(r.weight for r in monetary_reasons))
    t = playbook.thresholds
    high_e, high_m = emotional >= t.emotional_high, monetary >= t.monetary_high
    quadrant: Quadrant = "C" if high_e and high_m else "B" if high_e else "D" if high_m else "A"
    route: Route = ROUTE_OF_QUADRANT[quadrant]
    priority: Priority = {"A": "P4", "B": "P3", "C": "P2", "D": "P3"}[quadrant]  # type: ignore[assignment]
    overrides: list[str] = []
    override_reasons: list[Reason] = []

    def at_least(new_route: Route, rule: str, evidence: str, new_priority: Priority | None = None) -> None:
        nonlocal route, priority
        if ROUTE_RANK[new_route] > ROUTE_RANK[route]:
            route = new_route
        if new_priority is not None and new_priority < priority:
            priority = new_priority
        overrides.append(rule)
        override_reasons.append(Reason(f"override.{rule}", 1.0, evidence, "override"))

    urgent = {r.name: r for r in a.urgency.reasons}
    for name in ("safety", "self_harm"):
        if name in urgent:
            at_least("human", name, "; ".join(urgent[name].evidence), "P1")
    if a.wants_human:
        at_least("human", "asked_for_person", "; ".join(a.wants_human_evidence), "P2")
    for event in a.life_events:
        le = playbook.life_events.get(event.name)
        if le and le.never_automate:
            at_least("assist", f"never_automate.{event.name}", "; ".join(event.evidence))
    if "financial_harm" in urgent:
        at_least("assist", "financial_harm", "; ".join(urgent["financial_harm"].evidence), "P2")
    if "time_critical" in urgent:
        at_least("assist", "time_critical", "; ".join(urgent["time_critical"].evidence))
    for cue in a.vulnerability:
        at_least("assist", f"vulnerable.{cue.name}", "; ".join(cue.evidence))
    if a.special_categories:
        kinds = sorted({s.type for s in a.special_categories})
        at_least(
            "assist",
            "special_category",
            f"mentions {', '.join(kinds)}: " + "; ".join(s.text for s in a.special_categories[:3]),
        )
    # The bot can explain a bill; it cannot correct one or get money back.
    if a.money_dispute:
        at_least("assist", "money_dispute", "; ".join(a.money_dispute))
    if a.repeat_contact and a.sentiment.label == "negative":
        at_least("assist", "unhappy_repeat_contact", "; ".join(a.repeat_evidence))
    # A message in a language the desk does not serve is read by a person who can (agents' language
    # skills): the bot would answer in the desk's language, and its understanding rests on fewer words.
    # Two words ("cancel contract", "retour sturen?") are too few to tell a language by.
    if (
        a.language not in playbook.languages
        and a.language != "unknown"
        and a.language_confidence >= t.other_language_min_confidence
        and enough_to_tell(a.normalized)
    ):
        at_least(
            "assist",
            "other_language",
            f"written in {a.language} (confidence {a.language_confidence:.2f}); the bot answers in "
            + ", ".join(playbook.languages),
        )
    spec = playbook.intents.get(a.intent.name)
    if spec is not None and spec.never_automate:
        at_least("assist", "intent_never_automated", f"intent {a.intent.name}")
    # Not understanding is never automated on a guess. A message the classifier
    # confidently places outside the desk's scope is no guess: the bot declines
    # politely and says how to reach a person.
    declined = a.intent.out_of_scope and a.intent.confidence >= t.automate_min_confidence
    if not declined and (a.intent.name == "unknown" or a.intent.confidence < t.automate_min_confidence):
        guess = a.intent.best_guess or a.intent.name
        at_least(
            "assist",
            "low_understanding",
            f"intent {a.intent.name} (best guess {guess}, confidence {a.intent.confidence:.2f})",
        )

    if a.sentiment.label == "negative" and a.repeat_contact and priority > "P2" and route != "automate":
        priority = "P2"
    touch: Touch = TOUCH_OF_ROUTE[route]
    # Only the override rules that changed or confirmed something are listed; the
    # contributions come first so a reader sees the weighing before the rules.
    return Decision(
        emotional_value=emotional,
        monetary_value=monetary,
        quadrant=quadrant,
        route=route,
        touch=touch,
        priority=priority,
        overrides=tuple(overrides),
        reasons=(*emotional_reasons, *monetary_reasons, *override_reasons),
    )
