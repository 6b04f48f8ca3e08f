"""The console speaks the contact centre's time: call-backs typed in local time are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from humantouch.api import create_app
from humantouch.console.web import _when, local_to_utc
from humantouch.errors import ConfigError
from humantouch.settings import load_settings
from humantouch.storage.tables import Callback
from tests.console.conftest import AGENT, Site, csrf_of

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_local_times_convert_both_ways_across_summer_time() -> None:
    assert local_to_utc("2099-01-01T10:00", AMSTERDAM) == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)  # CET, +1
    assert local_to_utc("2099-07-01T10:00", AMSTERDAM) == datetime(2099, 7, 1, 8, 0, tzinfo=UTC)  # CEST, +2
    assert local_to_utc("2099-07-01T10:00:00+00:00", AMSTERDAM) == datetime(2099, 7, 1, 10, 0, tzinfo=UTC)
    assert _when("2099-07-01T08:00:00Z", AMSTERDAM) == "2099-07-01 10:00 CEST"
    assert _when("2099-01-01T09:00:00+00:00", ZoneInfo("Europe/London")) == "2099-01-01 09:00 GMT"
    with pytest.raises(ValueError):
        local_to_utc("morgen om tien", AMSTERDAM)


def test_a_call_back_typed_in_amsterdam_time_is_stored_in_utc_and_shown_in_local_time(site: Site) -> None:
    site.sign_in(AGENT)
    cid = site.conversations[0]
    token = csrf_of(site.client.get(f"/console/conversations/{cid}").text)
    page = site.client.get(f"/console/conversations/{cid}").text
    assert "Europe/Amsterdam" in page  # the form says which zone it reads
    r = site.client.post(
        f"/console/conversations/{cid}/callback",
        data={"csrf": token, "due_at": "2099-07-01T10:00", "note": "terugbellen over de schade"},
    )
    assert r.status_code == 303
    with site.svc.db.read() as session:
        due = session.scalars(select(Callback.due_at).where(Callback.conversation_id == cid)).one()
    assert due == datetime(2099, 7, 1, 8, 0, tzinfo=UTC)
    assert "2099-07-01 10:00 CEST" in site.client.get("/console/").text


def test_another_zone_can_be_configured(site: Site) -> None:
    app = create_app(site.svc, console_timezone="Europe/London")
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/console/login")
        r = client.post("/console/login", data={"email": AGENT[0], "password": AGENT[1], "csrf": csrf_of(page.text)})
        assert r.status_code == 303
        cid = site.conversations[0]
        token = csrf_of(client.get(f"/console/conversations/{cid}").text)
        client.post(f"/console/conversations/{cid}/callback", data={"csrf": token, "due_at": "2099-07-01T10:00"})
    with site.svc.db.read() as session:
        due = session.scalars(select(Callback.due_at).where(Callback.conversation_id == cid)).one()
    assert due == datetime(2099, 7, 1, 9, 0, tzinfo=UTC)  # BST, +1


def test_an_unknown_zone_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigError, match="console_timezone"):
        load_settings(console_timezone="Europe/Atlantis")
