"""The console in a real browser: every page an agent and a lead use, with screenshots and an
axe-core accessibility pass on each."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from humantouch.service.inbound import InboundMessage, receive
from tests.browser.conftest import Server, check_accessibility, shoot, sign_in
from tests.support.console import AGENT, LEAD


def test_sign_in_refuses_a_wrong_password_then_lets_the_agent_in(page: Any, server: Server) -> None:
    page.goto(server.url("/console/queue"))
    assert "/console/login" in page.url
    check_accessibility(page)
    shoot(page, "01-sign-in")
    page.get_by_label("E-mail address").fill(AGENT[0])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong e-mail address or password."
    page.get_by_label("E-mail address").fill(AGENT[0])
    page.get_by_label("Password").fill(AGENT[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/queue$"))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/console/login"))


def test_keyboard_users_can_skip_to_the_content(page: Any, server: Server) -> None:
    sign_in(page, server, *AGENT)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_queue_shows_who_waits_and_refreshes_itself(page: Any, server: Server) -> None:
    sign_in(page, server, *AGENT, path="/console/queue")
    rows = page.locator("#queue-rows tr")
    assert rows.count() >= 2
    header = page.locator("table.queue thead").inner_text()
    for column in ("Priority", "SLA", "Quadrant", "Channel", "Emotion", "Waiting", "Language"):
        assert column in header
    check_accessibility(page)
    shoot(page, "02-queue")
    before = rows.count()
    # A new customer message arrives through the real inbound flow; the page must show it unasked.
    receive(
        server.svc,
        InboundMessage(
            channel="chat",
            sender_kind="email",
            sender_value="lena@example.nl",
            sender_name="Lena Bakker",
            text="Ik wil nu een mens spreken, mijn pinpas is gestolen!",
        ),
    )
    expect(rows).to_have_count(before + 1, timeout=12_000)
    page.get_by_label("Channel").select_option("whatsapp")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"channel=whatsapp"))
    assert page.locator("#queue-rows tr").count() == 1


def test_conversation_briefing_reply_override_resolve_callback(page: Any, server: Server) -> None:
    sign_in(page, server, *AGENT, path="/console/queue")
    page.locator("#queue-rows a").first.click()
    page.wait_for_url(re.compile(r"/console/conversations/"))
    briefing = page.locator("#briefing")
    assert briefing.get_by_role("heading", name="Briefing").is_visible()
    # The stub briefing is None, so the page shows what the machine saw in the last message.
    assert "Machine's route" in briefing.inner_text() or "Why now" in briefing.inner_text()
    assert page.locator(".timeline li").count() >= 1
    check_accessibility(page)
    shoot(page, "03-conversation")

    page.get_by_role("button", name="Take over").click()
    assert "You took over" in page.get_by_role("status").inner_text()
    page.get_by_label("Your reply to the customer").fill("We are on it; I will call you within the hour.")
    page.get_by_role("button", name="Send").click()
    assert "Your reply was sent" in page.get_by_role("status").inner_text()
    assert page.locator(".timeline .from-agent").last.inner_text().endswith("within the hour.")

    page.get_by_label("New route").select_option("human")
    page.get_by_label("Reason", exact=True).fill("Customer is upset; a person should keep this one")
    page.get_by_role("button", name="Change route").click()
    assert "beside the machine's" in page.get_by_role("status").inner_text()
    assert "a person should keep this one" in page.locator("section", has_text="Route changes").inner_text()

    page.get_by_label("When (time zone Europe/Amsterdam)").fill("2099-01-02T09:30")
    page.get_by_label("Note").fill("Call about the policy")
    page.get_by_role("button", name="Schedule").click()
    assert "call-back was scheduled" in page.get_by_role("status").inner_text()
    shoot(page, "04-conversation-after-actions")

    page.get_by_label("Resolution code").select_option("solved")
    page.get_by_role("button", name="Resolve", exact=True).click()
    assert "resolved" in page.get_by_role("status").inner_text()
    assert page.locator(".meta").inner_text().count("resolved") >= 1
    check_accessibility(page)


def test_the_closed_loop_a_detractor_survey_becomes_a_follow_up_task(page: Any, server: Server) -> None:
    """Resolve, the customer answers the survey in the browser (NPS 3, not resolved), and the task
    appears on the assigned person's home page, where it is completed."""
    from sqlalchemy import select

    from humantouch.feedback import followups, surveys
    from humantouch.service import conversations
    from humantouch.storage.tables import Survey
    from tests.support.fixtures import ADMIN

    svc = server.svc
    got = receive(
        svc,
        InboundMessage(
            channel="chat",
            sender_kind="email",
            sender_value="kees@example.nl",
            sender_name="Kees Smit",
            text="Mijn factuur is veel te hoog deze maand, dat klopt niet.",
        ),
    )
    cid = got.response["conversation"]["id"]
    conversations.reply(svc, ADMIN, cid, "Ik heb de factuur gecorrigeerd.", server.agent_id)
    conversations.resolve(svc, ADMIN, cid, "solved")
    with svc.db.read() as session:
        survey = session.scalars(select(Survey).where(Survey.conversation_id == cid)).one()
        link = surveys.link(svc, survey)
    page.goto(server.url(link[link.index("/s/") :]))  # the customer's page, no JavaScript needed
    check_accessibility(page)
    shoot(page, "09-survey")
    page.locator("input[name=nps][value='3']").check()
    page.locator("input[name=resolved][value='no']").check()
    page.locator("#comment").fill("Niemand belde terug over mijn factuur.")
    page.locator("button[type=submit]").click()
    tasks = followups.list_all(svc, status="open")
    (task,) = [t for t in tasks if t["conversation_id"] == cid]
    who = AGENT if task["assigned_agent_id"] == server.agent_id else LEAD

    sign_in(page, server, *who)
    home = page.locator("#h-followups + ul").inner_text()
    assert "Niemand belde terug over mijn factuur." in home
    check_accessibility(page)
    shoot(page, "05-home-follow-ups")
    page.get_by_label("Outcome").first.fill("Called, apologised, refund sent")
    page.get_by_role("button", name="Complete").first.click()
    assert "follow-up task is complete" in page.get_by_role("status").inner_text()
    done = [t for t in followups.list_all(svc, status="done") if t["conversation_id"] == cid]
    assert done and done[0]["outcome"] == "Called, apologised, refund sent"


def test_dashboard_draws_its_charts_and_the_playbook_shows_overrides(page: Any, server: Server) -> None:
    sign_in(page, server, *LEAD, path="/console/dashboard")
    page.wait_for_selector("#chart-per_day .main-svg")
    assert page.locator(".plot .main-svg").count() >= 2
    assert "no data yet" in page.locator("#h-kpi + ul").inner_text()
    check_accessibility(page)
    shoot(page, "06-dashboard")
    href = page.get_by_role("link", name="Export as CSV").get_attribute("href")
    assert href is not None and href.startswith("/console/dashboard.csv")
    page.get_by_role("link", name="Playbook").click()
    page.wait_for_url(re.compile(r"/console/playbook"))
    assert page.get_by_role("heading", name="Thresholds in force").is_visible()
    check_accessibility(page)
    shoot(page, "07-playbook")


def test_the_console_speaks_dutch(page: Any, server: Server) -> None:
    sign_in(page, server, *AGENT, path="/console/queue")
    page.get_by_role("link", name="Nederlands (Dutch)").click()
    page.wait_for_url(re.compile(r"/console/queue"))
    assert page.get_by_role("heading", level=1).inner_text() == "Wachtrij"
    assert page.locator("html").get_attribute("lang") == "nl"
    check_accessibility(page)
    shoot(page, "08-queue-nl")


def test_agents_do_not_see_the_dashboard(page: Any, server: Server) -> None:
    sign_in(page, server, *AGENT)
    assert page.get_by_role("link", name="Dashboard").count() == 0
    response = page.goto(server.url("/console/dashboard"))
    assert response is not None and response.status == 403
