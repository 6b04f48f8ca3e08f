"""The console in-process: sign-in, CSRF, roles, the queue and every conversation action."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from humantouch.console import accounts
from humantouch.errors import InputError
from humantouch.storage.tables import ConsoleSession
from tests.console.conftest import AGENT, LEAD, Site, csrf_of


def test_pages_need_a_session(site: Site) -> None:
    r = site.client.get("/console/queue")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login?next=%2Fconsole%2Fqueue")


OPEN_PAGES = {"/console/login", "/console/language/{code}", "/console/static/{name}"}


def test_every_console_route_but_sign_in_needs_a_session(site: Site) -> None:
    """The console authenticates people by session, not API key: walk every console route."""
    from fastapi.routing import APIRoute

    from tests.api.test_security import walk

    checked = 0
    for path, route, _ in walk(site.client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or not path.startswith("/console") or path in OPEN_PAGES:
            continue
        url = re.sub(r"{[^}]+}", "1", path)
        for method in route.methods:
            r = site.client.request(method, url, data={})
            # GET pages send a stranger to the sign-in page; forms are refused (no session, no CSRF).
            assert r.status_code in (303, 403), (method, path, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/console/login"), (method, path)
            checked += 1
    assert checked >= 11  # home, queue, rows, conversation, actions, follow-ups, call-backs, leads pages, logout


def test_sign_in_sets_a_safe_cookie_and_wrong_password_is_refused(site: Site) -> None:
    page = site.client.get("/console/login")
    token = csrf_of(page.text)
    wrong = site.client.post("/console/login", data={"email": AGENT[0], "password": "nope-nope-nope", "csrf": token})
    assert wrong.status_code == 401
    assert "klopt niet" in wrong.text or "Wrong" in wrong.text
    token = csrf_of(wrong.text)
    ok = site.client.post(
        "/console/login", data={"email": AGENT[0].upper(), "password": AGENT[1], "csrf": token, "next": "//evil"}
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/console/"  # no open redirect
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    with site.svc.db.read() as session:
        stored = session.query(ConsoleSession).one()
    assert stored.token_hash not in ok.headers["set-cookie"]  # only the hash is kept


def test_sign_in_without_the_form_token_is_refused(site: Site) -> None:
    r = site.client.post("/console/login", data={"email": AGENT[0], "password": AGENT[1], "csrf": "forged"})
    assert r.status_code == 400


def test_forms_without_csrf_are_refused_and_sign_out_ends_the_session(site: Site) -> None:
    site.sign_in(AGENT)
    cid = site.conversations[0]
    r = site.client.post(f"/console/conversations/{cid}/take-over", data={"csrf": "wrong"})
    assert r.status_code == 403
    out = site.client.post("/console/logout", data={"csrf": site.csrf()})
    assert out.status_code == 303
    assert site.client.get("/console/").status_code == 303


def test_agents_cannot_see_the_dashboard_leads_can(site: Site) -> None:
    site.sign_in(AGENT)
    assert site.client.get("/console/dashboard").status_code == 403
    assert site.client.get("/console/playbook").status_code == 403
    assert site.client.get("/console/dashboard.csv").status_code == 403
    site.client.cookies.clear()
    site.sign_in(LEAD)
    page = site.client.get("/console/dashboard")
    assert page.status_code == 200
    assert 'data-figure="chart-per_day-data"' in page.text
    assert "Content-Security-Policy" in page.headers
    csv = site.client.get("/console/dashboard.csv?channel=email")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "counts,conversations,2" in csv.text
    assert site.client.get("/console/playbook").status_code == 200


def test_queue_shows_waiting_conversations_and_filters(site: Site) -> None:
    site.sign_in(AGENT)
    page = site.client.get("/console/queue")
    assert page.status_code == 200
    waiting = [cid for cid in site.conversations if cid in page.text]
    assert waiting, "nothing in the queue"
    rows = site.client.get("/console/queue/rows?channel=whatsapp")
    assert rows.status_code == 200
    assert "<html" not in rows.text
    assert all(cid not in rows.text for cid in site.conversations if cid != site.conversations[1])
    mine = site.client.get("/console/queue/rows?mine=1")
    assert all(cid not in mine.text for cid in site.conversations)


def test_conversation_actions(site: Site) -> None:
    site.sign_in(AGENT)
    cid = site.conversations[1]
    page = site.client.get(f"/console/conversations/{cid}")
    assert page.status_code == 200
    assert 'id="briefing"' in page.text
    token = csrf_of(page.text)
    r = site.client.post(f"/console/conversations/{cid}/take-over", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=take-over")
    r = site.client.post(f"/console/conversations/{cid}/reply", data={"csrf": token, "text": "Ik bel u zo terug."})
    assert r.status_code == 303
    r = site.client.post(f"/console/conversations/{cid}/override", data={"csrf": token, "route": "human", "reason": ""})
    assert r.status_code == 422  # a reason is required; the page says so
    assert "reason" in r.text
    r = site.client.post(
        f"/console/conversations/{cid}/override", data={"csrf": token, "route": "human", "reason": "boze klant"}
    )
    assert r.status_code == 303
    r = site.client.post(
        f"/console/conversations/{cid}/callback", data={"csrf": token, "due_at": "2099-01-01T10:00", "note": "bellen"}
    )
    assert r.status_code == 303
    home = site.client.get("/console/")
    assert "bellen" in home.text
    r = site.client.post(f"/console/conversations/{cid}/resolve", data={"csrf": token, "resolution_code": "solved"})
    assert r.status_code == 303
    page = site.client.get(f"/console/conversations/{cid}?done=resolve")
    assert "Ik bel u zo terug." in page.text and "boze klant" in page.text
    site.client.cookies.clear()
    site.sign_in(LEAD)
    assert "boze klant" in site.client.get("/console/playbook").text


def test_language_switch(site: Site) -> None:
    site.sign_in(AGENT)
    r = site.client.get("/console/language/en?next=/console/queue")
    assert r.status_code == 303 and r.headers["location"] == "/console/queue"
    assert "Queue" in site.client.get("/console/queue").text
    site.client.get("/console/language/nl?next=/console/queue")
    assert "Wachtrij" in site.client.get("/console/queue").text


def test_followups_come_from_the_feedback_module(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from humantouch.feedback import followups

    done: list[str] = []
    task = {
        "id": "fup_7",
        "conversation_id": site.conversations[0],
        "customer_id": "cus_x",
        "reason": "detractor: waited too long",
        "comment": "Niemand belde terug",
        "due_at": "2099-01-01T10:00:00Z",
        "status": "open",
        "outcome": None,
    }
    monkeypatch.setattr(followups, "for_agent", lambda svc, agent_id: [task])
    monkeypatch.setattr(
        followups, "complete", lambda svc, actor, fid, outcome: (fid == "fup_7" and done.append(outcome)) or task
    )
    site.sign_in(AGENT)
    home = site.client.get("/console/")
    assert "Niemand belde terug" in home.text
    token = csrf_of(home.text)
    empty = site.client.post("/console/followups/fup_7/complete", data={"csrf": token, "outcome": " "})
    assert empty.status_code == 422 and done == []
    r = site.client.post("/console/followups/fup_7/complete", data={"csrf": token, "outcome": "gebeld"})
    assert r.status_code == 303 and done == ["gebeld"]


def test_passwords_are_checked_and_a_new_one_ends_sessions(site: Site) -> None:
    with pytest.raises(InputError):
        accounts.set_password(site.svc, accounts.Actor("t", "admin"), site.agent_id, "short")
    site.sign_in(AGENT)
    accounts.set_password(site.svc, accounts.Actor("t", "admin"), site.agent_id, "another-password-2")
    assert site.client.get("/console/").status_code == 303


def test_sessions_expire(site: Site) -> None:
    token = accounts.sign_in(site.svc, *AGENT)
    assert accounts.person(site.svc, token) is not None
    later = site.svc.clock() + accounts.SESSION_LIFETIME + timedelta(minutes=1)
    site.svc.clock = lambda: later
    assert accounts.person(site.svc, token) is None


def test_plotly_and_own_assets_are_served(site: Site) -> None:
    r = site.client.get("/console/static/plotly.min.js")
    assert r.status_code == 200 and len(r.content) > 1_000_000
    assert site.client.get("/console/static/console.css").status_code == 200
    assert site.client.get("/console/static/../../etc/passwd").status_code == 404


def test_the_real_briefing_is_shown_readably(site: Site) -> None:
    """A handoff through the real flow stores a briefing; the page shows it as text, not as data."""
    from humantouch.service import briefing
    from humantouch.service.inbound import InboundMessage, receive

    got = receive(
        site.svc,
        InboundMessage(
            channel="chat",
            sender_kind="email",
            sender_value="wim@example.nl",
            sender_name="Wim de Vries",
            text="Mijn vader is vorige week overleden. Ik wil graag een mens spreken over zijn polis.",
        ),
    ).response
    cid = got["conversation"]["id"]
    brief = briefing.for_conversation(site.svc, cid)
    assert brief is not None
    site.sign_in(AGENT)
    page = site.client.get(f"/console/conversations/{cid}").text
    briefing_html = page[page.index('id="briefing"') : page.index("</section>", page.index('id="briefing"'))]
    assert "Wim de Vries" in briefing_html
    assert "bereavement" in briefing_html  # a life event under "how they feel"
    for reason in brief["why_now"]["reasons"]:
        assert reason.split(":")[0] in briefing_html
    assert "{" not in briefing_html and '"name"' not in briefing_html  # no raw dicts


def test_a_briefing_suggestions_and_draft_are_shown_when_the_bot_has_them(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from humantouch import bot
    from humantouch.service import briefing

    cid = site.conversations[0]
    brief = {
        "who": {"name": "Wim de Vries", "language": "nl", "form_of_address": "formal", "tenure_years": 12},
        "why_now": {"intent": "report_death", "quadrant": "B", "route": "human", "priority": "P2", "reasons": []},
        "feelings": {"overall": "negative", "trend": "steady", "emotions": ["sadness"], "life_events": []},
        "collected": [{"fact": "policy_number", "value": "P-1234", "message_id": 1}],
        "tried": [{"article": "report-death", "title": "Reporting a death", "reaction": "not enough"}],
        "history": [
            {
                "conversation_id": cid,
                "channel": "email",
                "intent": "report_death",
                "started_at": "2026-11-01T10:00:00Z",
                "status": "resolved",
                "resolution_code": "answered",
            }
        ],
        "next_best_action": {
            "text": "Offer condolences and explain the transfer",
            "articles": [{"id": "a", "title": "T"}],
        },
        "summary": ["Bereavement", "Policy question"],
        "text": "...",
        "language": "en",
    }
    monkeypatch.setattr(briefing, "for_conversation", lambda svc, conversation_id: brief)
    monkeypatch.setattr(bot, "suggest_reply", lambda svc, conversation_id: "Beste heer De Vries, gecondoleerd.")
    monkeypatch.setattr(
        bot,
        "suggest",
        lambda svc, conversation_id, limit=3: [{"id": "x", "title": "Death", "snippet": "s", "score": 1}],
    )
    site.sign_in(AGENT)
    page = site.client.get(f"/console/conversations/{cid}").text
    for text in ("Wim de Vries", "12", "sadness", "P-1234", "Reporting a death", "Offer condolences", "Bereavement"):
        assert text in page
    assert "Beste heer De Vries, gecondoleerd.</textarea>" in page
    assert "<strong>Death</strong>" in page


def test_hand_back_returns_the_conversation_to_the_bot_and_others_cannot_take_it(site: Site) -> None:
    site.sign_in(LEAD)
    cid = site.conversations[2]
    token = site.csrf(f"/console/conversations/{cid}")
    assert site.client.post(f"/console/conversations/{cid}/take-over", data={"csrf": token}).status_code == 303
    site.client.cookies.clear()
    site.sign_in(AGENT)
    token = site.csrf(f"/console/conversations/{cid}")
    taken = site.client.post(f"/console/conversations/{cid}/reply", data={"csrf": token, "text": "hallo"})
    assert taken.status_code == 409 and "Lotte Lead" in taken.text
    site.client.cookies.clear()
    site.sign_in(LEAD)
    token = site.csrf(f"/console/conversations/{cid}")
    r = site.client.post(f"/console/conversations/{cid}/hand-back", data={"csrf": token})
    assert r.status_code == 303
    assert "with the bot" in site.client.get(f"/console/conversations/{cid}", headers={"accept-language": "en"}).text
