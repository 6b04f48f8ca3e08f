"""GET /v1/conversations/{id}/briefing: who may read it, and what it holds."""

from __future__ import annotations

from tests.api.test_conversations import URGENT, inbound
from tests.support.fixtures import Api


def test_a_handed_over_conversation_has_a_briefing(api: Api) -> None:
    cid = inbound(api, URGENT)["conversation"]["id"]
    r = api.get(f"/v1/conversations/{cid}/briefing", role="agent")
    assert r.status_code == 200, r.text
    brief = r.json()
    for key in ("who", "why_now", "feelings", "collected", "tried", "history", "next_best_action", "summary", "text"):
        assert key in brief
    assert brief["language"] == "nl" and brief["text"].startswith("Wie:")
    assert brief["why_now"]["route"] == "human"
    english = api.get(f"/v1/conversations/{cid}/briefing", role="supervisor", params={"language": "en"}).json()
    assert english["text"].startswith("Who:") and english["collected"] == brief["collected"]
    assert api.get(f"/v1/conversations/{cid}/briefing", params={"language": "de"}).status_code == 422


def test_no_briefing_before_a_handoff_and_roles(api: Api) -> None:
    cid = inbound(api, "hoi")["conversation"]["id"]
    r = api.get(f"/v1/conversations/{cid}/briefing", role="agent")
    assert r.status_code == 404 and r.json()["error"]["code"] == "HT-NOTFOUND-BRIEFING"
    missing = api.get("/v1/conversations/con_missing/briefing", role="agent")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "HT-NOTFOUND-CONVERSATION"
    assert api.get(f"/v1/conversations/{cid}/briefing", role="integration").status_code == 403
