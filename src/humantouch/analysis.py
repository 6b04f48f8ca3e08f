"""`analyze`: what one customer message says, as a plain Analysis record.

The steps run in a straight line over one draft: language, tokens and lemmas,
rules, entities, intent, emotions, then the signals derived from them. The
models are passed in already loaded; embeddings may be passed in precomputed so
bulk triage encodes whole batches at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from humantouch import entities as entity_recognisers
from humantouch.intents import IntentClassifier, IntentScores
from humantouch.language import LanguageDetector, identify_language
from humantouch.lexicon import Hit, Lexicon, hits_to_spans
from humantouch.models import Matrix
from humantouch.playbook import Playbook
from humantouch.records import Analysis, Contact, IntentResult, Signal, Span, Urgency, UrgencyLevel
from humantouch.sentiment import EmotionModel, combine, sentiment_of
from humantouch.text import Token, lemmas, normalize, tokenize

UNKNOWN = "unknown"
CALM_INTENTS = frozenset({"greeting", "thanks", "compliment", "store_info", "product_info"})
# Intents that mean money is being lost now, when the classifier is sure of them.
FINANCIAL_HARM_INTENTS = frozenset({"fraud_report", "card_lost_stolen"})
# A reply this short ("ja", "klopt", "nee") is read together with the conversation so far.
SHORT_REPLY_TOKENS = 3


@dataclass(frozen=True, slots=True)
class Models:
    """Everything `analyze` needs, loaded once by the engine."""

    playbook: Playbook
    lexicon: Lexicon
    detector: LanguageDetector
    intents: IntentClassifier
    emotions: EmotionModel


def intent_text(contact: Contact) -> str:
    """The text the intent classifier reads: the message, or with its context when it is a short reply."""
    if contact.history and len(normalize(contact.text).split()) <= SHORT_REPLY_TOKENS:
        return " ".join((*contact.history[-2:], contact.text))
    return contact.text


def _signals(hits: Sequence[Hit], prefix: str, base: int) -> tuple[Signal, ...]:
    by_name: dict[str, list[Hit]] = {}
    for h in hits:
        if h.group.startswith(prefix):
            by_name.setdefault(h.group[len(prefix) :], []).append(h)
    out = []
    for name, group_hits in sorted(by_name.items()):
        evidence = tuple(dict.fromkeys(h.text for h in group_hits))
        spans = tuple(Span(name, h.start - base, h.end - base, 0.9, h.text) for h in group_hits if h.start >= base)
        out.append(Signal(name, evidence, spans))
    return tuple(out)


def _intent(scores: IntentScores, row: int, playbook: Playbook) -> IntentResult:
    probs = scores.probabilities[row]
    # One conversion to Python floats for all labels, not a numpy scalar per label (the same values).
    values = probs.tolist()
    labels = scores.labels
    ranked = [(labels[i], values[i]) for i in probs.argsort()[::-1].tolist()]
    t = playbook.thresholds
    spec = playbook.intents.get(ranked[0][0])
    if spec is not None and spec.meta:
        k = next((i for i, (n, _) in enumerate(ranked) if n in playbook.intents and not playbook.intents[n].meta), 0)
        if k and ranked[k][1] >= t.topic_over_meta:
            ranked.insert(0, ranked.pop(k))
    best, confidence = ranked[0]
    in_scope = [(n, p) for n, p in ranked if n != UNKNOWN]
    guess = in_scope[0][0] if in_scope else None
    alternatives = tuple(in_scope[1:4] if best != UNKNOWN else in_scope[:3])
    if best == UNKNOWN:
        return IntentResult(UNKNOWN, confidence, alternatives, best_guess=guess, out_of_scope=True)
    if confidence < t.intent_min_confidence or float(scores.nearest_similarity[row]) < t.out_of_scope_similarity:
        return IntentResult(UNKNOWN, confidence, alternatives, best_guess=guess)
    return IntentResult(best, confidence, alternatives, best_guess=guess)


def _urgency(hits: Sequence[Hit], intent: IntentResult, negative: bool, base: int) -> Urgency:
    reasons = list(_signals(hits, "urgency.", base))
    names = {r.name for r in reasons}
    if intent.name in FINANCIAL_HARM_INTENTS and intent.confidence >= 0.5 and "financial_harm" not in names:
        reasons.append(Signal("financial_harm", (f"intent {intent.name} ({intent.confidence:.2f})",)))
        names.add("financial_harm")
    level: UrgencyLevel
    if names & {"safety", "self_harm"}:
        level = "critical"
    elif names & {"financial_harm", "time_critical"}:
        level = "high"
    elif intent.name in CALM_INTENTS and not negative:
        level = "low"
    else:
        level = "normal"
    return Urgency(level, tuple(reasons))


def analyze(
    contact: Contact,
    models: Models,
    scores: IntentScores,
    row: int,
    embeddings: Matrix,
) -> Analysis:
    """Analyse one contact; `scores[row]` and `embeddings[row]` are its precomputed model outputs."""
    playbook = models.playbook
    text = contact.text
    # Rules also read the earlier customer messages: a bereavement mentioned two
    # messages ago still matters now. Offsets into `text` start after the history.
    context = "\n".join((*contact.history, text)) if contact.history else text
    base = len(context) - len(text)
    normalized_all = normalize(context)
    tokens_all = tokenize(normalized_all)
    tokens: list[Token] = [t for t in tokens_all if t.start >= base] if base else tokens_all

    customer = contact.customer
    lang, lang_conf = identify_language(models.detector, text, tokens, customer.language if customer else None)

    hits = models.lexicon.match(context, tokens_all)
    own_hits = [h for h in hits if h.start >= base] if base else hits  # in this message, not the history
    found = entity_recognisers.extract(text)

    intent = _intent(scores, row, playbook)
    emotions = combine(models.emotions.probabilities(embeddings[row : row + 1])[0], own_hits)
    sentiment = sentiment_of(emotions, playbook.thresholds.emotion_present)
    urgency = _urgency(hits, intent, sentiment.label == "negative", base)

    life_events = list(_signals(hits, "life_event.", base))
    if intent.name == "report_death" and intent.confidence >= 0.5 and all(e.name != "bereavement" for e in life_events):
        life_events.append(Signal("bereavement", (f"intent report_death ({intent.confidence:.2f})",)))

    wants_evidence = tuple(dict.fromkeys(h.text for h in own_hits if h.group == "wants_human"))
    # The classifier's request_human, also when a topical intent took first place (IntentSpec.meta).
    person = dict((*intent.alternatives, (intent.name, intent.confidence))).get("request_human", 0.0)
    if person >= 0.5:
        wants_evidence = (*wants_evidence, f"intent request_human ({person:.2f})")

    repeat_evidence = tuple(dict.fromkeys(h.text for h in hits if h.group == "repeat_contact"))
    # Said earlier in the conversation still counts: the money is still in dispute.
    money_dispute = tuple(dict.fromkeys(h.text for h in hits if h.group == "money_dispute"))
    if customer and customer.recent_contacts >= 2:
        repeat_evidence = (*repeat_evidence, f"{customer.recent_contacts} contacts in the last 7 days")

    return Analysis(
        language=lang,
        language_confidence=lang_conf,
        normalized=normalized_all if base == 0 else normalize(text),
        lemmas=lemmas(tokens, lang),
        intent=intent,
        sentiment=sentiment,
        emotions=emotions,
        urgency=urgency,
        life_events=tuple(life_events),
        vulnerability=_signals(hits, "vulnerability.", base),
        wants_human=bool(wants_evidence),
        wants_human_evidence=wants_evidence,
        repeat_contact=bool(repeat_evidence),
        repeat_evidence=repeat_evidence,
        entities=found,
        special_categories=tuple(
            Span(s.type, s.start - base, s.end - base, s.score, s.text) for s in hits_to_spans(own_hits, "special.")
        ),
        money_dispute=money_dispute,
    )
