"""Lemma-aware phrase rules for the signals that must never be missed.

A lexicon is a set of groups (`urgency.safety`, `life_event.bereavement`, ...),
each a list of patterns per language. Pattern syntax (docs/playbook.md):
tokens separated by spaces; a token matches a text token when it equals its
surface form or its Dutch or English lemma; `word*` matches by prefix (Dutch
compounds); `~` is a gap of zero to three tokens. Patterns of every language are
tried on every message, because customers mix languages.

Matching is indexed by the first pattern token, so a message costs one dict
look-up per token instead of one test per pattern; the candidates of a token's
forms are remembered, and those whose second token cannot match the next word
are left out before matching.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from humantouch.records import Span
from humantouch.text import Token, normalize, token_forms

GAP = "~"
MAX_GAP = 3
NEGATION_WINDOW = 3
NEGATIONS = frozenset(
    [
        "niet",
        "geen",
        "nooit",
        "noch",
        "nergens",
        "niets",
        "no",
        "not",
        "never",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "cannot",
        "cant",
        "without",
        "zonder",
    ]
)
MIN_PREFIX = 4
# Distinct token forms whose candidate patterns are remembered; forgotten when full.
FORMS_CACHE = 50_000
_PUNCT = re.compile(r"[^a-z0-9*~]+")


@dataclass(frozen=True, slots=True)
class Pattern:
    group: str
    source: str  # the pattern as written, shown as evidence
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    group: str
    pattern: str
    start: int  # character offsets into the text
    end: int
    text: str


def _token_matches(ptok: str, tok: Token) -> bool:
    if ptok.endswith("*"):
        stem = ptok[:-1]
        return tok.text.startswith(stem) or tok.lemma_nl.startswith(stem)
    return ptok in (tok.text, tok.lemma_nl, tok.lemma_en)


def _exact_token(ptok: str) -> str | None:
    """`ptok` when a text token matches it only by equal form (see _token_matches), else None."""
    return None if ptok == GAP or ptok.endswith("*") else ptok


def _match_from(ptoks: tuple[str, ...], tokens: Sequence[Token], i: int) -> int | None:
    """Index one past the last matched token, or None. ptoks[0] is known to match tokens[i]."""
    j = i + 1
    k = 1
    while k < len(ptoks):
        ptok = ptoks[k]
        if ptok == GAP:
            rest = ptoks[k + 1 :]
            if not rest:
                return j
            for skip in range(MAX_GAP + 1):
                if j + skip < len(tokens) and _token_matches(rest[0], tokens[j + skip]):
                    end = _match_from(rest, tokens, j + skip)
                    if end is not None:
                        return end
            return None
        if j >= len(tokens) or not _token_matches(ptok, tokens[j]):
            return None
        j += 1
        k += 1
    return j


class _Starts(NamedTuple):
    """The patterns one token's forms may start, numbered in the order they are tried.

    A frequent first word starts dozens of patterns ("in" 50, "ben" 70; ~120 a message in all), and
    most fail on their second token: looking the next token's forms up by second token finds the few
    that can continue without testing each of them.
    """

    any_next: tuple[tuple[int, Pattern], ...]  # no fixed second token (one token long, a gap, a prefix)
    by_next: dict[str, tuple[tuple[int, Pattern], ...]]  # by the second token, which a form must equal

    def candidates(self, following: tuple[str, str, str] | None) -> list[Pattern]:
        """The patterns that may match when the next token has these forms (None: no next token), in order."""
        picked = list(self.any_next)
        by_next = self.by_next
        if following is not None and by_next:
            text, lemma_nl, lemma_en = following
            # Each distinct form once: a pattern has one second token, so it is picked at most once.
            forms = (text,) if lemma_nl == text else (text, lemma_nl)
            if lemma_en not in forms:
                forms = (*forms, lemma_en)
            sources = 1 if picked else 0
            for form in forms:
                found = by_next.get(form)
                if found:
                    picked.extend(found)
                    sources += 1
            if sources > 1:  # back into the order in which the patterns were indexed
                picked.sort(key=_FIRST)
        return [pattern for _, pattern in picked]


_FIRST = operator.itemgetter(0)


def _starts(found: Sequence[tuple[str | None, Pattern]]) -> _Starts:
    if not found:
        return _NO_STARTS
    any_next: list[tuple[int, Pattern]] = []
    by_next: dict[str, list[tuple[int, Pattern]]] = {}
    for k, (second, pattern) in enumerate(found):
        if second is None:
            any_next.append((k, pattern))
        else:
            by_next.setdefault(second, []).append((k, pattern))
    return _Starts(tuple(any_next), {second: tuple(entries) for second, entries in by_next.items()})


_NO_STARTS = _Starts((), {})


class Lexicon:
    """Compiled rule groups; immutable after construction (but for a memo), safe to share between threads."""

    def __init__(self, groups: Mapping[str, Mapping[str, Iterable[str]]], negatable: Iterable[str] = ()) -> None:
        self.negatable = frozenset(negatable)
        self.groups: dict[str, tuple[Pattern, ...]] = {}
        # Each indexed pattern carries its second token when that must equal a form of the next text
        # token (not a gap, not a prefix): most candidates found by a frequent first word ("ik", "in",
        # "ben") fail there, and that test is cheaper than trying the whole pattern.
        self._exact: dict[str, list[tuple[str | None, Pattern]]] = {}
        self._prefix: dict[str, list[tuple[str, str | None, Pattern]]] = {}
        # Which patterns a token's forms may start does not depend on the message: remembered.
        self._by_forms: dict[tuple[str, str, str], _Starts] = {}
        for group, by_lang in groups.items():
            compiled: list[Pattern] = []
            for phrases in by_lang.values():
                for phrase in phrases:
                    pattern = compile_pattern(group, phrase)
                    compiled.append(pattern)
                    first = pattern.tokens[0]
                    second = _exact_token(pattern.tokens[1]) if len(pattern.tokens) > 1 else None
                    if first.endswith("*"):
                        self._prefix.setdefault(first[:MIN_PREFIX], []).append((first[:-1], second, pattern))
                    else:
                        self._exact.setdefault(first, []).append((second, pattern))
            self.groups[group] = tuple(compiled)

    def group_names(self) -> list[str]:
        return sorted(self.groups)

    def _indexed(self, forms: tuple[str, str, str]) -> _Starts:
        """The patterns a token with these forms may start, by their second tokens, remembered per forms."""
        text, lemma_nl = forms[0], forms[1]
        found: list[tuple[str | None, Pattern]] = []
        # In a fixed order (a set's would follow string hashing, which differs between processes), so
        # the same pattern is reported for the same text in every process.
        for form in dict.fromkeys(forms):
            found.extend(self._exact.get(form, ()))
        # Prefix patterns are indexed by their first four letters; look them up by the word and by its
        # Dutch lemma ("stierf" -> "sterven" for "sterv*"), since either may match.
        for key in dict.fromkeys((text[:MIN_PREFIX], lemma_nl[:MIN_PREFIX])):
            for stem, second, pattern in self._prefix.get(key, ()):
                if text.startswith(stem) or lemma_nl.startswith(stem):
                    found.append((second, pattern))
        starts = _starts(found)
        if len(self._by_forms) >= FORMS_CACHE:
            self._by_forms.clear()
        self._by_forms[forms] = starts
        return starts

    def match(self, text: str, tokens: Sequence[Token]) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[tuple[str, int]] = set()
        by_forms = self._by_forms
        all_forms = list(map(token_forms, tokens))
        last = len(tokens) - 1
        for i, tok in enumerate(tokens):
            forms = all_forms[i]
            starts = by_forms.get(forms)
            if starts is None:
                starts = self._indexed(forms)
            if starts is _NO_STARTS:
                continue
            # Leaving out the candidates whose second token cannot match changes nothing: they would
            # fail in _match_from.
            for pattern in starts.candidates(all_forms[i + 1] if i < last else None):
                if (pattern.group, i) in seen:
                    continue
                end = _match_from(pattern.tokens, tokens, i)
                if end is None:
                    continue
                if pattern.group in self.negatable and _negated(text, tokens, i):
                    continue
                seen.add((pattern.group, i))
                start_c, end_c = tok.start, tokens[end - 1].end
                hits.append(Hit(pattern.group, pattern.source, start_c, end_c, text[start_c:end_c]))
        return hits


# "don't" is tokenised as "don" + "t"; the stem alone is no negation ("can I ..."), the pair is.
_NT_STEMS = frozenset("don doesn didn isn wasn aren weren won can couldn shouldn wouldn haven hasn hadn ain".split())


_CLAUSE_END = re.compile(r"[.,!?;:\n]")


def _negated(text: str, tokens: Sequence[Token], i: int) -> bool:
    """A negation among the three tokens before token i, within the same sentence."""
    lo = max(0, i - NEGATION_WINDOW)
    for k in range(lo, i):
        word = tokens[k].text
        negation = word in NEGATIONS or (word == "t" and k > 0 and tokens[k - 1].text in _NT_STEMS)
        if negation and not _CLAUSE_END.search(text, tokens[k].end, tokens[i].start):
            return True
    return False


def compile_pattern(group: str, phrase: str) -> Pattern:
    """Compile one pattern; raises ValueError with the reason when it cannot match anything sensible."""
    if not isinstance(phrase, str):
        raise ValueError(f"pattern {phrase!r} is not a string")
    # Punctuation splits tokens in the text, so it splits them in the pattern too:
    # "don't" becomes "don t" and "e-mail" becomes "e mail", as the tokenizer sees them.
    toks = tuple(_PUNCT.sub(" ", normalize(phrase)).split())
    if not toks:
        raise ValueError("empty pattern")
    if toks[0] == GAP or toks[-1] == GAP:
        raise ValueError(f"pattern {phrase!r} may not start or end with the gap '~'")
    for t in toks:
        if t.endswith("*") and len(t) - 1 < MIN_PREFIX:
            raise ValueError(f"prefix {t!r} in {phrase!r} is shorter than {MIN_PREFIX} letters")
        if "*" in t[:-1]:
            raise ValueError(f"'*' may only end a token, not stand inside {t!r} in {phrase!r}")
    return Pattern(group, phrase, toks)


def hits_to_spans(hits: Iterable[Hit], prefix: str) -> tuple[Span, ...]:
    """Spans for the hits of groups under `prefix` (e.g. "special."), one per distinct place."""
    out: dict[tuple[str, int, int], Span] = {}
    for h in hits:
        if h.group.startswith(prefix):
            kind = h.group[len(prefix) :]
            out.setdefault((kind, h.start, h.end), Span(kind, h.start, h.end, 0.9, h.text))
    return tuple(sorted(out.values(), key=lambda s: (s.start, s.type)))
