from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from humantouch.errors import PlaybookError
from humantouch.playbook import load_playbook

MINIMAL = {
    "name": "mini",
    "life_events": {"bereavement": {"emotional": 0.6, "monetary": 0.2, "never_automate": True}},
    "intents": {
        "order_status": {
            "emotional_prior": 0.05,
            "monetary_prior": 0.05,
            "examples": {
                "nl": ["waar is mijn pakket", "pakket niet ontvangen", "track en trace"],
                "en": ["where is my parcel", "order not received", "tracking please"],
            },
        },
        "complaint": {
            "emotional_prior": 0.4,
            "monetary_prior": 0.1,
            "examples": {
                "nl": ["slechte service", "ik wil klagen", "schandalig"],
                "en": ["bad service", "I want to complain", "disgraceful"],
            },
        },
    },
}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_default_playbook_loads_with_30_intents_and_15_examples_each() -> None:
    book = load_playbook()
    assert len(book.intents) >= 30
    for name, spec in book.intents.items():
        for lang in ("nl", "en"):
            assert len(spec.examples[lang]) >= 15, (name, lang)
    for required in ("greeting", "thanks", "complaint", "cancel_subscription", "data_privacy_request", "request_human"):
        assert required in book.intents


def test_minimal_playbook_loads(tmp_path: Path) -> None:
    book = load_playbook(write(tmp_path, MINIMAL))
    assert book.name == "mini"
    assert book.sla_minutes("chat", "P1") == book.sla.default_minutes["P1"]


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (
            lambda d: d["intents"]["order_status"].update(emotional_prior=1.5),
            "intents.order_status.emotional_prior",
            "less than or equal to 1",
        ),
        (
            lambda d: d["intents"]["order_status"]["examples"].update(nl=["een"]),
            "intents.order_status.examples",
            "at least 3 examples",
        ),
        (lambda d: d["intents"].update(unknown=d["intents"]["complaint"]), "intents", "reserved"),
        (lambda d: d.pop("name"), "name", "required"),
        (lambda d: d["intents"]["complaint"].update(colour="red"), "intents.complaint.colour", "not permitted"),
        (
            lambda d: d.update(lexicon={"urgency.safety": {"nl": ["gas*"]}}),
            "lexicon.urgency.safety.nl",
            "shorter than 4",
        ),
        (lambda d: d.update(sla={"channels": {"chat": {"P1": 1}}}), "sla", "lacks P2"),
    ],
)
def test_invalid_playbook_names_file_field_and_problem(tmp_path: Path, mutate, field: str, problem: str) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    err = info.value
    assert err.path == str(path)
    assert err.field == field
    assert problem in err.problem
    assert str(path) in str(err)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nintents: [\n")
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert "line" in info.value.field


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="does not exist"):
        load_playbook(tmp_path / "nope.yaml")


def test_amount_scale_must_be_ordered(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["weights"] = {"amount": {"low_eur": 100, "high_eur": 100}}
    with pytest.raises(PlaybookError) as info:
        load_playbook(write(tmp_path, data))
    assert info.value.field == "weights.amount" and "larger than low_eur" in info.value.problem


def test_intent_without_examples_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["intents"]["complaint"]["examples"] = {}
    with pytest.raises(PlaybookError) as info:
        load_playbook(write(tmp_path, data))
    assert info.value.field == "intents.complaint.examples"


def test_partial_urgency_weights_do_not_crash(tmp_path: Path) -> None:
    from humantouch.decision import decide
    from humantouch.records import Signal, Urgency
    from tests.test_decision import analysis

    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["weights"] = {"urgency": {"critical": 0.7}}
    book = load_playbook(write(tmp_path, data))
    a = analysis("order_status", urgency=Urgency("high", (Signal("financial_harm", ("x",)),)))
    assert decide(a, None, book).route != "automate"


def test_the_classifier_embedding_weight_is_auto_or_a_positive_number(tmp_path: Path) -> None:
    assert load_playbook(write(tmp_path, MINIMAL)).classifier.embedding_weight == "auto"
    pinned = load_playbook(write(tmp_path, {**MINIMAL, "classifier": {"embedding_weight": 2.0}}))
    assert pinned.classifier.embedding_weight == 2.0
    for bad in (0, -1, "sometimes"):
        with pytest.raises(PlaybookError, match=r"classifier\.embedding_weight"):
            load_playbook(write(tmp_path, {**MINIMAL, "classifier": {"embedding_weight": bad}}))


def test_a_pinned_embedding_weight_is_used_without_cross_validation(tmp_path: Path) -> None:
    from humantouch.engine import Engine

    book = load_playbook(write(tmp_path, {**MINIMAL, "classifier": {"embedding_weight": 3.5}}))
    engine = Engine.load(profile="test", playbook=book, cache_dir=tmp_path / "cache")
    # 3.5 is not one of the cross-validation candidates (1.0, 2.0): only the pin can give it.
    assert engine.models.intents.featurizer.embedding_weight == 3.5


def test_the_classifier_head_is_auto_svm_or_logistic(tmp_path: Path) -> None:
    assert load_playbook(write(tmp_path, MINIMAL)).classifier.head == "auto"
    for head in ("svm", "logistic"):
        assert load_playbook(write(tmp_path, {**MINIMAL, "classifier": {"head": head}})).classifier.head == head
    with pytest.raises(PlaybookError, match=r"classifier\.head"):
        load_playbook(write(tmp_path, {**MINIMAL, "classifier": {"head": "forest"}}))


def test_a_pinned_weight_and_head_are_used_without_cross_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from humantouch.engine import Engine
    from humantouch.intents import IntentClassifier

    def refuse(*args: object) -> None:
        raise AssertionError("cross-validated although both are pinned")

    monkeypatch.setattr(IntentClassifier, "_cross_validate", refuse)
    pins = {"embedding_weight": 1.5, "head": "logistic"}
    book = load_playbook(write(tmp_path, {**MINIMAL, "classifier": pins}))
    engine = Engine.load(profile="test", playbook=book, cache_dir=tmp_path / "cache")
    assert engine.models.intents.head == "logistic"
    assert engine.models.intents.featurizer.embedding_weight == 1.5


def test_the_default_playbook_pins_the_svm() -> None:
    assert load_playbook().classifier.head == "svm"  # what `humantouch train --cross-validate` picks for it


def test_a_playbook_extends_life_events_and_lexicons(tmp_path: Path) -> None:
    """A new life event with its own patterns, and a pattern added to a built-in rule group, reach the analysis
    and the decision's reasons (docs/playbook.md, "Life events" and "Lexicon patterns")."""
    from humantouch.engine import Engine
    from humantouch.records import Contact

    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["life_events"]["pet_loss"] = {
        "emotional": 0.5,
        "monetary": 0.0,
        "never_automate": True,
        "nl": ["hond ~ overlijden", "kat ~ overlijden"],
        "en": ["dog ~ died"],
    }
    data["lexicon"] = {"urgency.safety": {"en": ["fuse box ~ crackling"]}}
    engine = Engine.load(write(tmp_path, data), profile="test")

    pet = engine.triage(Contact("onze hond is gisteren overleden, kan ik zijn verzekering stoppen"))
    assert "pet_loss" in [e.name for e in pet.analysis.life_events]
    assert pet.decision.route != "automate" and "never_automate.pet_loss" in pet.decision.overrides
    assert any(r.factor == "life_event.pet_loss" and r.weight == 0.5 for r in pet.decision.reasons)

    alarm = engine.triage(Contact("the fuse box is crackling"))
    assert "safety" in {r.name for r in alarm.analysis.urgency.reasons}
    assert (alarm.decision.route, alarm.decision.priority) == ("human", "P1")
    # Without the playbook's additions neither is found.
    plain = Engine.load(write(tmp_path, MINIMAL), profile="test")
    assert "pet_loss" not in [e.name for e in plain.triage(Contact("onze hond is overleden")).analysis.life_events]
    assert plain.triage(Contact("the fuse box is crackling")).decision.priority != "P1"
