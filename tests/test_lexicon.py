"""The rule lexicon: pattern syntax, and a table of messages -> groups that must (not) fire."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from humantouch.engine import build_lexicon
from humantouch.lexicon import Lexicon, compile_pattern
from humantouch.playbook import load_playbook
from humantouch.text import normalize, tokenize

CASES = yaml.safe_load((Path(__file__).parent / "data" / "lexicon_cases.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return build_lexicon(load_playbook())


def groups(lex: Lexicon, text: str) -> set[str]:
    return {h.group for h in lex.match(text, tokenize(normalize(text)))}


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_case_table(case: dict[str, object]) -> None:
    found = groups(lexicon(), str(case["text"]))
    must = set(case.get("groups") or [])  # type: ignore[call-overload]
    must_not = set(case.get("not") or [])  # type: ignore[call-overload]
    assert must <= found, f"missing {must - found}"
    assert not (must_not & found), f"fired wrongly: {must_not & found}"


def test_every_group_is_exercised_by_the_table() -> None:
    covered = {g for c in CASES for g in (c.get("groups") or [])}
    assert set(lexicon().group_names()) <= covered | {g for g in lexicon().group_names() if not lexicon().groups[g]}


def small(groups_: dict[str, list[str]], negatable: tuple[str, ...] = ()) -> Lexicon:
    return Lexicon({g: {"nl": p} for g, p in groups_.items()}, negatable)


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("overlijden", "mijn vader is overleden", True),  # lemma match
        ("gaslek*", "er is een gaslekkage", True),  # prefix
        ("gaslek*", "gasfles", False),
        ("wil ~ mens spreken", "ik wil graag een mens spreken", True),  # gap of two
        ("wil ~ mens spreken", "ik wil nu graag echt even een mens spreken", False),  # gap of five
        ("don't", "I dont know", False),
        ("don't", "I don't know", True),
        ("creditcard gestolen", "Créditcard GESTOLEN!!", True),  # accents and case
    ],
)
def test_pattern_syntax(pattern: str, text: str, hit: bool) -> None:
    assert (groups(small({"g": [pattern]}), text) == {"g"}) is hit


def test_negation_only_in_negatable_groups() -> None:
    lex = small({"emotion.anger": ["boos"], "urgency.safety": ["gewond"]}, negatable=("emotion.anger",))
    assert groups(lex, "ik ben niet boos") == set()
    assert groups(lex, "ik ben boos") == {"emotion.anger"}
    assert groups(lex, "hij is niet gewond") == {"urgency.safety"}


def test_hit_offsets_point_at_the_words() -> None:
    text = "Hallo, mijn man is OVERLEDEN."
    hits = small({"g": ["overlijden"]}).match(text, tokenize(normalize(text)))
    assert [text[h.start : h.end] for h in hits] == ["OVERLEDEN"]


@pytest.mark.parametrize("bad", ["", "~ gas", "gas ~", "ga*", "g*as"])
def test_bad_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_pattern("g", bad)


def test_english_contractions_negate() -> None:
    lex = small({"wants_human": ["speak to anyone"]}, negatable=("wants_human",))
    assert groups(lex, "I don't need to speak to anyone") == set()
    assert groups(lex, "can I speak to anyone please") == {"wants_human"}


def test_negation_stops_at_the_end_of_a_sentence() -> None:
    lex = small({"wants_human": ["iemand ~ bellen"]}, negatable=("wants_human",))
    assert groups(lex, "de app doet het niet. kan iemand me bellen?") == {"wants_human"}
    assert groups(lex, "er hoeft niet iemand te bellen") == set()


def test_a_comma_ends_the_negation() -> None:
    lex = small({"life_event.bereavement": ["passed away"]}, negatable=("life_event.bereavement",))
    assert groups(lex, "No, my husband passed away last week") == {"life_event.bereavement"}


def test_prefix_pattern_matches_an_inflected_first_word_through_its_lemma() -> None:
    assert groups(small({"g": ["sterv*"]}), "mijn vader stierf gisteren") == {"g"}


def test_the_second_token_index_finds_what_trying_every_candidate_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index leaves out candidates whose second token cannot match; without it, the same hits in the same order."""
    from humantouch import lexicon as lexicon_module
    from humantouch.evaluation.own import load_cases

    indexed = lexicon()
    monkeypatch.setattr(lexicon_module, "_exact_token", lambda ptok: None)
    unfiltered = build_lexicon(load_playbook())
    texts = [str(c["text"]) for c in CASES] + [str(c.record["text"]) for c in load_cases()]
    for text in texts:
        tokens = tokenize(normalize(text))
        assert indexed.match(text, tokens) == unfiltered.match(text, tokens), text


def test_a_full_candidate_memory_is_forgotten_and_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    from humantouch import lexicon as lexicon_module

    monkeypatch.setattr(lexicon_module, "FORMS_CACHE", 2)
    small = build_lexicon(load_playbook())
    for case in CASES * 2:
        text = str(case["text"])
        tokens = tokenize(normalize(text))
        assert small.match(text, tokens) == lexicon().match(text, tokens), text
    assert len(small._by_forms) <= 2


_HITS_SCRIPT = """
import json, sys
from pathlib import Path
import yaml
from humantouch.engine import build_lexicon
from humantouch.evaluation.own import load_cases
from humantouch.playbook import load_playbook
from humantouch.text import normalize, tokenize
lex = build_lexicon(load_playbook())
texts = [c["text"] for c in yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8"))]
texts += [c.record["text"] for c in load_cases()]
print(json.dumps([[(h.group, h.pattern, h.start, h.end) for h in lex.match(t, tokenize(normalize(t)))] for t in texts]))
"""


def test_the_same_text_gives_the_same_hits_in_every_process() -> None:
    """Which pattern of a group is reported, and its span, must not follow the process's string hashing."""
    cases = Path(__file__).parent / "data" / "lexicon_cases.yaml"
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _HITS_SCRIPT, str(cases)], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
