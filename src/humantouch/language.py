"""Language identification behind a small interface: lingua in production, a word-list double in tests."""

from __future__ import annotations

import importlib
import re
from typing import Protocol

from humantouch.errors import ModelError
from humantouch.text import Token

SUPPORTED = ("nl", "en")


class LanguageDetector(Protocol):
    def detect(self, text: str) -> tuple[str, float]:
        """(ISO 639-1 code or "unknown", confidence in [0, 1])."""
        ...


DETECTORS: dict[str, str] = {
    "lingua": "humantouch.language:LinguaDetector",
    "lingua-low": "humantouch.language:LinguaLowDetector",
    "wordlist": "humantouch.language:WordListDetector",
}

# Frequent function words; they decide very short messages where a statistical
# detector has too little to go on, and they are the whole of the test double.
_NL = frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "ik",
        "je",
        "jij",
        "u",
        "uw",
        "mijn",
        "is",
        "niet",
        "wat",
        "waar",
        "hoe",
        "wil",
        "kan",
        "graag",
        "dat",
        "van",
        "op",
        "te",
        "voor",
        "met",
        "maar",
        "al",
        "nog",
        "geen",
        "heb",
        "heeft",
        "ben",
        "bent",
        "zijn",
        "wordt",
        "bedankt",
        "dank",
        "hoi",
        "hallo",
        "goedemorgen",
        "goedemiddag",
        "groet",
        "groeten",
        "alstublieft",
        "mijn",
        "mn",
        "ff",
        "even",
        "toch",
        "wel",
        "nee",
        "ja",
        "hier",
        "daar",
        "waarom",
        "wanneer",
        "welke",
        "bestelling",
        "pakket",
        "rekening",
        "factuur",
    ]
)
_EN = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "i",
        "you",
        "your",
        "my",
        "is",
        "not",
        "what",
        "where",
        "how",
        "want",
        "can",
        "please",
        "that",
        "of",
        "on",
        "to",
        "for",
        "with",
        "but",
        "still",
        "no",
        "have",
        "has",
        "am",
        "are",
        "be",
        "been",
        "thanks",
        "thank",
        "hi",
        "hello",
        "morning",
        "regards",
        "why",
        "when",
        "which",
        "order",
        "parcel",
        "bill",
        "invoice",
        "it",
        "this",
        "there",
        "yes",
    ]
)


def wordlist_vote(tokens: list[Token]) -> tuple[str, float]:
    nl = sum(t.text in _NL for t in tokens)
    en = sum(t.text in _EN for t in tokens)
    if nl == en:
        return "unknown", 0.0
    lang = "nl" if nl > en else "en"
    return lang, max(nl, en) / (nl + en)


class WordListDetector:
    """The in-memory double: counts Dutch and English function words."""

    def detect(self, text: str) -> tuple[str, float]:
        from humantouch.text import normalize, tokenize

        return wordlist_vote(tokenize(normalize(text)))


# Besides nl and en (the desk's languages) and de and fr (its neighbours), lingua is asked about the other
# languages a Dutch or English desk meets, so a message in one of them is reported as such (and goes to a
# person who reads it) instead of being read as the nearest of nl, en, de and fr. Only when the four-language
# reading is unsure (top confidence below OTHER_BELOW, or not one frequent Dutch or English word) and the
# message has OTHER_MIN_WORDS words: on Dutch and English text that leaves the accuracy as it was, or nearly
# (docs/evaluation.md, "Other languages").
OTHER_LATIN = ("es", "it", "pt", "pl", "tr", "ro")
OTHER_SCRIPTS = ("ar", "ru", "uk", "bg", "el", "he", "fa", "hi", "th", "zh", "ja", "ko")
# Every language `detect` can answer, besides "unknown".
DETECTABLE = ("nl", "en", "de", "fr", *OTHER_LATIN, *OTHER_SCRIPTS)
OTHER_BELOW = 0.7
# The second reading uses lingua's low-accuracy (trigram) models: the detector takes 180 MB, 352 MB with the full
# models. They are sure of themselves on English commands read as Italian or Spanish, so another language
# is taken only at this confidence (fast profile, xSID English: 0.951 stays 0.951; at 0.5, 0.930).
OTHER_MIN = 0.95
OTHER_MIN_WORDS = 3
_WORD = re.compile(r"\w+")


def mostly_other_script(text: str) -> bool:
    """True when most letters of the text are outside the Latin script (Arabic, Cyrillic, Chinese, ...)."""
    if text.isascii():  # most messages: every letter is Latin
        return False
    latin = other = 0
    for ch in text:
        if ch.isalpha():
            if ch < "\u0250":
                latin += 1
            else:
                other += 1
    return other > latin


def enough_to_tell(text: str) -> bool:
    """Whether a text says its language: OTHER_MIN_WORDS words, or another script (Chinese, Japanese and
    Thai put no spaces between words to count)."""
    return len(_WORD.findall(text)) >= OTHER_MIN_WORDS or mostly_other_script(text)


class LinguaDetector:
    """lingua over nl, en, de and fr; unsure readings and other scripts asked again over more languages."""

    low_accuracy = False

    def __init__(self) -> None:
        try:
            from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
        except ImportError as exc:  # pragma: no cover
            raise ModelError(
                "language detection needs lingua-language-detector",
                hint="pip install 'lingua-language-detector==2.1.1'",
            ) from exc

        def languages(codes: tuple[str, ...]) -> list[Language]:
            return [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]

        near = languages(("nl", "en", "de", "fr"))
        self._codes = {lang: lang.iso_code_639_1.name.lower() for lang in Language.all()}
        builder = LanguageDetectorBuilder.from_languages(*near)
        wider = LanguageDetectorBuilder.from_languages(*near, *languages(OTHER_LATIN)).with_low_accuracy_mode()
        if self.low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector = builder.with_preloaded_language_models().build()
        self._wider = wider.with_preloaded_language_models().build()
        # Other scripts are rare at a Dutch desk: their (trigram) models load on first use.
        scripts = LanguageDetectorBuilder.from_languages(*languages(OTHER_SCRIPTS))
        self._scripts = scripts.with_low_accuracy_mode().build()

    def _best(self, detector: object, text: str) -> tuple[str, float]:
        values = detector.compute_language_confidence_values(text)  # type: ignore[attr-defined]
        if not values or values[0].value <= 0.0:
            return "unknown", 0.0
        return self._codes[values[0].language], float(values[0].value)

    def detect(self, text: str) -> tuple[str, float]:
        if mostly_other_script(text):
            return self._best(self._scripts, text)
        lang, conf = self._best(self._detector, text)
        words = _WORD.findall(text.lower())
        # lingua's low-accuracy mode is sure of itself on Turkish read as Dutch: there a message without one
        # frequent Dutch or English word is asked again as well.
        unsure = conf < OTHER_BELOW or not any(w in _CLEAR_NL or w in _CLEAR_EN for w in words)
        if unsure and len(words) >= OTHER_MIN_WORDS:
            other, other_conf = self._best(self._wider, text)
            if other in OTHER_LATIN and other_conf >= OTHER_MIN:
                return other, other_conf
        return lang, conf


class LinguaLowDetector(LinguaDetector):
    """lingua's low-accuracy mode: trigram models only, 0.1 s to load instead of ~4 s; weaker on short texts."""

    low_accuracy = True


def load_detector(name: str) -> LanguageDetector:
    try:
        module, _, attr = DETECTORS[name].partition(":")
    except KeyError:
        raise ModelError(f"unknown language detector '{name}'", hint=f"choose one of {', '.join(DETECTORS)}") from None
    detector: LanguageDetector = getattr(importlib.import_module(module), attr)()
    return detector


# The clear case: at least CLEAR_WORDS of one language's frequent words below and not one of the other's,
# nor of German or French. Each list holds words of one of the two languages that are no frequent word of
# the other (English "want", "been", "even", "van" are Dutch words too, so they are in neither). On the own
# set and public Dutch and English text (bench/language.py, docs/evaluation.md) the rule decides 26-83% of
# the texts (79% of the own set), agrees with lingua on 96.7-100% of those and is right on 99.96% of them:
# where the two differ (40 of 23,521), lingua is the one that is wrong in 39, so accuracy goes up, not down.
# lingua, ~0.1 ms a message warm and 0.3-0.4 ms with cold caches beside the encoder, reads the rest.
CLEAR_WORDS = 3
_CLEAR_NL = frozenset(
    """het een ik niet mijn wij jullie graag bedankt heb heeft hebben wordt worden geen nog maar zijn voor wat waar hoe
    kan wil dat van op naar omdat ook dit deze er uw jij zo nu moet kunt bent ben hij zij mij om bij uit tot nee toch
    wel alstublieft dank hoi goedemorgen goedemiddag ons onze kunnen willen moeten heel veel niks niets waarom wanneer
    welke gaat doet krijg krijgen zou zal als mee af aan hier daar""".split()
)
_CLEAR_EN = frozenset(
    """the and you your my i it not what where how can please that on to for with but have has am are be thanks thank
    hi hello this there yes would could should will they them from about just do does did don get got at by if or so
    which who when why its our us she any some all""".split()
)
# Frequent German and French words: one of them sends the message to lingua, which knows those languages.
_CLEAR_FOREIGN = frozenset(
    """ich nicht und ist das der den dem mit fur ein eine einen sie wir bitte danke habe auf sind nach auch noch
    oder kann haben von zu es ihnen heute geht wird sehr du le la les des est une vous pour avec merci bonjour et
    que qui dans mon ma mes nous sont votre vos sur ce cette il elle au aux suis avez ai""".split()
)


def clear_language(tokens: list[Token]) -> str | None:
    """The language ("nl" or "en") when the message's function words leave no doubt (CLEAR_WORDS), else None."""
    nl = en = 0
    for t in tokens:
        word = t.text
        if word in _CLEAR_NL:
            nl += 1
        elif word in _CLEAR_EN:
            en += 1
        elif word in _CLEAR_FOREIGN:
            return None
    if nl >= CLEAR_WORDS and not en:
        return "nl"
    if en >= CLEAR_WORDS and not nl:
        return "en"
    return None


def identify_language(
    detector: LanguageDetector, text: str, tokens: list[Token], known: str | None
) -> tuple[str, float]:
    """The message's language and a confidence: the clear case by its function words, else the detector.

    The confidence is the detector's when it decided (lingua: its relative confidence among nl, en, de, fr)
    and 1.0 when the function words did, as `wordlist_vote` reports a vote without a word of the other
    language; on the data in docs/evaluation.md the clear case is right 99.96% of the time.
    """
    clear = clear_language(tokens)
    if clear is not None:
        return clear, 1.0
    return decide_language(detector.detect(text), tokens, known)


def decide_language(detected: tuple[str, float], tokens: list[Token], known: str | None) -> tuple[str, float]:
    """Combine the detector with function words and the customer's known language.

    Short messages ("ok", "hoi", "thx") fool statistical detectors; there the
    function-word vote and what we already know about the customer count more.
    """
    lang, conf = detected
    if len(tokens) <= 3:
        vote, vconf = wordlist_vote(tokens)
        if vote != "unknown" and (lang != vote or conf < 0.6):
            return vote, max(vconf * 0.8, conf if lang == vote else 0.5)
        if conf < 0.6 and known in SUPPORTED:
            return str(known), 0.5
    if lang == "unknown" and known:
        return known, 0.3
    return lang, conf
