"""The bot's pure core on the test engine: answers, confirmation, intake, handoffs, voice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from humantouch.bot.dialogue import MAX_TRIES, Profile, State, Step, Turn, respond
from humantouch.engine import Engine
from humantouch.knowledge import Article
from humantouch.records import Contact, IntentResult, Triage
from tests.support.engine import double_engine

ORDER_ARTICLE = Article(
    "order-tracking", "nl", "Waar is mijn bestelling?", "Volg uw pakket met de track-and-tracecode.", ("order_status",)
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return double_engine()


class Chat:
    """Drives `respond` like the service does: one state, statuses from the outcomes."""

    def __init__(self, engine: Engine, profile: Profile | None = None) -> None:
        self.engine = engine
        self.profile = profile or Profile()
        self.state = State()
        self.status: str | None = None
        self.route = "automate"
        self.history: list[str] = []
        self.steps: list[Step] = []

    def say(
        self,
        text: str,
        *,
        intent: str | None = None,
        route: str | None = None,
        article: Article | None = None,
        language: str | None = None,
        variants: tuple[Article, ...] = (),
    ) -> Step:
        t = self.engine.triage(Contact(text=text, history=tuple(self.history)))
        a = t.analysis
        if intent is not None:
            a = replace(a, intent=IntentResult(intent, 0.9))
        if language is not None:
            a = replace(a, language=language)
        d = replace(t.decision, route=route) if route is not None else t.decision  # type: ignore[arg-type]
        t = Triage(a, d)
        self.history.append(text)
        order = ["automate", "assist", "human"]
        self.route = max(self.route, d.route, key=order.index) if self.status else d.route
        turn = Turn(text, len(self.history), t, self.status, self.route, article, 0.9 if article else 0.0, variants)
        step = respond(self.state, turn, self.profile, self.engine.playbook)
        self.state = step.state
        self.status = {"handoff": "waiting_for_agent", "intake": "intake", "resolved": "resolved"}.get(
            step.outcome, self.status or "bot"
        )
        self.steps.append(step)
        return step


def test_answers_then_a_yes_resolves(engine: Engine) -> None:
    chat = Chat(engine, Profile(name="Sanne de Vries"))
    first = chat.say("Waar blijft mijn pakket?", intent="order_status", route="automate", article=ORDER_ARTICLE)
    assert first.reply is not None and first.reply.kind == "answer" and first.reply.article == "order-tracking"
    assert "Sanne de Vries" in first.reply.text
    assert "digitale assistent" in first.reply.text and "medewerker" in first.reply.text
    assert "Heeft dit uw vraag beantwoord?" in first.reply.text
    second = chat.say("ja", language="nl")
    assert second.outcome == "resolved" and second.reply is not None and second.reply.kind == "confirm"
    assert [s.reaction for s in chat.state.shown] == ["helped"]


def test_a_no_after_an_answer_collects_missing_facts_then_hands_over(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("Waar blijft mijn pakket?", intent="order_status", route="automate", article=ORDER_ARTICLE)
    no = chat.say("nee, dat helpt niet", language="nl")
    assert no.outcome == "intake" and no.reply is not None and no.reply.fact == "order_number"
    done = chat.say("40012345", intent="order_status", language="nl")
    assert done.outcome == "handoff" and done.reply is not None and done.reply.kind == "handoff"
    assert chat.state.fact("order_number") is not None
    assert chat.state.fact("order_number").message_id == 3  # type: ignore[union-attr]
    assert [s.reaction for s in chat.state.shown] == ["not_helped"]


def test_intake_asks_only_what_is_missing_one_at_a_time(engine: Engine) -> None:
    chat = Chat(engine)
    first = chat.say("Schade melden: polisnummer 88213409, gisteren", intent="insurance_claim", route="assist")
    assert first.reply is not None and first.reply.fact == "place"
    assert first.reply.text.count("?") == 2  # the question and the hint how to reach a person
    second = chat.say("in Utrecht", intent="insurance_claim")
    assert second.reply is not None and second.reply.fact == "description"
    third = chat.say("Iemand reed tegen mijn geparkeerde auto aan.", intent="insurance_claim")
    assert third.outcome == "handoff"
    assert {f.fact: f.value for f in chat.state.facts if f.fact in ("policy_number", "date", "place")} == {
        "policy_number": "88213409",
        "date": "gisteren",
        "place": "in Utrecht",  # asked for, the whole answer is the place
    }
    assert chat.state.asked == ("place", "description")


def test_profile_facts_are_never_asked(engine: Engine) -> None:
    chat = Chat(engine, Profile(known={"customer_number": "K-1234"}))
    step = chat.say("Ik wil mijn abonnement opzeggen", intent="cancel_subscription", route="assist")
    assert step.outcome == "handoff"
    assert chat.state.fact("customer_number") is not None and chat.state.fact("customer_number").source == "profile"  # type: ignore[union-attr]


def test_a_bad_iban_is_refused_and_two_failures_hand_over(engine: Engine) -> None:
    chat = Chat(engine)
    first = chat.say("Mijn overboeking van 250 euro is niet aangekomen", intent="transfer_problem", route="assist")
    assert first.reply is not None and first.reply.fact == "iban"
    retry = chat.say("NL91ABNA0417164301", intent="transfer_problem")  # checksum fails
    assert retry.outcome == "intake" and retry.reply is not None and retry.reply.retry
    assert "IBAN" in retry.reply.text
    gave_up = chat.say("NL00 1234 5678", intent="transfer_problem")
    assert gave_up.outcome == "handoff" and chat.state.handoff_reason == "gave_up"
    assert chat.state.tries_of("iban") == MAX_TRIES


def test_a_valid_iban_is_taken(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("Mijn overboeking van 250 euro is niet aangekomen", intent="transfer_problem", route="assist")
    step = chat.say("NL91 ABNA 0417 1643 00", intent="transfer_problem")
    assert chat.state.fact("iban") is not None and chat.state.fact("iban").value == "NL91ABNA0417164300"  # type: ignore[union-attr]
    assert step.reply is not None and step.reply.fact == "date"


@pytest.mark.parametrize("stage_messages", [[], ["Ik wil schade melden"]])
def test_asking_for_a_person_hands_over_at_once_at_any_point(engine: Engine, stage_messages: list[str]) -> None:
    chat = Chat(engine)
    for m in stage_messages:
        chat.say(m, intent="insurance_claim", route="assist")
    step = chat.say("medewerker")
    assert step.outcome == "handoff" and chat.state.handoff_reason == "asked"


def test_route_human_gets_an_acknowledgement(engine: Engine) -> None:
    step = Chat(engine).say("Ik ruik gas in huis", route="human")
    assert step.outcome == "handoff" and step.reply is not None and step.reply.kind == "acknowledgement"


def test_two_misunderstandings_in_a_row_hand_over(engine: Engine) -> None:
    chat = Chat(engine)
    first = chat.say("qwerty asdf", intent="unknown", route="assist")
    assert first.outcome == "reply" and chat.state.misunderstood == 1
    second = chat.say("zxcv bnm", intent="unknown", route="assist")
    assert second.outcome == "handoff" and chat.state.handoff_reason == "misunderstood"


def test_silent_once_a_person_has_the_conversation(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("medewerker")
    chat.status = "with_agent"
    step = chat.say("hallo? bestelling 40012345")
    assert step.reply is None and step.outcome == "silent"
    assert chat.state.fact("order_number") is not None  # still noted for the briefing


def test_follows_the_customers_register_and_language(engine: Engine) -> None:
    chat = Chat(engine, Profile(form_of_address="formal"))
    step = chat.say("Kun je mij helpen, waar is mijn pakket?", intent="order_status", route="assist")
    assert step.reply is not None and "Wat is je bestelnummer?" in step.reply.text
    en = Chat(engine, Profile(name="John Smith")).say(
        "Where is my parcel?", intent="order_status", route="assist", language="en"
    )
    assert (
        en.reply is not None and "What is your order number?" in en.reply.text and "Hello John Smith" in en.reply.text
    )
    informal = Chat(engine, Profile(name="Sanne de Vries", form_of_address="informal")).say(
        "Waar is mijn pakket?", intent="order_status", route="assist"
    )
    assert informal.reply is not None and informal.reply.text.startswith("Hoi Sanne,")


def test_bereavement_goes_to_a_person_at_once_with_condolences(engine: Engine) -> None:
    chat = Chat(engine)
    step = chat.say("Mijn vader is vorige week overleden, ik wil zijn abonnement opzeggen", intent="report_death")
    assert step.outcome == "handoff" and step.reply is not None and step.reply.kind == "acknowledgement"
    assert "Gecondoleerd" in step.reply.text and "!" not in step.reply.text
    assert step.reply.fact is None  # no intake questions for a grieving customer
    assert chat.state.fact("relation") is not None and chat.state.fact("relation").value == "vader"  # type: ignore[union-attr]


def test_feelings_are_acknowledged_once_not_every_message(engine: Engine) -> None:
    chat = Chat(engine)
    first = chat.say(
        "Dit is belachelijk, al drie keer gevraagd! Ik wil mijn abonnement opzeggen",
        intent="cancel_subscription",
        route="assist",
    )
    assert first.reply is not None and "frustrerend" in first.reply.text
    again = chat.say("Dit is echt belachelijk, het duurt al weken, ik wil er nu vanaf", intent="cancel_subscription")
    assert again.reply is not None and "frustrerend" not in again.reply.text


def test_frustration_is_acknowledged_and_the_close_is_not_cheerful(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say(
        "Dit is belachelijk, al drie keer gevraagd, waar is mijn pakket?!",
        intent="order_status",
        route="automate",
        article=ORDER_ARTICLE,
    )
    assert chat.steps[0].reply is not None and "frustrerend" in chat.steps[0].reply.text
    yes = chat.say("ja", language="nl")
    assert yes.reply is not None and "prettige dag!" not in yes.reply.text


def test_an_article_is_not_shown_twice(engine: Engine) -> None:
    chat = Chat(engine)
    chat.say("Waar blijft mijn pakket?", intent="order_status", route="automate", article=ORDER_ARTICLE)
    step = chat.say(
        "Mijn pakket is nog steeds niet binnen, bestelling 40012345", intent="order_status", article=ORDER_ARTICLE
    )
    assert step.reply is not None and step.reply.kind != "answer"


ORDER_JE = replace(ORDER_ARTICLE, body="Volg je pakket met de track-and-tracecode.", form="je")


@pytest.mark.parametrize(
    ("text", "profile", "body"),
    [
        ("Hoi, hoe kan ik mijn pakketje volgen? Kun je me helpen?", Profile(), ORDER_JE.body),
        ("Goedemiddag, hoe kan ik mijn pakket volgen? Kunt u mij helpen?", Profile(), ORDER_ARTICLE.body),
        ("Hoe kan ik mijn pakket volgen?", Profile(form_of_address="informal"), ORDER_JE.body),
        ("Hoe kan ik mijn pakket volgen?", Profile(), ORDER_ARTICLE.body),
    ],
)
def test_the_article_is_quoted_in_the_customers_form_of_address(
    engine: Engine, text: str, profile: Profile, body: str
) -> None:
    chat = Chat(engine, profile)
    step = chat.say(text, intent="order_status", route="automate", article=ORDER_ARTICLE, variants=(ORDER_JE,))
    assert step.reply is not None and step.reply.kind == "answer" and step.reply.article == "order-tracking"
    assert body in step.reply.text
    assert chat.state.shown[0].article == "order-tracking"


def test_a_variant_of_another_article_is_not_quoted(engine: Engine) -> None:
    other = replace(ORDER_JE, id="return-product")
    step = Chat(engine, Profile(form_of_address="informal")).say(
        "Waar blijft mijn pakket?", intent="order_status", route="automate", article=ORDER_ARTICLE, variants=(other,)
    )
    assert step.reply is not None and ORDER_ARTICLE.body in step.reply.text


def test_state_survives_json() -> None:
    import json

    from humantouch.bot.dialogue import Fact, Shown

    s = State(
        stage="intake",
        intent="x",
        facts=(Fact("iban", "NL..", 3),),
        tries=(("iban", 1),),
        shown=(Shown("a", "t", 1, "helped"),),
        form="informal",
        language="en",
    )
    assert State.from_dict(json.loads(json.dumps(s.to_dict()))) == s
