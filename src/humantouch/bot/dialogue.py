"""The bot's next move in one conversation: a pure function of its state and the new message.

    respond(state, turn, profile, playbook) -> Step(new state, reply or None, outcome)

In order: silent once a person has the conversation; a person at once when asked for (or, with a
short acknowledgement, when the route is human or a "person now" override rule fired); the
customer's yes/no after an answer; the answer to an intake question; otherwise a new question:
greet, answer from the article the service found for the classified intent, or collect the
intent's missing facts one at a time and hand over. Two messages in a row the bot does not
understand, or two failed tries at one fact, also hand over.

The state is a plain record the service stores as JSON per conversation; the knowledge search
and the database stay outside (the service passes the article to answer with in `Turn.article`,
and its texts in other forms of address in `Turn.variants`: the bot settles the conversation's form
here, from this message, the state and the profile, so it also picks the text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from humantouch.bot import facts as fact_reading
from humantouch.bot.reading import STRONG_EMOTION, Form, Tone, asks_for_person, reaction, register, tone
from humantouch.bot.replies import Templates, templates
from humantouch.knowledge import Article
from humantouch.playbook import Playbook
from humantouch.records import Triage

Stage = Literal["idle", "confirm", "intake", "handed_over", "resolved"]
Outcome = Literal["reply", "intake", "handoff", "resolved", "silent"]
ReplyKind = Literal["answer", "intake_question", "handoff", "acknowledgement", "confirm"]
# The decision's override rules that mean a person takes the contact now, without intake questions:
# danger, a request for a person, acute financial harm, a vulnerable customer, an unhappy repeat
# contact, and the life events the playbook never automates (bereavement, serious illness).
PERSON_NOW_RULES = frozenset(
    {"safety", "self_harm", "asked_for_person", "vulnerable.elderly", "vulnerable.distress", "vulnerable.minor"}
)
PERSON_NOW_PREFIXES = ("never_automate.",)
# Suffix of the repeat evidence the engine writes for contacts counted in the database.
COUNTED_CONTACTS = "contacts in the last 7 days"
# Rules whose acknowledgement carries advice for right now (112, 113, blocking the card).
ADVICE_RULES = ("self_harm", "safety", "financial_harm")
MAX_TRIES = 2
LANGUAGE_SWITCH_WORDS = 8  # words of letters; codes, numbers and addresses are no evidence of a language
MAX_MISUNDERSTOOD = 2
SHORT_FOLLOW_UP_WORDS = 3
PERSON_STATUSES = frozenset({"waiting_for_agent", "with_agent"})
SMALL_TALK = frozenset({"greeting", "thanks", "compliment"})
# The bot's form of address -> the front-matter `form` of the article variant written in it
# (knowledge.ARTICLE_FORMS); the default article text is formal.
ARTICLE_FORM: dict[str, str] = {"informal": "je"}


@dataclass(frozen=True, slots=True)
class Fact:
    fact: str
    value: str
    message_id: int | None  # None: taken from the customer profile
    source: Literal["message", "profile"] = "message"


@dataclass(frozen=True, slots=True)
class Shown:
    """An article the bot answered with, and what the customer said to it."""

    article: str
    title: str
    message_id: int
    reaction: Literal["pending", "helped", "not_helped", "moved_on"] = "pending"


@dataclass(frozen=True, slots=True)
class State:
    stage: Stage = "idle"
    intent: str | None = None
    facts: tuple[Fact, ...] = ()
    asking: str | None = None
    tries: tuple[tuple[str, int], ...] = ()
    asked: tuple[str, ...] = ()  # every fact question asked, in order (retries included)
    misunderstood: int = 0
    shown: tuple[Shown, ...] = ()
    form: Form | None = None  # the register the customer used last
    language: str | None = None  # the last language the customer was recognised in
    greeted: bool = False
    acknowledged: tuple[str, ...] = ()  # tones already acknowledged (condolences once, not every message)
    handoff_reason: str | None = None

    def fact(self, name: str) -> Fact | None:
        return next((f for f in self.facts if f.fact == name), None)

    def tries_of(self, name: str) -> int:
        return dict(self.tries).get(name, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "intent": self.intent,
            "facts": [
                {"fact": f.fact, "value": f.value, "message_id": f.message_id, "source": f.source} for f in self.facts
            ],
            "asking": self.asking,
            "tries": dict(self.tries),
            "asked": list(self.asked),
            "misunderstood": self.misunderstood,
            "shown": [
                {"article": s.article, "title": s.title, "message_id": s.message_id, "reaction": s.reaction}
                for s in self.shown
            ],
            "form": self.form,
            "language": self.language,
            "greeted": self.greeted,
            "acknowledged": list(self.acknowledged),
            "handoff_reason": self.handoff_reason,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> State:
        if not d:
            return cls()
        return cls(
            stage=d.get("stage", "idle"),
            intent=d.get("intent"),
            facts=tuple(
                Fact(f["fact"], f["value"], f.get("message_id"), f.get("source", "message")) for f in d["facts"]
            ),
            asking=d.get("asking"),
            tries=tuple(sorted(d.get("tries", {}).items())),
            asked=tuple(d.get("asked", ())),
            misunderstood=int(d.get("misunderstood", 0)),
            shown=tuple(Shown(s["article"], s["title"], s["message_id"], s["reaction"]) for s in d.get("shown", ())),
            form=d.get("form"),
            language=d.get("language"),
            greeted=bool(d.get("greeted", False)),
            acknowledged=tuple(d.get("acknowledged", ())),
            handoff_reason=d.get("handoff_reason"),
        )


@dataclass(frozen=True, slots=True)
class Profile:
    name: str | None = None
    language: str | None = None
    form_of_address: str = "unknown"  # formal | informal | unknown
    # Facts the service already knows from the customer record (customer_number, email identities).
    known: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    message_id: int
    triage: Triage
    # The conversation's status before this message (None: new) and its route after it.
    status: str | None
    route: str
    # The article the knowledge search was confident about, with its question-article similarity.
    article: Article | None = None
    similarity: float = 0.0
    # The same article in other forms of address (Article.form), to answer in the customer's.
    variants: tuple[Article, ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    kind: ReplyKind
    text: str
    fact: str | None = None  # the fact an intake question asks for
    retry: bool = False  # the same fact asked again after an answer that did not check out
    article: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    state: State
    reply: Reply | None
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class _Voice:
    """Language, form, tone and name of one reply; renders templates with them."""

    lang: str
    form: Form
    tone: Tone
    name: str | None
    book: Templates

    def say(self, key: str, **values: str) -> str:
        return self.book.render(key, self.lang, self.form, **values)


def all_fact_names(playbook: Playbook) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for spec in playbook.intents.values() for f in spec.facts))


def respond(state: State, turn: Turn, profile: Profile, playbook: Playbook, book: Templates | None = None) -> Step:
    a = turn.triage.analysis
    seen_form = register(turn.text)
    # A short message ("thanks!", an e-mail address) does not switch the conversation's language.
    lang = a.language if a.language in ("nl", "en") else None
    # Answers to the bot's questions (names, addresses, codes) are no evidence of a language either.
    words = len(re.findall(r"[^\W\d_]{2,}", turn.text))
    answering = state.stage == "intake" and state.asking is not None
    if state.language is not None and (answering or words < LANGUAGE_SWITCH_WORDS):
        lang = None
    state = replace(state, form=seen_form or state.form, language=lang or state.language)
    state = _collect(state, turn, profile, playbook)
    if turn.status == "with_agent" or (state.stage == "handed_over" and turn.status in PERSON_STATUSES):
        return Step(state, None, "silent")
    if state.stage in ("handed_over", "resolved"):  # handed back to the bot, or a resolved conversation reopened
        state = replace(state, stage="idle", asking=None, misunderstood=0)
    voice = _voice(state, turn, profile, book or templates())

    answering = state.stage == "intake" and state.asking is not None
    if asks_for_person(turn.text, a, answering=answering):
        return _handoff(state, voice, "asked", advice=_advice(turn))
    human = turn.route == "human" or turn.triage.decision.route == "human" or person_now(turn.triage) is not None
    if human and not (answering and _unsure_request_only(turn.triage)):
        return _handoff(state, voice, "route_human", kind="acknowledgement", advice=_advice(turn))
    if state.stage == "confirm":
        step = _after_answer(state, turn, voice, playbook)
        if step is not None:
            return step
        state = replace(state, stage="idle")
    if state.stage == "intake" and state.asking is not None:
        return _intake_answer(state, turn, voice, playbook)
    return _new_question(state, turn, voice, playbook)


def person_now(triage: Triage) -> str | None:
    """The override rule of this message that hands the contact to a person at once, if any."""
    a = triage.analysis
    for rule in triage.decision.overrides:
        if rule in PERSON_NOW_RULES or rule.startswith(PERSON_NOW_PREFIXES):
            return rule
        # Money being lost now in the customer's own words; the intent alone (a lost card, an
        # unknown debit) is something the bot can answer or take in.
        if rule == "financial_harm" and any(
            s.name == "financial_harm" and not all(e.startswith("intent ") for e in s.evidence)
            for s in a.urgency.reasons
        ):
            return rule
        # A confused customer who is also clearly worried or upset.
        if rule == "vulnerable.confusion" and max(a.emotions.values(), default=0.0) >= STRONG_EMOTION:
            return rule
        # An unhappy third contact (two earlier ones this week, counted in the database).
        if rule == "unhappy_repeat_contact" and any(e.endswith(COUNTED_CONTACTS) for e in a.repeat_evidence):
            return rule
    return None


def _unsure_request_only(triage: Triage) -> bool:
    """The message goes to a person only because the classifier read an answer to the bot's question
    as a request for one (not sure enough for `asks_for_person`): the bot goes on with the intake."""
    d = triage.decision
    others = [r for r in d.overrides if r != "asked_for_person"]
    return (
        "asked_for_person" in d.overrides
        and d.quadrant != "C"
        and not any(r in ("safety", "self_harm") for r in others)
    )


def _advice(turn: Turn) -> str | None:
    rules = set(turn.triage.decision.overrides)
    return next((f"advice.{r}" for r in ADVICE_RULES if r in rules), None)


def _voice(state: State, turn: Turn, profile: Profile, book: Templates) -> _Voice:
    a = turn.triage.analysis
    lang = state.language or (profile.language if profile.language in ("nl", "en") else None) or "nl"
    profile_form: Form | None = profile.form_of_address if profile.form_of_address in ("formal", "informal") else None  # type: ignore[assignment]
    form: Form = state.form or profile_form or "formal"
    return _Voice(lang, form, tone(a, turn.text), profile.name, book)


def _in_form(article: Article, variants: Sequence[Article], form: str) -> Article:
    """The article as written in this form of address (the `je` text for an informal customer),
    or the default text when there is no such variant."""
    want = ARTICLE_FORM.get(form)
    match = (v for v in variants if (v.id, v.lang, v.form) == (article.id, article.lang, want))
    return next(match, article) if want is not None else article


def _collect(state: State, turn: Turn, profile: Profile, playbook: Playbook) -> State:
    """Every fact this message clearly states, and what the profile knows, kept with where it came from."""
    found = list(state.facts)
    have = {f.fact for f in found}
    spans = turn.triage.analysis.entities
    for name in all_fact_names(playbook):
        if name in have or name == state.asking:  # the fact asked for is read as the answer (`facts.answer`)
            continue
        if name in profile.known:
            found.append(Fact(name, profile.known[name], None, "profile"))
            have.add(name)
            continue
        value = fact_reading.find(name, turn.text, spans)
        if value is not None:
            found.append(Fact(name, value, turn.message_id))
            have.add(name)
    return replace(state, facts=tuple(found))


def _missing(state: State, playbook: Playbook) -> list[str]:
    spec = playbook.intents.get(state.intent or "")
    if spec is None:
        return []
    return [f for f in spec.facts if state.fact(f) is None and state.tries_of(f) < MAX_TRIES]


def _opening(state: State, voice: _Voice) -> tuple[State, list[str]]:
    """The first reply of a conversation says hello by name and that this is a bot; a feeling is
    acknowledged once per conversation."""
    parts: list[str] = []
    if not state.greeted:
        if voice.name:
            first = voice.name.split()[0]
            parts.append(voice.say("greeting_named", name=voice.name, first_name=first) + " " + voice.say("intro"))
        else:
            parts.append(voice.say("greeting") + " " + voice.say("intro"))
        state = replace(state, greeted=True)
    if voice.tone != "neutral" and voice.tone not in state.acknowledged:
        parts.append(voice.say(f"tone.{voice.tone}"))
        state = replace(state, acknowledged=(*state.acknowledged, voice.tone))
    return state, parts


def _reply(
    state: State, voice: _Voice, kind: ReplyKind, body: list[str], hint: bool = True, **extra: Any
) -> tuple[State, Reply]:
    state, parts = _opening(state, voice)
    parts.extend(body)
    if hint:
        parts.append(voice.say("human_hint"))
    return state, Reply(kind, "\n\n".join(p for p in parts if p), **extra)


def _handoff(state: State, voice: _Voice, reason: str, kind: ReplyKind = "handoff", advice: str | None = None) -> Step:
    key = {"route_human": "acknowledgement"}.get(reason, f"handoff.{reason}")
    body = [voice.say(advice)] if advice else []
    body.append(voice.say(key))
    if kind == "handoff":
        body.append(voice.say("handoff.no_repeat"))
    body.append(voice.say("reach_person"))
    state = replace(
        state,
        stage="handed_over",
        asking=None,
        handoff_reason=reason,
        shown=tuple(replace(s, reaction="moved_on") if s.reaction == "pending" else s for s in state.shown),
    )
    state, reply = _reply(state, voice, kind, body, hint=False)
    return Step(state, reply, "handoff")


def _ask(state: State, voice: _Voice, fact: str, lead: list[str], retry: bool = False) -> Step:
    key = f"ask.{fact}" if voice.book.has(f"ask.{fact}") else "ask.other"
    question = voice.say(key, fact=fact.replace("_", " "))
    state = replace(state, stage="intake", asking=fact, asked=(*state.asked, fact))
    state, reply = _reply(state, voice, "intake_question", [*lead, question], fact=fact, retry=retry)
    return Step(state, reply, "intake")


def _after_answer(state: State, turn: Turn, voice: _Voice, playbook: Playbook) -> Step | None:
    said = reaction(turn.text)
    if said is None and turn.triage.analysis.intent.name == "thanks":
        said = "yes"
    if said is None:
        return None  # a new question: the service's caller goes on with it
    last = state.shown[-1] if state.shown else None
    shown = state.shown
    if last is not None:
        shown = (*shown[:-1], replace(last, reaction="helped" if said == "yes" else "not_helped"))
    state = replace(state, shown=shown)
    if said == "yes":
        # Cheerful only when nothing in the whole conversation was frustrating, worrying or sad.
        key = "resolved.neutral" if voice.tone == "neutral" and not state.acknowledged else "resolved"
        state = replace(state, stage="resolved")
        state, reply = _reply(state, voice, "confirm", [voice.say(key)])
        return Step(state, reply, "resolved")
    missing = _missing(state, playbook)
    if missing:
        return _ask(state, voice, missing[0], [voice.say("intake.not_answered")])
    return _handoff(state, voice, "not_answered")


def _intake_answer(state: State, turn: Turn, voice: _Voice, playbook: Playbook) -> Step:
    fact = state.asking
    assert fact is not None
    found = state.fact(fact)
    if found is None:
        read = fact_reading.answer(fact, turn.text, turn.triage.analysis.entities)
        if read.value is not None:
            state = replace(state, facts=(*state.facts, Fact(fact, read.value, turn.message_id)))
        else:
            tries = state.tries_of(fact) + 1
            state = replace(state, tries=tuple(sorted({**dict(state.tries), fact: tries}.items())))
            if tries >= MAX_TRIES:
                return _handoff(state, voice, "gave_up")
            return _ask(state, voice, fact, [voice.say(read.problem or "invalid.unclear")], retry=True)
    missing = _missing(state, playbook)
    if missing:
        return _ask(state, voice, missing[0], [])
    return _handoff(state, voice, "collected")


def _new_question(state: State, turn: Turn, voice: _Voice, playbook: Playbook) -> Step:
    a = turn.triage.analysis
    intent = a.intent.name
    if state.intent is not None and len(turn.text.split()) <= SHORT_FOLLOW_UP_WORDS and intent not in SMALL_TALK:
        intent = state.intent  # "14 november" after an answer goes on with the same topic
    if intent in SMALL_TALK:
        key = {"greeting": "how_can_i_help", "thanks": "thanks", "compliment": "compliment"}[intent]
        state, reply = _reply(replace(state, misunderstood=0), voice, "acknowledgement", [voice.say(key)])
        return Step(state, reply, "reply")
    if intent == "unknown":
        count = state.misunderstood + 1
        state = replace(state, misunderstood=count)
        if count >= MAX_MISUNDERSTOOD:
            return _handoff(state, voice, "misunderstood")
        state, reply = _reply(state, voice, "intake_question", [voice.say("rephrase")])
        return Step(state, reply, "reply")
    state = replace(state, misunderstood=0, intent=intent)
    spec = playbook.intents.get(intent)
    automatable = turn.route == "automate" and spec is not None and not spec.never_automate
    article = turn.article
    if article is not None and intent not in article.intents:
        article = None  # an article answers the intents it declares, not whatever else is near it
    if article is not None and any(s.article == article.id for s in state.shown):
        article = None  # shown before and it did not settle the question: a person takes it from here
    state = replace(
        state, shown=tuple(replace(s, reaction="moved_on") if s.reaction == "pending" else s for s in state.shown)
    )
    if automatable and article is not None:
        state = replace(
            state,
            stage="confirm",
            asking=None,
            shown=(*state.shown, Shown(article.id, article.title, turn.message_id)),
        )
        text = _in_form(article, turn.variants, voice.form)
        body = [voice.say("answer", title=text.title, body=text.body), voice.say("did_this_help")]
        state, reply = _reply(state, voice, "answer", body, article=article.id)
        return Step(state, reply, "reply")
    missing = _missing(state, playbook)
    if missing:
        return _ask(state, voice, missing[0], [voice.say("intake.lead")])
    return _handoff(state, voice, "cannot_answer" if turn.route == "automate" else "person_needed")
