"""The whole engine on the in-package doubles: the JSON contract, batching, history, customer context."""

from __future__ import annotations

import pytest

from humantouch.records import Contact, CustomerContext
from tests.support.engine import double_engine

CONTRACT = {
    "id",
    "language",
    "intent",
    "sentiment",
    "emotions",
    "urgency",
    "life_events",
    "wants_human",
    "entities",
    "special_categories",
    "emotional_value",
    "monetary_value",
    "quadrant",
    "route",
    "priority",
    "touch",
    "reasons",
}


def test_contract_fields() -> None:
    out = double_engine().triage(Contact("waar blijft mijn pakket, ordernummer 40012345", id="x1")).to_dict()
    assert set(out) >= CONTRACT
    assert out["id"] == "x1"
    assert set(out["intent"]) >= {"name", "confidence"}
    assert set(out["sentiment"]) == {"label", "score"}
    assert set(out["urgency"]) == {"level", "reasons"}
    assert all(set(r) >= {"factor", "weight", "evidence"} for r in out["reasons"])
    assert {"type": "ORDER_NUMBER", "text": "40012345"}.items() <= out["entities"][0].items()
    assert 0.0 <= out["emotional_value"] <= 1.0 and 0.0 <= out["monetary_value"] <= 1.0


def test_batch_equals_single() -> None:
    engine = double_engine()
    texts = ["ik wil mijn abonnement opzeggen", "where is my parcel", "hoi", "mijn pas is gestolen"]
    batch = engine.triage_many([Contact(t) for t in texts])
    single = [engine.triage(Contact(t)) for t in texts]
    assert [b.to_dict()["route"] for b in batch] == [s.to_dict()["route"] for s in single]
    assert [b.analysis.intent.name for b in batch] == [s.analysis.intent.name for s in single]
    # Batched and single matrix products may differ in the last bits, not more.
    for b, s in zip(batch, single, strict=True):
        assert b.analysis.intent.confidence == pytest.approx(s.analysis.intent.confidence, abs=1e-6)


def test_never_crashes_on_odd_input() -> None:
    engine = double_engine()
    for text in ["", " ", "🙂🙂🙂", "x" * 5000, "Guten Tag, wo ist mein Paket?", "\x00\x01", "123"]:
        out = engine.triage(Contact(text)).to_dict()
        assert out["route"] in {"automate", "assist", "human"}


def test_customer_context_raises_monetary_value() -> None:
    engine = double_engine()
    plain = engine.triage(Contact("ik wil opzeggen"))
    rich = engine.triage(Contact("ik wil opzeggen", customer=CustomerContext(annual_value_eur=9000, tenure_years=12)))
    assert rich.decision.monetary_value > plain.decision.monetary_value


def test_recent_contacts_make_a_repeat_contact() -> None:
    engine = double_engine()
    t = engine.triage(Contact("waar blijft mijn pakket", customer=CustomerContext(recent_contacts=3)))
    assert t.analysis.repeat_contact
    assert any(r.factor == "repeat_contact" for r in t.decision.reasons)


def test_history_is_read_for_signals_and_short_replies() -> None:
    engine = double_engine()
    t = engine.triage(Contact("ja", history=("mijn man is vorige week overleden", "moet ik iets regelen?")))
    assert "bereavement" in {e.name for e in t.analysis.life_events}
    assert t.decision.route != "automate"


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("waarom ben ik 2x afgeschreven voor dezelfde maand?", "2x afgeschreven"),
        ("Ik heb die factuur allang betaald maar kreeg toch een aanmaning", "allang betaald"),
        ("het bedrag op mijn factuur klopt niet", "bedrag op mijn factuur klopt niet"),
        ("You charged me twice for March", "charged me twice"),
        ("I sent 80 euro to the wrong account, can it be reversed?", "wrong account"),
    ],
)
def test_money_disputes_are_read_in_both_languages(text: str, evidence: str) -> None:
    t = double_engine().triage(Contact(text))
    assert evidence in t.analysis.money_dispute
    assert t.to_dict()["money_dispute"] == list(t.analysis.money_dispute)
    assert "money_dispute" in t.decision.overrides


@pytest.mark.parametrize(
    "text",
    ["ik heb nog niet betaald, kan dat ook later?", "I was not charged twice, all good", "het adres klopt niet"],
)
def test_no_money_dispute_without_one(text: str) -> None:
    assert double_engine().triage(Contact(text)).analysis.money_dispute == ()
