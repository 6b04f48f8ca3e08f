"""The engine: models loaded once, then `triage` (one contact) and `triage_many` (batches).

This is the one place that loads and wires things; `analyze` and `decide` stay
pure functions of the records and models they are given.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sklearn

from humantouch import __version__
from humantouch.analysis import Models, analyze, intent_text
from humantouch.decision import decide
from humantouch.intents import EMBEDDING_WEIGHTS, HEADS, Featurizer, IntentClassifier
from humantouch.language import LanguageDetector, load_detector
from humantouch.lexicon import Lexicon
from humantouch.models import (
    CachedEncoder,
    Matrix,
    Profile,
    default_cache_dir,
    load_encoder,
    profile_spec,
    read_pickle,
    write_pickle,
)
from humantouch.playbook import Playbook, load_builtin_lexicon, load_playbook
from humantouch.records import Contact, Triage
from humantouch.sentiment import EmotionModel, load_emotion_examples
from humantouch.text import normalize, tokenize

BATCH_SIZE = 256
# Bump when the way classifiers are trained changes, so cached classifiers are retrained.
# 3: the state holds each training vector's label; 4: and its head's name, the model as `model`; 5: the file
# starts with its checksum (models.write_pickle)
TRAINING_FORMAT = 5


def build_lexicon(playbook: Playbook) -> Lexicon:
    """The packaged lexicon, extended by the playbook's own patterns and life events."""
    groups: dict[str, dict[str, list[str]]] = {}
    negatable: set[str] = set()
    for name, g in load_builtin_lexicon().items():
        groups[name] = {"nl": list(g.nl), "en": list(g.en)}
        if g.negatable:
            negatable.add(name)
    for name, g in playbook.lexicon.items():
        target = groups.setdefault(name, {"nl": [], "en": []})
        target["nl"].extend(g.nl)
        target["en"].extend(g.en)
        if g.negatable:
            negatable.add(name)
    for event, spec in playbook.life_events.items():
        name = f"life_event.{event}"
        target = groups.setdefault(name, {"nl": [], "en": []})
        target["nl"].extend(spec.nl)
        target["en"].extend(spec.en)
        negatable.add(name)
    return Lexicon(groups, negatable)


def _classifiers(
    book: Playbook, encoders: list[CachedEncoder], profile: str, cache: Path | None
) -> tuple[IntentClassifier, EmotionModel]:
    """Train the intent and emotion classifiers, or reload them from the trained-model cache.

    The cache key covers every training text and label, the profile and the
    library versions, so a changed playbook or upgrade retrains by itself.
    """
    texts, labels = book.training_examples()
    emo_texts, emo_labels = load_emotion_examples()
    pinned = book.classifier.embedding_weight
    weights = EMBEDDING_WEIGHTS if pinned == "auto" else (float(pinned),)
    heads = HEADS if book.classifier.head == "auto" else (book.classifier.head,)
    key_src = json.dumps(
        [
            texts,
            labels,
            emo_texts,
            emo_labels,
            profile,
            weights,
            heads,
            __version__,
            sklearn.__version__,
            TRAINING_FORMAT,
        ]
    )
    path = cache / f"classifiers-{profile}-{hashlib.sha256(key_src.encode()).hexdigest()[:20]}.pkl" if cache else None
    state = read_pickle(path)
    if isinstance(state, dict):
        try:
            return (
                IntentClassifier.from_state(encoders, state["intents"]),
                EmotionModel.from_state(encoders[0], state["emotions"]),
            )
        except (KeyError, AttributeError, TypeError):
            pass  # a cache of another shape only means training again
    # The emotion model (L-BFGS, numpy) trains in a second thread beside the intent SVM (liblinear
    # releases the GIL): a cold start costs the longer of the two, not their sum. Its texts are
    # encoded here first, so the thread only reads the embedding cache.
    encoders[0].encode_known(emo_texts)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="humantouch-emotions") as pool:
        emotion_fit = pool.submit(EmotionModel(encoders[0]).fit, emo_texts, emo_labels)
        intents = IntentClassifier(Featurizer(encoders)).fit(texts, labels, weights, heads)
        emotions = emotion_fit.result()
    for e in encoders:
        # A read-only cache directory only costs start-up time next time.
        with contextlib.suppress(OSError):
            e.save()
    write_pickle(path, {"intents": intents.state(), "emotions": emotions.state()})
    return intents, emotions


def _learn_vocabulary(models: Models) -> None:
    """Fill the per-word memories (lemmas, TF-IDF character n-grams) with the playbook's words.

    A running service has them filled by earlier messages; without this, the first messages after
    a start pay for every word's lemma look-up (~7 us) and n-gram scores (~10 us). ~0.2 s at start-up.
    """
    texts, _ = models.playbook.training_examples()
    words = " ".join(dict.fromkeys(w for t in texts for w in normalize(t).lower().split()))
    tokenize(words)
    models.intents.remember_words(words)


@dataclass
class Engine:
    models: Models
    encoders: list[CachedEncoder]
    profile: str
    load_seconds: float
    spec: Profile

    @property
    def playbook(self) -> Playbook:
        return self.models.playbook

    @classmethod
    def load(
        cls,
        playbook_path: str | Path | None = None,
        profile: str = "accurate",
        *,
        playbook: Playbook | None = None,
        cache_dir: Path | None = None,
        detector: str | None = None,
    ) -> Engine:
        """Load the playbook and models and train (or reload) the classifiers; done once per process."""
        started = time.perf_counter()
        # lingua builds its models in native code without the GIL: let it run beside the rest.
        spec = profile_spec(profile)
        detector_name = detector or spec.detector
        loaded: dict[str, LanguageDetector] = {}
        failure: list[BaseException] = []

        def load_language() -> None:
            try:
                loaded["detector"] = load_detector(detector_name)
            except BaseException as exc:  # re-raised in the caller's thread below
                failure.append(exc)

        language_thread = threading.Thread(target=load_language, name="humantouch-lingua", daemon=True)
        language_thread.start()
        book = playbook if playbook is not None else load_playbook(playbook_path)
        cache = cache_dir if cache_dir is not None else default_cache_dir()
        encoders = [CachedEncoder(load_encoder(n, cache), cache) for n in spec.encoders]
        intents, emotions = _classifiers(book, encoders, profile, cache)
        language_thread.join()
        if failure:
            raise failure[0]
        models = Models(
            playbook=book,
            lexicon=build_lexicon(book),
            detector=loaded["detector"],
            intents=intents,
            emotions=emotions,
        )
        _learn_vocabulary(models)
        return cls(models, encoders, profile, time.perf_counter() - started, spec)

    def intent_probabilities(self, text: str) -> dict[str, float]:
        """The intent classifier's probability per intent for one text (knowledge retrieval uses it)."""
        scores = self.models.intents.score([text], [e.encode([text]) for e in self.encoders])
        return dict(zip(scores.labels, map(float, scores.probabilities[0]), strict=True))

    def triage(self, contact: Contact) -> Triage:
        return self.triage_many([contact])[0]

    def triage_many(self, contacts: Sequence[Contact], batch_size: int = BATCH_SIZE) -> list[Triage]:
        # Encoding the next batch in a second thread while analysing this one was
        # measured and gained nothing on two cores (the tokenizer holds the GIL).
        out: list[Triage] = []
        for i in range(0, len(contacts), batch_size):
            batch = contacts[i : i + batch_size]
            out.extend(self._finish(batch, *self._encode(batch)))
        return out

    def _encode(self, contacts: Sequence[Contact]) -> tuple[list[str], list[Matrix], float]:
        t0 = time.perf_counter()
        texts = [intent_text(c) for c in contacts]
        limit = self.spec.max_embed_chars
        embed_texts = [t[:limit] for t in texts] if limit else texts
        embeddings = [e.encode(embed_texts) for e in self.encoders]
        # The knowledge search of the same message reads the first encoder's vector again.
        self.encoders[0].remember(embed_texts, embeddings[0])
        return texts, embeddings, time.perf_counter() - t0

    def _finish(
        self, contacts: Sequence[Contact], texts: list[str], embeddings: list[Matrix], encode_seconds: float
    ) -> list[Triage]:
        t1 = time.perf_counter()
        # The triage only asks whether the nearest example is below this floor (analysis._intent).
        floor = self.models.playbook.thresholds.out_of_scope_similarity
        scores = self.models.intents.score(texts, embeddings, similarity_floor=floor)
        results = []
        for row, contact in enumerate(contacts):
            analysis = analyze(contact, self.models, scores, row, embeddings[0])
            results.append((analysis, decide(analysis, contact.customer, self.models.playbook), contact.id))
        n = len(contacts)
        timing = {"encode": encode_seconds * 1000 / n, "rest": (time.perf_counter() - t1) * 1000 / n}
        return [Triage(analysis, decision, ident, timing) for analysis, decision, ident in results]
