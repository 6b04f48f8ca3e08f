"""Knowledge articles and hybrid retrieval, on small article folders and the hashing encoder double."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from humantouch.errors import PlaybookError
from humantouch.evaluation.retrieval import score
from humantouch.knowledge import Hit, KnowledgeIndex, Retrieval, load_articles
from humantouch.models import CachedEncoder, HashingEncoder, Matrix

ARTICLES = {
    "order.nl.md": "---\nid: order\nlang: nl\ntitle: Waar is mijn bestelling?\nintents: [order_status]\n---\n"
    "Volg uw pakket met de track en trace code uit de verzendmail. Bezorging duurt 1 tot 3 werkdagen.",
    "order.en.md": "---\nid: order\nlang: en\ntitle: Where is my order?\n---\n"
    "Track your parcel with the tracking code in the shipping e-mail. Delivery takes 1 to 3 working days.",
    "card.nl.md": "---\nid: card\nlang: nl\ntitle: Pas kwijt of gestolen\n---\n"
    "Blokkeer uw bankpas direct in de app onder Kaarten, of bel de blokkeerlijn. "
    "U krijgt binnen 5 dagen een nieuwe pas.",
}


def folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def index(tmp_path: Path, min_similarity: float = 0.0) -> KnowledgeIndex:
    return KnowledgeIndex(load_articles(folder(tmp_path, ARTICLES)), CachedEncoder(HashingEncoder()), min_similarity)


def test_parses_front_matter(tmp_path: Path) -> None:
    arts = {a.id + "." + a.lang: a for a in load_articles(folder(tmp_path, ARTICLES))}
    assert arts["order.nl"].title == "Waar is mijn bestelling?"
    assert arts["order.nl"].intents == ("order_status",)
    assert arts["card.nl"].body.startswith("Blokkeer")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("no front matter", "(front matter)"),
        ("---\nid: x\nlang: nl\n", "(front matter)"),
        ("---\nlang: nl\ntitle: T\n---\nbody", "id"),
        ("---\nid: x\nlang: nl\ntitle: T\nintents: 5\n---\nbody", "intents"),
        ("---\nid: x\nlang: nl\ntitle: T\n---\n   ", "(body)"),
    ],
)
def test_bad_articles_name_the_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    (tmp_path / "bad.md").write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError) as info:
        load_articles(tmp_path)
    assert info.value.field == field and str(tmp_path / "bad.md") in str(info.value)


ORDER_JE = (
    "---\nid: order\nlang: nl\nform: je\ntitle: Waar is mijn bestelling?\nintents: [order_status]\n---\n"
    "Volg je pakket met de track en trace code uit de verzendmail. Bezorging duurt 1 tot 3 werkdagen."
)


def test_a_variant_in_another_form_of_address(tmp_path: Path) -> None:
    arts = {(a.id, a.lang, a.form): a for a in load_articles(folder(tmp_path, ARTICLES | {"order.nl.je.md": ORDER_JE}))}
    assert arts[("order", "nl", None)].body.startswith("Volg uw pakket")
    assert arts[("order", "nl", "je")].body.startswith("Volg je pakket")


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ({"order.nl.u.md": ORDER_JE.replace("form: je", "form: u")}, "form", "must be one of je"),
        ({"order.nl.je.md": ORDER_JE.replace("form: je", "form: [je]")}, "form", "must be one of je"),
        ({"card.en.je.md": ORDER_JE.replace("id: order\nlang: nl", "id: card\nlang: en")}, "id", "needs a default"),
        ({"order.nl.je.md": ORDER_JE, "order.nl.je2.md": ORDER_JE}, "form", "a second 'je' variant"),
    ],
)
def test_bad_variants_name_the_file_and_field(tmp_path: Path, files: dict[str, str], field: str, message: str) -> None:
    folder(tmp_path, ARTICLES | files)
    with pytest.raises(PlaybookError, match=message) as info:
        load_articles(tmp_path)
    assert info.value.field == field and str(tmp_path / sorted(files)[-1]) in str(info.value)


def test_the_index_ranks_default_articles_and_keeps_variants_aside(tmp_path: Path) -> None:
    encoder = CachedEncoder(HashingEncoder())
    plain = KnowledgeIndex(load_articles(folder(tmp_path, ARTICLES)), encoder)
    both = KnowledgeIndex(load_articles(folder(tmp_path, {"order.nl.je.md": ORDER_JE})), encoder)
    assert [(a.id, a.lang) for a in both.articles] == [(a.id, a.lang) for a in plain.articles]
    for question in ("volg je pakket met de track en trace code", "waar is mijn bestelling", "pas gestolen"):
        assert both.search(question, "nl") == plain.search(question, "nl")
    variant = both.variant("order", "nl", "je")
    assert variant is not None and variant.form == "je" and variant.body.startswith("Volg je pakket")
    assert both.variant("order", "en", "je") is None and both.variant("card", "nl", "je") is None
    assert both.variant("order", "nl", None) is None


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match=r"no \.md articles"):
        load_articles(tmp_path)


def test_finds_the_article_in_the_question_language(tmp_path: Path) -> None:
    idx = index(tmp_path)
    r = idx.search("mijn pakket is nog niet bezorgd, waar is mijn bestelling", "nl")
    assert r.best is not None and (r.best.article_id, r.best.lang) == ("order", "nl")
    r = idx.search("my bank card was stolen", "en")
    assert all(h.lang == "en" for h in r.hits)


def test_refuses_below_the_threshold(tmp_path: Path) -> None:
    idx = index(tmp_path, min_similarity=0.99)
    assert not idx.search("waar is mijn bestelling", "nl").confident
    idx.min_similarity = 0.0
    assert idx.search("waar is mijn bestelling", "nl").confident


def test_packaged_knowledge_base_loads() -> None:
    arts = load_articles()
    assert len(arts) >= 30
    assert {a.lang for a in arts} == {"nl", "en"}


_FORMAL = re.compile(r"\b(?:u|uw|uzelf)\b", re.IGNORECASE)
_INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw)\b", re.IGNORECASE)


def test_every_dutch_article_has_an_informal_variant_with_the_same_facts() -> None:
    arts = load_articles()
    variants = {(a.id, a.lang): a for a in arts if a.form == "je"}
    dutch = [a for a in arts if a.lang == "nl" and a.form is None]
    assert dutch and {a.id for a in dutch} == {i for i, lang in variants if lang == "nl"}
    for a in dutch:
        je = variants[(a.id, "nl")]
        assert je.intents == a.intents, a.id
        text = f"{je.title}\n{je.body}"
        assert _INFORMAL.search(text) and not _FORMAL.search(text), a.id
        # Every number, amount, phone number and time as in the default text.
        assert sorted(re.findall(r"\d+", je.body)) == sorted(re.findall(r"\d+", a.body)), a.id


def _r(article: str | None, confident: bool) -> Retrieval:
    hits = (Hit(article, "nl", "t", 1.0, 0.5, 1.0),) if article else ()
    return Retrieval(hits, confident)


def test_score_by_hand() -> None:
    qs = [{"answer": "a"}, {"answer": "b"}, {"answer": "c"}, {"answer": None}, {"answer": None}]
    rs = [_r("a", True), _r("b", False), _r("x", True), _r("a", True), _r(None, False)]
    s = score(qs, rs)
    assert s["top1_answered_correctly"] == round(1 / 3, 4)  # b was refused, c was wrong
    assert s["top1_ranking"] == round(2 / 3, 4)
    assert s["correct_refusals"] == 0.5


def test_with_intents_the_confidence_follows_the_classifier(tmp_path: Path) -> None:
    idx = index(tmp_path)
    question = "waar is mijn bestelling"
    sure = idx.search(question, "nl", intents={"order_status": 0.97, "unknown": 0.03})
    unsure = idx.search(question, "nl", intents={"order_status": 0.02, "other": 0.98})
    assert sure.best is not None and sure.best.article_id == "order"
    # confidence = 1.0 * intent fit + 0.5 * similarity + 0.05 * bm25 of the first hit
    best = sure.best
    assert sure.confidence == pytest.approx(0.97 + 0.5 * best.similarity + 0.05 * best.bm25)
    assert sure.confidence - unsure.confidence == pytest.approx(0.95)
    idx.min_confidence = (sure.confidence + unsure.confidence) / 2
    assert sure.confident and not unsure.confident


def test_an_expected_article_missing_from_the_knowledge_base_is_an_error(tmp_path: Path) -> None:
    from humantouch.errors import InputError
    from humantouch.evaluation.retrieval import evaluate

    questions = [{"id": "q-1", "lang": "nl", "question": "waar is mijn pakket", "answer": "orders"}]
    with pytest.raises(InputError, match="'orders' is not in the knowledge base"):
        evaluate(index(tmp_path), questions)


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Matrix:
        self.texts.extend(texts)
        return super().encode(texts)


def test_the_question_vector_the_triage_remembered_is_not_encoded_again(tmp_path: Path) -> None:
    counting = CountingEncoder()
    encoder = CachedEncoder(counting)
    articles = load_articles(folder(tmp_path, ARTICLES))
    question = "waar is mijn bestelling? ik heb al dagen niets gehoord van de bezorger"
    plain = KnowledgeIndex(articles, CachedEncoder(HashingEncoder()), 0.0).search(question, "nl")

    limited = KnowledgeIndex(articles, encoder, 0.0, max_query_chars=40)
    encoder.remember([question[:40]], encoder.encode([question[:40]]))  # what the fast profile's triage does
    counting.texts.clear()
    result = limited.search(question, "nl")
    assert counting.texts == []  # the remembered vector was used
    assert result.best is not None and plain.best is not None and result.best.article_id == plain.best.article_id

    full = KnowledgeIndex(articles, encoder, 0.0)
    full.search(question, "nl")
    assert counting.texts == [question]  # not remembered in full: encoded once, as before


def test_bm25_by_postings_equals_every_article_asking_every_term() -> None:
    """`_bm25` visits only the articles that hold a question's terms; the sums are the ones a loop over
    all articles and all terms gives, to the last bit, on the packaged knowledge base."""
    from humantouch.knowledge import BM25_B, BM25_K1, _terms

    idx = KnowledgeIndex(load_articles(), CachedEncoder(HashingEncoder()))
    questions = [f"{a.title} {a.body[:80]}" for a in idx.articles] + [
        "Waar blijft mijn pakket? Bestelnummer 100123",
        "There is a charge of 49 euro on my card I don't recognise",
        "wachtwoord wachtwoord vergeten",
        "xyzzy",
    ]
    for question in questions:
        for lang in ("nl", "en"):
            terms = _terms(question, lang)
            expected = np.zeros(len(idx.articles))
            for i, tf in enumerate(idx._tf):
                norm = BM25_K1 * (1 - BM25_B + BM25_B * idx._len[i] / idx._avg)
                for t in terms:
                    f = tf.get(t, 0)
                    if f:
                        expected[i] += idx._idf[t] * f * (BM25_K1 + 1) / (f + norm)
            assert idx._bm25(question, lang).tolist() == expected.tolist()
