"""Plain records that the analysis and decision stages hand each other.

Every record is a frozen dataclass without behaviour beyond serialisation, so a
stage can never change what an earlier stage found, and a record can be stored,
sent over a webhook or shown to an auditor as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

Route = Literal["automate", "assist", "human"]
Quadrant = Literal["A", "B", "C", "D"]
Touch = Literal["no", "low", "high"]
Priority = Literal["P1", "P2", "P3", "P4"]
UrgencyLevel = Literal["critical", "high", "normal", "low"]
SentimentLabel = Literal["negative", "neutral", "positive"]
FormOfAddress = Literal["formal", "informal", "unknown"]

EMOTIONS = ("anger", "fear", "sadness", "joy")


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the message: an entity, a special-category mention or a rule hit."""

    type: str
    start: int
    end: int
    score: float
    text: str
    value: str | None = None  # normalised value, e.g. "8500.00 EUR" for "8.500 euro"


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule signal (life event, vulnerability cue, urgency reason) with the words that fired it."""

    name: str
    evidence: tuple[str, ...]
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerContext:
    annual_value_eur: float | None = None
    tenure_years: float | None = None
    segment: str | None = None
    name: str | None = None
    form_of_address: FormOfAddress | None = None
    language: str | None = None
    # Contacts of this customer on the same intent in the last 7 days, as the
    # service knows them from its database; it feeds the repeat-contact signal.
    recent_contacts: int = 0


@dataclass(frozen=True, slots=True)
class Contact:
    """One inbound customer message with what is known around it."""

    text: str
    channel: str = "chat"
    customer: CustomerContext | None = None
    # Earlier customer messages of the same conversation, oldest first.
    history: tuple[str, ...] = ()
    id: str | None = None


@dataclass(frozen=True, slots=True)
class IntentResult:
    name: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    # The in-scope intent the classifier preferred, also when the result is "unknown".
    best_guess: str | None = None
    # True when "unknown" is the classifier's own out-of-scope class winning (the message is
    # recognisably not for this desk), False when it means "not sure what this is".
    out_of_scope: bool = False


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: SentimentLabel
    score: float  # -1 (very negative) .. 1 (very positive)


@dataclass(frozen=True, slots=True)
class Reason:
    """One explained contribution to a decision: shown to agents and auditors."""

    factor: str
    weight: float
    evidence: str
    axis: str = ""  # "emotional", "monetary", "override", "understanding"


@dataclass(frozen=True, slots=True)
class Urgency:
    level: UrgencyLevel
    reasons: tuple[Signal, ...] = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    language: str
    language_confidence: float
    normalized: str
    lemmas: tuple[str, ...]
    intent: IntentResult
    sentiment: Sentiment
    emotions: dict[str, float]
    urgency: Urgency
    life_events: tuple[Signal, ...]
    vulnerability: tuple[Signal, ...]
    wants_human: bool
    wants_human_evidence: tuple[str, ...]
    repeat_contact: bool
    repeat_evidence: tuple[str, ...]
    entities: tuple[Span, ...]
    special_categories: tuple[Span, ...]
    # Evidence that the customer says money was charged, billed or sent wrongly ("2x afgeschreven").
    money_dispute: tuple[str, ...] = ()

    def signal_names(self) -> set[str]:
        return {s.name for s in (*self.life_events, *self.vulnerability, *self.urgency.reasons)}


@dataclass(frozen=True, slots=True)
class Decision:
    emotional_value: float
    monetary_value: float
    quadrant: Quadrant
    route: Route
    touch: Touch
    priority: Priority
    overrides: tuple[str, ...]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Triage:
    """What the engine says about one contact."""

    analysis: Analysis
    decision: Decision
    id: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `humantouch triage --json` and the HTTP API."""
        a, d = self.analysis, self.decision
        return {
            "id": self.id,
            "language": a.language,
            "language_confidence": round(a.language_confidence, 3),
            "intent": {
                "name": a.intent.name,
                "confidence": round(a.intent.confidence, 3),
                "best_guess": a.intent.best_guess,
                "out_of_scope": a.intent.out_of_scope,
                "alternatives": [{"name": n, "confidence": round(c, 3)} for n, c in a.intent.alternatives],
            },
            "sentiment": {"label": a.sentiment.label, "score": round(a.sentiment.score, 3)},
            "emotions": {k: round(v, 3) for k, v in a.emotions.items()},
            "urgency": {"level": a.urgency.level, "reasons": [to_plain(s) for s in a.urgency.reasons]},
            "life_events": [to_plain(s) for s in a.life_events],
            "vulnerability": [to_plain(s) for s in a.vulnerability],
            "wants_human": a.wants_human,
            "repeat_contact": a.repeat_contact,
            "money_dispute": list(a.money_dispute),
            "entities": [to_plain(s) for s in a.entities],
            "special_categories": [to_plain(s) for s in a.special_categories],
            "emotional_value": round(d.emotional_value, 3),
            "monetary_value": round(d.monetary_value, 3),
            "quadrant": d.quadrant,
            "route": d.route,
            "priority": d.priority,
            "touch": d.touch,
            "overrides": list(d.overrides),
            "reasons": [to_plain(r) for r in d.reasons],
        }


def to_plain(obj: Any) -> Any:
    """Turn records (and tuples of them) into JSON-ready dicts and lists."""
    if is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name == "weight" and isinstance(value, float):
                value = round(value, 3)
            out[f.name] = to_plain(value)
        return out
    if isinstance(obj, tuple | list):
        return [to_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    return obj
