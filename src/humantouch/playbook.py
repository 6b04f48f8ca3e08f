"""The playbook: one YAML file per organisation with intents, priors, thresholds, lexicons and SLAs.

The format is documented in docs/playbook.md. Loading validates everything; an
invalid playbook never starts, and the error names the file, the field and
what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from humantouch.errors import PlaybookError
from humantouch.lexicon import compile_pattern

PRIORITIES = ("P1", "P2", "P3", "P4")
LANGUAGES = ("nl", "en")
DEFAULT_PLAYBOOK = "default_playbook.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IntentSpec(_Model):
    description: str = ""
    domain: str = "general"
    emotional_prior: float = Field(ge=0, le=1)
    monetary_prior: float = Field(ge=0, le=1)
    # Facts an agent needs for this intent; the bot collects them at intake.
    facts: tuple[str, ...] = ()
    # When true the bot never answers this intent on its own (e.g. report_death).
    never_automate: bool = False
    # A meta intent says how the customer wants to be served (e.g. request_human), not what about.
    # When the classifier also sees a topical intent (>= thresholds.topic_over_meta), the topic is
    # reported and the meta intent moves to the alternatives (wants_human still reads it there).
    meta: bool = False
    examples: dict[Literal["nl", "en"], tuple[str, ...]] = Field(min_length=1)

    @field_validator("examples")
    @classmethod
    def _examples(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for lang, texts in v.items():
            if len(texts) < 3:
                raise ValueError(f"needs at least 3 examples in '{lang}', has {len(texts)}")
            for i, t in enumerate(texts):
                if not t.strip():
                    raise ValueError(f"example {i} in '{lang}' is empty")
        return v


class LifeEventSpec(_Model):
    emotional: float = Field(ge=0, le=1)
    monetary: float = Field(ge=0, le=1)
    never_automate: bool = False
    nl: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


class Thresholds(_Model):
    emotional_high: float = Field(0.45, ge=0, le=1)
    monetary_high: float = Field(0.45, ge=0, le=1)
    # Below this intent confidence the engine says "unknown" rather than guess.
    intent_min_confidence: float = Field(0.2, ge=0, le=1)
    # Below this similarity to the nearest example a message is out of scope.
    out_of_scope_similarity: float = Field(0.25, ge=-1, le=1)
    # Below this confidence the contact is never automated.
    automate_min_confidence: float = Field(0.5, ge=0, le=1)
    emotion_present: float = Field(0.35, ge=0, le=1)
    # The bot answers from a knowledge article only at or above this question-article similarity.
    answer_min_similarity: float = Field(0.35, ge=-1, le=1)
    answer_min_confidence: float = Field(1.3, ge=0, le=3)
    # A topical intent at or above this probability wins over a meta intent (see IntentSpec.meta).
    topic_over_meta: float = Field(0.15, ge=0, le=1)
    # A message read at or above this confidence as a language the desk does not serve goes to a person.
    other_language_min_confidence: float = Field(0.7, ge=0, le=1)


class AmountScale(_Model):
    weight: float = Field(0.45, ge=0, le=1)
    low_eur: float = Field(50, gt=0)
    high_eur: float = Field(10_000, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> AmountScale:
        if self.high_eur <= self.low_eur:
            raise ValueError(f"high_eur ({self.high_eur:g}) must be larger than low_eur ({self.low_eur:g})")
        return self


class CustomerValueScale(_Model):
    weight: float = Field(0.3, ge=0, le=1)
    high_value_eur: float = Field(5_000, gt=0)


class TenureScale(_Model):
    weight: float = Field(0.1, ge=0, le=1)
    years_for_full: float = Field(10, gt=0)


class Weights(_Model):
    emotion: dict[Literal["anger", "fear", "sadness"], float] = {"anger": 0.3, "fear": 0.35, "sadness": 0.35}
    urgency: dict[Literal["critical", "high"], float] = {"critical": 0.6, "high": 0.3}
    vulnerability: dict[str, float] = {"elderly": 0.25, "confusion": 0.2, "distress": 0.35, "minor": 0.25}
    repeat_contact: float = Field(0.2, ge=0, le=1)
    amount: AmountScale = AmountScale()
    customer_value: CustomerValueScale = CustomerValueScale()
    tenure: TenureScale = TenureScale()
    segment: dict[str, float] = {"premium": 0.15, "business": 0.15, "vip": 0.2}


class Sla(_Model):
    default_minutes: dict[Literal["P1", "P2", "P3", "P4"], int] = {"P1": 5, "P2": 60, "P3": 480, "P4": 1440}
    channels: dict[str, dict[Literal["P1", "P2", "P3", "P4"], int]] = {}

    @model_validator(mode="after")
    def _complete(self) -> Sla:
        for name, table in {"default_minutes": self.default_minutes, **self.channels}.items():
            missing = [p for p in PRIORITIES if p not in table]
            if missing:
                raise ValueError(f"'{name}' lacks {', '.join(missing)}")
            if any(v <= 0 for v in table.values()):
                raise ValueError(f"'{name}' has a target that is not a positive number of minutes")
        return self


class LexiconGroup(_Model):
    negatable: bool = False
    nl: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


class ClassifierSpec(_Model):
    # The weight of the sentence embeddings against the TF-IDF features in the intent classifier.
    # "auto" chooses it by cross-validation at every cold start (several seconds); a number skips that.
    # `humantouch train --cross-validate` prints the weight cross-validation picks for a playbook.
    embedding_weight: float | Literal["auto"] = "auto"
    # The classifier's linear head: a linear SVM or logistic regressions. "auto" chooses it by cross-validation
    # with the embedding weight; only with both pinned does a cold start fit no more than one classifier.
    head: Literal["auto", "svm", "logistic"] = "auto"

    @field_validator("embedding_weight")
    @classmethod
    def _positive(cls, v: float | str) -> float | str:
        if not isinstance(v, str) and not 0 < v <= 10:
            raise ValueError(f"must be 'auto' or a number above 0 and at most 10, not {v}")
        return v


MASKABLE = (
    "IBAN",
    "BSN",
    "PHONE",
    "EMAIL",
    "POSTCODE",
    "LICENSE_PLATE",
    "MONEY",
    "DATE",
    "ORDER_NUMBER",
    "CUSTOMER_NUMBER",
    "POLICY_NUMBER",
    "CLAIM_NUMBER",
    "INVOICE_NUMBER",
    "REFERENCE",
)
SPECIAL_CATEGORIES = (
    "health",
    "religion",
    "ethnicity",
    "sexual_orientation",
    "politics",
    "union_membership",
    "biometrics",
    "criminal_record",
)


class StoragePolicy(_Model):
    """What is kept of a message: masked text always; the original only encrypted, only for a while."""

    # Entity types replaced by a placeholder in the stored text (and in the stored analysis).
    mask: tuple[str, ...] = ("IBAN", "BSN", "PHONE", "EMAIL", "POSTCODE", "LICENSE_PLATE")
    keep_original: bool = True
    original_days: int = Field(30, ge=1, le=3650)
    # Roles that may read an original (each read is audited); the role also needs `originals:read`.
    original_roles: tuple[Literal["agent", "supervisor", "admin"], ...] = ("supervisor", "admin")
    # GDPR art. 9 categories: details (words, message text) leave the service only if allowed here.
    special_categories_in_webhooks: bool = False
    special_categories_in_exports: bool = False

    @field_validator("mask")
    @classmethod
    def _mask(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [t for t in v if t not in MASKABLE and t not in SPECIAL_CATEGORIES]
        if unknown:
            raise ValueError(f"unknown entity types {', '.join(unknown)}; known: {', '.join(MASKABLE)}")
        return v


class Playbook(_Model):
    name: str
    version: int = 1
    description: str = ""
    languages: tuple[str, ...] = LANGUAGES
    thresholds: Thresholds = Thresholds()
    weights: Weights = Weights()
    life_events: dict[str, LifeEventSpec]
    lexicon: dict[str, LexiconGroup] = {}
    sla: Sla = Sla()
    classifier: ClassifierSpec = ClassifierSpec()
    # Extra examples of messages the desk cannot help with; they join the packaged ones
    # as the classifier's "unknown" class.
    out_of_scope: dict[Literal["nl", "en"], tuple[str, ...]] = {}
    intents: dict[str, IntentSpec]
    # Feedback surveys skip bereavement and safety conversations unless this is true (docs/feedback.md).
    surveys_in_sensitive_conversations: bool = False
    storage: StoragePolicy = StoragePolicy()
    source: str = Field("", exclude=True)

    @field_validator("intents")
    @classmethod
    def _intents(cls, v: dict[str, IntentSpec]) -> dict[str, IntentSpec]:
        if len(v) < 2:
            raise ValueError("a playbook needs at least two intents")
        if "unknown" in v:
            raise ValueError("'unknown' is reserved for out-of-scope messages")
        return v

    @model_validator(mode="after")
    def _patterns(self) -> Playbook:
        for event, spec in self.life_events.items():
            for lang in LANGUAGES:
                for p in getattr(spec, lang):
                    _check_pattern(f"life_events.{event}.{lang}", p)
        for group, lex in self.lexicon.items():
            for lang in LANGUAGES:
                for p in getattr(lex, lang):
                    _check_pattern(f"lexicon.{group}.{lang}", p)
        return self

    def sla_minutes(self, channel: str, priority: str) -> int:
        table = self.sla.channels.get(channel, self.sla.default_minutes)
        return int(table.get(priority, self.sla.default_minutes.get(priority, 1440)))  # type: ignore[call-overload]

    def fingerprint(self) -> str:
        """A hash of everything that changes what the classifier learns."""
        payload = {
            "intents": {name: spec.examples for name, spec in sorted(self.intents.items())},
            "out_of_scope": self.out_of_scope,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def training_examples(self) -> tuple[list[str], list[str]]:
        """Intent examples, plus out-of-scope examples (packaged and the playbook's) as class 'unknown'."""
        texts: list[str] = []
        labels: list[str] = []
        for name, spec in self.intents.items():
            for examples in spec.examples.values():
                texts.extend(examples)
                labels.extend([name] * len(examples))
        packaged = packaged_yaml("out_of_scope.yaml")
        for lang in LANGUAGES:
            oos = [*packaged.get(lang, ()), *self.out_of_scope.get(lang, ())]  # type: ignore[call-overload]
            texts.extend(oos)
            labels.extend(["unknown"] * len(oos))
        return texts, labels


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster on the big example files


def read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def packaged_yaml(name: str) -> Any:
    return read_yaml((resources.files("humantouch") / "data" / name).read_text(encoding="utf-8"))


def _check_pattern(field: str, pattern: str) -> None:
    try:
        compile_pattern(field, pattern)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from exc


def _field_of(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def parse_playbook(data: Any, source: str) -> Playbook:
    if not isinstance(data, dict):
        raise PlaybookError(
            source,
            "(top level)",
            "must be a mapping with name, intents and life_events",
            hint="see docs/playbook.md for the format",
        )
    try:
        playbook = Playbook.model_validate({**data, "source": source})
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        msg = str(err["msg"]).removeprefix("Value error, ")
        field = _field_of(err["loc"])
        # Whole-playbook checks (patterns) name their field at the start of the message.
        head, sep, rest = msg.partition(": ")
        if not err["loc"] and sep and re.fullmatch(r"[\w.]+", head):
            field, msg = head, rest
        raise PlaybookError(
            source, field, msg + more, hint="fix the field and start again; docs/playbook.md describes every field"
        ) from None
    return playbook


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Load and validate a playbook file; None loads the packaged default playbook."""
    if path is None:
        ref = resources.files("humantouch") / "data" / DEFAULT_PLAYBOOK
        text = ref.read_text(encoding="utf-8")
        source = f"<packaged>/{DEFAULT_PLAYBOOK}"
    else:
        p = Path(path)
        source = str(p)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PlaybookError(  # noqa: B904 - the missing file is the whole story
                source,
                "(file)",
                "does not exist",
                hint="give the path of a playbook YAML file, or leave it out for the default",
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise PlaybookError(source, "(file)", f"cannot be read: {exc}") from None
    try:
        data = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise PlaybookError(source, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_playbook(data, source)


def load_builtin_lexicon() -> dict[str, LexiconGroup]:
    """The lexicon groups shipped with humantouch (data/lexicons.yaml)."""
    data = packaged_yaml("lexicons.yaml")
    source = "<packaged>/lexicons.yaml"
    groups: dict[str, LexiconGroup] = {}
    for name, spec in data["groups"].items():
        try:
            groups[name] = LexiconGroup.model_validate(spec)
        except ValidationError as exc:
            raise PlaybookError(source, f"groups.{name}", str(exc.errors()[0]["msg"])) from None
    return groups
