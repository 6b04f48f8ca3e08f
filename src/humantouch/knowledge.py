"""Knowledge articles and hybrid retrieval: BM25 over lemmas plus sentence embeddings, fused by rank.

The bot answers from an article only when the retrieval is confident; below the
threshold it does not guess (issue 4 moves such contacts to intake and a person).
Articles are Markdown files with a small front matter block:

    ---
    id: order-tracking
    lang: nl
    title: Waar is mijn bestelling?
    intents: [order_status]
    ---
    The answer ...

An article may also be written in another form of address: the same id and lang with `form: je`
(informal Dutch, in `<id>.nl.je.md`) next to the default text (formal `u`, or neutral). Only the
default texts are indexed, so ranking does not depend on how many variants exist; the bot swaps in
the variant that matches the customer's register (`KnowledgeIndex.variant`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from humantouch.errors import PlaybookError
from humantouch.models import CachedEncoder, Matrix
from humantouch.playbook import Thresholds, read_yaml
from humantouch.text import normalize, tokenize

RRF_K = 60  # the usual constant of reciprocal rank fusion
# Weights of the embedding, BM25 and intent rankings in the fusion (chosen on the dev half of the
# retrieval question set: the intent classifier has learned from far more examples than one article).
RANKING_WEIGHTS = [1.0, 0.5, 4.0]
BM25_K1 = 1.5
BM25_B = 0.75
# The answer confidence: how sure the intent classifier is that the question is about an intent the
# first article answers, plus its sentence similarity and its BM25 score, in these proportions
# (chosen on the dev half of the retrieval question set; see docs/evaluation.md). The classifier
# tells "is this the topic"; similarity and word overlap tell "does this article say it".
CONFIDENCE_WEIGHTS = (1.0, 0.5, 0.05)  # intent fit, similarity, bm25
# Forms of address an article variant may be written in (front matter `form`); no `form` is the default.
ARTICLE_FORMS = ("je",)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    lang: str
    title: str
    body: str
    intents: tuple[str, ...] = ()
    form: str | None = None  # None: the default text; "je": the informal Dutch variant of the same id


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: str
    lang: str
    title: str
    rrf: float
    similarity: float  # cosine of question and article embeddings
    bm25: float


@dataclass(frozen=True, slots=True)
class Retrieval:
    hits: tuple[Hit, ...]
    confident: bool  # answer from hits[0]; otherwise do not guess
    confidence: float = 0.0  # the score `confident` compares with the threshold

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def parse_article(text: str, source: str) -> Article:
    if not text.startswith("---"):
        raise PlaybookError(source, "(front matter)", "an article starts with a '---' front matter block")
    try:
        _, head, body = text.split("---", 2)
    except ValueError:
        raise PlaybookError(source, "(front matter)", "the front matter block is not closed with '---'") from None
    meta = read_yaml(head) or {}
    for field in ("id", "lang", "title"):
        if not isinstance(meta.get(field), str) or not meta[field].strip():
            raise PlaybookError(source, field, "is required and must be a non-empty string")
    intents = meta.get("intents") or []
    if not isinstance(intents, list) or not all(isinstance(i, str) for i in intents):
        raise PlaybookError(source, "intents", "must be a list of intent names")
    form = meta.get("form")
    if form is not None and form not in ARTICLE_FORMS:
        raise PlaybookError(
            source, "form", f"must be one of {', '.join(ARTICLE_FORMS)}, or left out for the default (formal) text"
        )
    if not body.strip():
        raise PlaybookError(source, "(body)", "the article has no text")
    return Article(meta["id"], meta["lang"], meta["title"].strip(), body.strip(), tuple(intents), form)


def _check_variants(parsed: Sequence[tuple[str, Article]]) -> None:
    """A variant stands in for a default article, so that article must exist, and once per form."""
    defaults = {(a.id, a.lang) for _, a in parsed if a.form is None}
    seen: set[tuple[str, str, str]] = set()
    for source, a in parsed:
        if a.form is None:
            continue
        if (a.id, a.lang) not in defaults:
            raise PlaybookError(source, "id", f"a '{a.form}' variant needs a default article '{a.id}' in '{a.lang}'")
        if (a.id, a.lang, a.form) in seen:
            raise PlaybookError(source, "form", f"a second '{a.form}' variant of '{a.id}' in '{a.lang}'")
        seen.add((a.id, a.lang, a.form))


def load_articles(folder: str | Path | None = None) -> list[Article]:
    """Articles from a folder of Markdown files, or the packaged default knowledge base."""
    if folder is None:
        base = resources.files("humantouch") / "data" / "knowledge"
        files = sorted((f.name, f.read_text(encoding="utf-8")) for f in base.iterdir() if f.name.endswith(".md"))
        parsed = [(f"<packaged>/knowledge/{name}", text) for name, text in files]
    else:
        paths = sorted(Path(folder).glob("*.md"))
        if not paths:
            raise PlaybookError(str(folder), "(folder)", "holds no .md articles")
        parsed = [(str(p), p.read_text(encoding="utf-8")) for p in paths]
    articles = [(source, parse_article(text, source)) for source, text in parsed]
    _check_variants(articles)
    return [a for _, a in articles]


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _sentences(body: str) -> list[str]:
    """Sentences of an article body, without Markdown markers; very short fragments are dropped."""
    plain = re.sub(r"[*_#>`]+|^\s*\d+[.)]\s*|^\s*[-•]\s*", "", body, flags=re.M)
    return [s.strip() for s in _SENTENCE.split(plain) if len(s.split()) >= 4]


def _terms(text: str, lang: str) -> list[str]:
    tokens = tokenize(normalize(text))
    return [t.lemma_en if lang == "en" else t.lemma_nl for t in tokens if len(t.text) > 1]


class KnowledgeIndex:
    """BM25 and embedding indexes over the default articles; immutable once built, safe to share.

    `articles` holds the default texts only (what is ranked); variants in another form of address
    are kept aside for `variant`.
    """

    def __init__(
        self,
        articles: Sequence[Article],
        encoder: CachedEncoder,
        min_similarity: float = 0.35,
        min_confidence: float = 1.3,
        max_query_chars: int | None = None,
    ) -> None:
        # The engine profile's embedding limit (the fast profile embeds the first 120 characters): the
        # question's embedding is then the triage's own, remembered by the encoder, not a second encoding.
        self.max_query_chars = max_query_chars
        self.articles = [a for a in articles if a.form is None]
        if not self.articles:
            raise ValueError("a knowledge index needs at least one article")
        self._variants = {(a.id, a.lang, a.form): a for a in articles if a.form is not None}
        self.encoder = encoder
        # Without intent probabilities the bot trusts a hit at or above min_similarity (when meaning
        # and words agree); with them, at or above min_confidence (see CONFIDENCE_WEIGHTS).
        self.min_similarity = min_similarity
        self.min_confidence = min_confidence
        docs = [_terms(f"{a.title} {a.title} {a.body}", a.lang) for a in self.articles]
        self._tf = [Counter(d) for d in docs]
        self._len = np.array([len(d) for d in docs], dtype=np.float64)
        self._avg = float(self._len.mean())
        df: Counter[str] = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        # Each term's articles and counts, in article order: a question's few terms visit only the
        # articles that have them, instead of every article asking every term.
        self._norm = [BM25_K1 * (1 - BM25_B + BM25_B * self._len[i] / self._avg) for i in range(n)]
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for i, tf in enumerate(self._tf):
            for t, f in tf.items():
                self._postings.setdefault(t, []).append((i, f))
        # Each article is embedded as its title and its sentences; a question's similarity to an
        # article is the best over those pieces (a question matches a sentence, not a whole page).
        pieces: list[str] = []
        owner: list[int] = []
        for i, a in enumerate(self.articles):
            for piece in (a.title, *_sentences(a.body)):
                pieces.append(piece)
                owner.append(i)
        self._vectors: Matrix = encoder.encode_known(pieces)
        self._owner = np.array(owner)

    def variant(self, article_id: str, lang: str, form: str | None) -> Article | None:
        """The article's text in a form of address (`je`), when one is written; None otherwise."""
        return self._variants.get((article_id, lang, form)) if form is not None else None

    def _bm25(self, query: str, lang: str) -> np.ndarray:
        # Each article's terms are added in the question's order, as a loop over the articles would:
        # the same sums to the last bit.
        sums = [0.0] * len(self.articles)
        for t in _terms(query, lang):
            postings = self._postings.get(t)
            if postings is None:
                continue
            idf = self._idf[t]
            for i, f in postings:
                sums[i] += idf * f * (BM25_K1 + 1) / (f + self._norm[i])
        return np.array(sums)

    def search(
        self, question: str, lang: str | None = None, top: int = 3, intents: dict[str, float] | None = None
    ) -> Retrieval:
        """The best articles for a question, in its language when known, and whether to trust the first.

        `intents` (intent -> probability, from the engine's classifier) adds a third ranking: articles
        declare the intents they answer, and the classifier has learned those intents from many examples.
        """
        pool = [i for i, a in enumerate(self.articles) if lang is None or a.lang == lang] or list(
            range(len(self.articles))
        )
        query_lang = lang or "nl"
        embedded = question[: self.max_query_chars] if self.max_query_chars else question
        piece_sims = self.encoder.encode_recent(embedded) @ self._vectors.T
        sims = np.full(len(self.articles), -1.0)
        np.maximum.at(sims, self._owner, piece_sims)
        bm25 = self._bm25(question, query_lang)
        by_sim = sorted(pool, key=lambda i: -sims[i])
        by_bm25 = sorted(pool, key=lambda i: -bm25[i])
        rankings = [by_sim, by_bm25]
        by_intent: list[int] = []
        fit: dict[int, float] = {}
        if intents:
            fit = {i: max((intents.get(n, 0.0) for n in self.articles[i].intents), default=0.0) for i in pool}
            by_intent = sorted(pool, key=lambda i: -fit[i])
            rankings.append(by_intent)
        fused: dict[int, float] = {}
        for ranking, weight in zip(rankings, RANKING_WEIGHTS, strict=False):
            for rank, i in enumerate(ranking):
                fused[i] = fused.get(i, 0.0) + weight / (RRF_K + rank + 1)
        order = sorted(pool, key=lambda i: -fused[i])[:top]
        hits = tuple(
            Hit(
                self.articles[i].id,
                self.articles[i].lang,
                self.articles[i].title,
                fused[i],
                float(sims[i]),
                float(bm25[i]),
            )
            for i in order
        )
        if not hits:
            return Retrieval(hits, False)
        if by_intent:
            w_fit, w_sim, w_bm25 = CONFIDENCE_WEIGHTS
            confidence = w_fit * fit[order[0]] + w_sim * hits[0].similarity + w_bm25 * hits[0].bm25
            return Retrieval(hits, confidence >= self.min_confidence, confidence)
        # Without the classifier: trust the first hit only when meaning and words agree on it and
        # the meaning is close enough.
        agree = order[0] == by_sim[0]
        return Retrieval(hits, agree and hits[0].similarity >= self.min_similarity, hits[0].similarity)


def index_for(
    articles: Sequence[Article], encoder: CachedEncoder, thresholds: Thresholds, max_query_chars: int | None = None
) -> KnowledgeIndex:
    """An index answering at the playbook's thresholds (answer_min_confidence, answer_min_similarity);
    `max_query_chars` is the engine profile's embedding limit (Profile.max_embed_chars)."""
    return KnowledgeIndex(
        articles, encoder, thresholds.answer_min_similarity, thresholds.answer_min_confidence, max_query_chars
    )
