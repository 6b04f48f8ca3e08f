"""The scorecard over a small history made through the real service, checked by hand."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from humantouch.errors import InputError
from humantouch.feedback import followups, pulse, scorecard, surveys
from humantouch.feedback.config import FeedbackConfig
from humantouch.service import Actor, Service, conversations
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage.tables import Survey
from tests.support.fixtures import ADMIN, Api


def _answer(svc: Service, conversation_id: str, answers: surveys.Answers) -> None:
    with svc.db.read() as session:
        survey = session.scalars(select(Survey).where(Survey.conversation_id == conversation_id)).one()
        token = surveys.link(svc, survey).rsplit("/", 1)[1]
    surveys.submit(svc, token, answers)


def _history(svc: Service, agent_id: str) -> dict[str, str]:
    a = receive(svc, InboundMessage("chat", "email", "a@example.org", "waar blijft mijn pakket? bestelnummer 448812"))
    ca = str(a.response["conversation"]["id"])
    conversations.resolve(svc, ADMIN, ca, "answered_by_bot")
    _answer(svc, ca, surveys.Answers(nps=10, csat=5, ces=7, resolved=True))

    b = receive(svc, InboundMessage("email", "email", "b@example.org", "mijn factuur klopt niet, factuur 2026-114"))
    cb = str(b.response["conversation"]["id"])
    conversations.reply(svc, Actor("k", "agent", agent_id), cb, "Ik zoek het voor u uit.")
    conversations.resolve(svc, ADMIN, cb, "corrected")
    _answer(svc, cb, surveys.Answers(nps=3, csat=2, ces=2, resolved=False, comment="ik moest heel lang wachten"))

    c = receive(svc, InboundMessage("chat", "email", "c@example.org", "hoe laat zijn jullie open?"))
    return {"a": ca, "b": cb, "c": str(c.response["conversation"]["id"])}


def _window(svc: Service) -> scorecard.ScoreFilter:
    now = datetime.now(UTC)
    return scorecard.ScoreFilter(start=now - timedelta(days=1), end=now + timedelta(days=1))


def test_scorecard_figures(svc: Service, agent_id: str) -> None:
    svc = dataclasses.replace(svc, feedback=FeedbackConfig(secret="z" * 32))
    _history(svc, agent_id)
    pulse.record(svc, Actor("k", "agent", agent_id), agent_id, 4, "hybrid")
    task = followups.for_agent(svc, agent_id)[0]
    followups.complete(svc, ADMIN, task["id"], "called back, credit note sent")

    card = scorecard.compute(svc, _window(svc))
    assert set(card) == {
        "period", "counts", "experience", "effortless", "efficiency", "effectivity",
        "response", "employees", "loops", "detraction_reasons", "series",
    }  # fmt: skip
    assert card["counts"]["conversations"] == 3
    assert sum(card["counts"]["by_channel"].values()) == 3 and card["counts"]["by_channel"]["chat"] == 2
    # NPS over [10, 3]: 50% promoters - 50% detractors = 0; CSAT [5, 2]: 1 of 2 satisfied; CES (7 + 2) / 2
    nps = card["experience"]["nps"]
    assert (nps["value"], nps["n"], nps["promoters"], nps["detractors"]) == (0.0, 2, 1, 1)
    assert card["experience"]["csat"] == {"value": 0.5, "n": 2}
    assert card["effortless"]["ces"] == {"mean": 4.5, "n": 2}
    # resolved without a person: a only, of 3 conversations
    assert card["efficiency"]["automation_rate"] == pytest.approx(0.3333)
    # says resolved: a yes, b no
    assert card["effectivity"]["resolved_as_reported"] == 0.5
    # a and b resolved, neither came back within 7 days; no customer wrote after a resolution
    assert card["effectivity"]["fcr"] == 1.0 and card["effectivity"]["reopen_rate"] == 0.0
    assert card["response"]["first_response_minutes"]["p50"] is not None
    assert card["efficiency"]["handling_minutes_p50"] is not None
    assert card["loops"] == {"created": 1, "closed_in_time": 1, "open": 0, "next_score_delta": None}
    reasons = card["detraction_reasons"]
    assert len(reasons) == 1 and reasons[0]["reason"] == "had to wait too long"
    assert reasons[0]["examples"] == ["ik moest heel lang wachten"]
    agent = next(a for a in card["employees"]["agents"] if a["agent_id"] == agent_id)
    assert (agent["load"], agent["pulse"], agent["work_preference"]) == (1, 4, "hybrid")
    assert card["employees"]["pulse_mean"] == 4.0
    assert [d["conversations"] for d in card["series"]["by_day"] if d["conversations"]] == [3]

    only_b = scorecard.compute(svc, dataclasses.replace(_window(svc), agent_id=agent_id))
    assert only_b["counts"]["conversations"] == 1
    assert [a["agent_id"] for a in only_b["employees"]["agents"]] == [agent_id]
    email = scorecard.compute(svc, dataclasses.replace(_window(svc), channel="email"))
    assert email["experience"]["nps"]["value"] == -100.0

    ds = scorecard.dataset(svc, _window(svc))
    handlers = {s["segment"]: s for s in scorecard.split(ds, "handler")}
    assert handlers["person"]["conversations"] == 1 and handlers["person"]["nps"] == -100.0
    assert handlers["bot"]["conversations"] == 2 and handlers["bot"]["nps"] == 100.0
    test = scorecard.compare(ds, "handler", "bot", "person")
    assert test["nps"]["difference"] == 200.0 and test["nps"]["n_a"] == 1
    with pytest.raises(InputError):
        scorecard.split(ds, "colour")

    text = scorecard.to_csv(card)
    assert text.startswith("metric,value\n")
    assert "experience.nps.value,0.0" in text and "loops.created,1" in text


def test_empty_period_is_none_not_zero(svc: Service) -> None:
    card = scorecard.compute(svc, _window(svc))
    assert card["counts"]["conversations"] == 0
    assert card["experience"]["nps"]["value"] is None and card["experience"]["csat"]["value"] is None
    assert card["efficiency"]["automation_rate"] is None and card["effectivity"]["fcr"] is None
    now = datetime.now(UTC)
    with pytest.raises(InputError):
        scorecard.compute(svc, scorecard.ScoreFilter(start=now, end=now))


def test_feedback_api(api: Api, agent_id: str) -> None:
    svc = dataclasses.replace(api.svc, feedback=FeedbackConfig(secret="z" * 32))
    api.app.state.service = svc
    ids = _history(svc, agent_id)
    today = datetime.now(UTC).date().isoformat()
    card = api.get("/v1/scorecard", role="supervisor", params={"from": today, "to": today})
    assert card.status_code == 200 and card.json()["counts"]["conversations"] == 3
    assert api.get("/v1/scorecard", role="agent").status_code == 403
    assert api.get("/v1/scorecard", params={"from": "yesterday"}).status_code == 422
    csv = api.get("/v1/scorecard.csv", params={"channel": "email"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "counts.conversations,1" in csv.text
    split = api.get("/v1/scorecard/split", params={"by": "channel"}).json()
    assert {s["segment"] for s in split["items"]} == {"chat", "email"}
    compare = api.get("/v1/scorecard/compare", params={"segment": "handler", "a": "bot", "b": "person"}).json()
    assert compare["nps"]["difference"] == 200.0
    listed = api.get("/v1/surveys", params={"answered": True}).json()
    assert listed["count"] == 2
    one = api.get(f"/v1/surveys/{listed['items'][0]['id']}").json()
    assert one["conversation_id"] in (ids["a"], ids["b"])
    mine = api.get("/v1/followups", role="agent").json()
    assert mine["count"] == 1
    done = api.post(f"/v1/followups/{mine['items'][0]['id']}/complete", {"outcome": "called"}, role="agent")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert api.post(f"/v1/agents/{agent_id}/pulse", {"score": 6}, role="agent").status_code == 422
    saved = api.post(f"/v1/agents/{agent_id}/pulse", {"score": 5, "work_preference": "home"}, role="agent")
    assert saved.status_code == 200 and saved.json()["score"] == 5
    got = api.get(f"/v1/agents/{agent_id}/pulse", role="supervisor").json()
    assert got["work_preference"] == "home" and len(got["items"]) == 1


CONTRACT: dict[str, object] = {
    "period": {"from", "to"},
    "counts": {"conversations", "by_route", "by_quadrant", "by_channel"},
    "experience": {"nps", "csat", "sentiment_change"},
    "effortless": {"ces", "transfers", "facts_asked_twice"},
    "efficiency": {
        "automation_rate",
        "containment_held",
        "handling_minutes_p50",
        "waiting_minutes_p50",
        "cost_per_contact",
    },
    "effectivity": {"resolved_as_reported", "fcr", "reopen_rate"},
    "response": {"first_response_minutes", "resolution_minutes", "sla", "sla_hit_rate"},
    "employees": {"briefing_coverage", "suggestion_use", "pulse_mean", "agents"},
    "loops": {"created", "closed_in_time", "open", "next_score_delta"},
}


def test_the_shape_is_exactly_the_contract(svc: Service, agent_id: str) -> None:
    """spec/contracts.md fixes this shape; the console codes against it."""
    svc = dataclasses.replace(svc, feedback=FeedbackConfig(secret="z" * 32))
    _history(svc, agent_id)
    pulse.record(svc, ADMIN, agent_id, 3, "office")
    card = scorecard.compute(svc, _window(svc))
    assert set(card) == set(CONTRACT) | {"detraction_reasons", "series"}
    for section, keys in CONTRACT.items():
        assert set(card[section]) == keys, section
    assert set(card["experience"]["nps"]) == {"value", "low", "high", "n", "promoters", "passives", "detractors"}
    assert set(card["experience"]["csat"]) == {"value", "n"}
    assert set(card["effortless"]["ces"]) == {"mean", "n"}
    for key in ("first_response_minutes", "resolution_minutes"):
        assert set(card["response"][key]) == {"p50", "p90"}
    assert all(set(s) == {"channel", "priority", "hit_rate", "n"} for s in card["response"]["sla"])
    assert card["response"]["sla"]
    assert all(set(a) == {"agent_id", "name", "load", "pulse", "work_preference"} for a in card["employees"]["agents"])
    assert all(set(r) == {"intent", "reason", "count", "examples"} for r in card["detraction_reasons"])
    assert set(card["series"]) == {"by_day"}
    assert all(
        set(d) == {"day", "conversations", "nps", "sentiment", "automation_rate"} for d in card["series"]["by_day"]
    )
    # The survey invitation is a bot message after the resolution, not the first response.
    ds = scorecard.dataset(svc, _window(svc))
    for c in ds.conversations:
        if c.first_response_at is not None and c.resolved_at is not None:
            assert c.first_response_at <= c.resolved_at
