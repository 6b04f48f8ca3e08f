"""decide() on hand-built analyses: quadrants, overrides and reasons, no models involved."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pytest

from humantouch.decision import decide
from humantouch.playbook import Playbook, load_playbook
from humantouch.records import Analysis, CustomerContext, IntentResult, Sentiment, Signal, Span, Urgency


@lru_cache(maxsize=1)
def book() -> Playbook:
    return load_playbook()


def analysis(intent: str = "order_status", confidence: float = 0.95, **changes: object) -> Analysis:
    base = Analysis(
        language="nl",
        language_confidence=0.99,
        normalized="",
        lemmas=(),
        intent=IntentResult(intent, confidence),
        sentiment=Sentiment("neutral", 0.0),
        emotions={"anger": 0.0, "fear": 0.0, "sadness": 0.0, "joy": 0.0},
        urgency=Urgency("normal"),
        life_events=(),
        vulnerability=(),
        wants_human=False,
        wants_human_evidence=(),
        repeat_contact=False,
        repeat_evidence=(),
        entities=(),
        special_categories=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_calm_order_question_is_automated() -> None:
    d = decide(analysis(), None, book())
    assert (d.quadrant, d.route, d.touch, d.priority) == ("A", "automate", "no", "P4")
    assert d.overrides == ()


def test_values_are_the_sum_of_their_reasons() -> None:
    a = analysis(
        "complaint",
        emotions={"anger": 0.9, "fear": 0.0, "sadness": 0.0, "joy": 0.0},
        entities=(Span("MONEY", 0, 5, 0.9, "€ 900", "900.00 EUR"),),
    )
    d = decide(a, CustomerContext(annual_value_eur=2500, tenure_years=5), book())
    emotional = sum(r.weight for r in d.reasons if r.axis == "emotional")
    monetary = sum(r.weight for r in d.reasons if r.axis == "monetary")
    assert d.emotional_value == pytest.approx(min(1.0, emotional))
    assert d.monetary_value == pytest.approx(min(1.0, monetary))
    factors = {r.factor for r in d.reasons}
    assert {"intent_prior", "emotion.anger", "amount_mentioned", "customer_value", "tenure"} <= factors


@pytest.mark.parametrize(
    ("intent", "emotions", "amount", "quadrant", "route"),
    [
        ("order_status", 0.0, None, "A", "automate"),
        ("complaint", 0.9, None, "B", "assist"),
        ("mortgage_loan", 0.0, "250000.00 EUR", "D", "assist"),
        ("insurance_claim", 0.9, "12000.00 EUR", "C", "human"),
    ],
)
def test_quadrants(intent: str, emotions: float, amount: str | None, quadrant: str, route: str) -> None:
    ents = (Span("MONEY", 0, 1, 0.9, "x", amount),) if amount else ()
    a = analysis(intent, emotions={"anger": emotions, "fear": 0.0, "sadness": emotions, "joy": 0.0}, entities=ents)
    d = decide(a, None, book())
    assert (d.quadrant, d.route) == (quadrant, route)


def test_safety_always_wins() -> None:
    a = analysis("store_info", urgency=Urgency("critical", (Signal("safety", ("ruik gas",)),)))
    d = decide(a, None, book())
    assert (d.route, d.priority) == ("human", "P1")
    assert "safety" in d.overrides
    assert any(r.factor == "override.safety" and "ruik gas" in r.evidence for r in d.reasons)


def test_self_harm_goes_to_a_person_at_once() -> None:
    a = analysis("payment_problem", urgency=Urgency("critical", (Signal("self_harm", ("zie het niet meer zitten",)),)))
    assert (decide(a, None, book()).route, decide(a, None, book()).priority) == ("human", "P1")


def test_explicit_request_for_a_person() -> None:
    a = analysis("order_status", wants_human=True, wants_human_evidence=("mens spreken",))
    d = decide(a, None, book())
    assert d.route == "human"
    assert "asked_for_person" in d.overrides


@pytest.mark.parametrize("event", ["bereavement", "serious_illness"])
def test_never_automate_life_events(event: str) -> None:
    a = analysis("cancel_subscription", life_events=(Signal(event, ("x",)),))
    assert decide(a, None, book()).route != "automate"


def test_fraud_in_progress_is_never_automated() -> None:
    a = analysis("store_info", urgency=Urgency("high", (Signal("financial_harm", ("onbekende afschrijving",)),)))
    d = decide(a, None, book())
    assert d.route != "automate"
    assert d.priority <= "P2"


def test_money_charged_or_sent_wrongly_is_never_automated() -> None:
    calm = analysis("invoice_question", 0.99)
    assert decide(calm, None, book()).route == "automate"
    d = decide(replace(calm, money_dispute=("2x afgeschreven",)), None, book())
    assert d.route == "assist"
    assert "money_dispute" in d.overrides
    assert any(r.factor == "override.money_dispute" and "2x afgeschreven" in r.evidence for r in d.reasons)


def test_low_understanding_is_never_automated_on_a_guess() -> None:
    d = decide(analysis("unknown", 0.2), None, book())
    assert d.route == "assist"
    assert "low_understanding" in d.overrides
    d = decide(analysis("order_status", 0.3), None, book())
    assert d.route == "assist"


def test_valuable_customer_moves_money_axis() -> None:
    a = analysis("cancel_subscription")
    plain = decide(a, None, book())
    valued = decide(a, CustomerContext(annual_value_eur=20_000, tenure_years=15, segment="premium"), book())
    assert valued.monetary_value > plain.monetary_value
    assert valued.quadrant == "D" and plain.quadrant == "A"


def test_out_of_scope_with_confidence_is_declined_by_the_bot_not_guessed() -> None:
    # The classifier's own out-of-scope class, confidently: the bot declines politely (no guess to avoid).
    oos = replace(analysis(), intent=IntentResult("unknown", 0.9, best_guess="store_info", out_of_scope=True))
    assert decide(oos, None, book()).route == "automate"
    # The same "unknown" without confidence is a guess, and a person looks.
    unsure = replace(oos, intent=IntentResult("unknown", 0.3, best_guess="store_info", out_of_scope=True))
    d = decide(unsure, None, book())
    assert d.route == "assist" and "low_understanding" in d.overrides


@pytest.mark.parametrize("cue", ["elderly", "confusion", "distress", "minor"])
def test_vulnerable_customers_are_never_automated(cue: str) -> None:
    d = decide(analysis(vulnerability=(Signal(cue, ("ik ben 84",)),)), None, book())
    assert d.route == "assist"
    assert f"vulnerable.{cue}" in d.overrides
    assert any(r.factor == f"override.vulnerable.{cue}" and r.evidence == "ik ben 84" for r in d.reasons)


def test_time_critical_is_never_automated() -> None:
    a = analysis(urgency=Urgency("high", (Signal("time_critical", ("vertrek morgen",)),)))
    d = decide(a, None, book())
    assert d.route == "assist" and "time_critical" in d.overrides


def test_special_category_mentions_are_never_automated() -> None:
    health = Span("health", 10, 20, 1.0, "chemotherapie")
    d = decide(analysis(special_categories=(health,)), None, book())
    assert d.route == "assist"
    assert any(r.factor == "override.special_category" and "health" in r.evidence for r in d.reasons)


def test_unhappy_repeat_contact_goes_to_a_person_with_priority() -> None:
    repeat = {"repeat_contact": True, "repeat_evidence": ("derde keer dat ik bel",)}
    calm = decide(analysis(**repeat), None, book())
    assert "unhappy_repeat_contact" not in calm.overrides
    unhappy = decide(analysis(sentiment=Sentiment("negative", -0.6), **repeat), None, book())
    assert unhappy.route != "automate" and "unhappy_repeat_contact" in unhappy.overrides
    assert unhappy.priority <= "P2"


def test_intents_marked_never_automate_go_to_a_person() -> None:
    assert book().intents["data_privacy_request"].never_automate
    d = decide(analysis("data_privacy_request", 0.99), None, book())
    assert d.route != "automate" and "intent_never_automated" in d.overrides


def test_a_language_the_desk_does_not_serve_goes_to_a_person() -> None:
    spanish = analysis(language="es", language_confidence=0.95, normalized="quiero cancelar mi suscripción")
    d = decide(spanish, None, book())
    assert d.route == "assist" and "other_language" in d.overrides
    assert any(r.factor == "override.other_language" and "es" in r.evidence for r in d.reasons)
    arabic = analysis(language="ar", language_confidence=0.99, normalized="مرحبا، أريد إلغاء اشتراكي")
    assert "other_language" in decide(arabic, None, book()).overrides
    # Chinese has no spaces between words to count: its script says enough.
    text = "我的包裹到现在还没有收到请帮我查一下订单状态谢谢"
    chinese = analysis(language="zh", language_confidence=1.0, normalized=text)
    assert "other_language" in decide(chinese, None, book()).overrides
    # An unsure reading, two words read as French, or "unknown" is no reason.
    for lang, conf, text in [
        ("fr", 0.56, "est-ce que vous pouvez"),
        ("fr", 0.8, "cancel contract"),
        ("unknown", 0.0, "quiero cancelar mi suscripción"),
        ("en", 0.95, "please cancel my contract"),
    ]:
        d = decide(analysis(language=lang, language_confidence=conf, normalized=text), None, book())
        assert d.route == "automate", (lang, conf, text)
