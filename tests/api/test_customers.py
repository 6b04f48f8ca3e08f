"""Customers over HTTP: create, read, update, merge, contacts across channels."""

from __future__ import annotations

from tests.support.fixtures import Api


def test_create_read_update(api: Api) -> None:
    r = api.post(
        "/v1/customers",
        {
            "name": "Mevrouw de Vries",
            "language": "nl",
            "form_of_address": "formal",
            "annual_value_eur": 1200,
            "tenure_years": 8,
            "segment": "gold",
            "consents": {"marketing": False},
            "identities": [{"kind": "email", "value": "Ria@Example.nl"}, {"kind": "customer_number", "value": "c-123"}],
        },
        role="integration",
    )
    assert r.status_code == 201, r.text
    customer = r.json()
    assert {"kind": "email", "value": "ria@example.nl"} in customer["identities"]
    assert {"kind": "customer_number", "value": "C-123"} in customer["identities"]
    dup = api.post("/v1/customers", {"identities": [{"kind": "email", "value": "ria@example.nl"}]})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "HT-CONFLICT-IDENTITY"
    r = api.patch(
        f"/v1/customers/{customer['id']}",
        {"segment": "platinum", "add_identities": [{"kind": "phone", "value": "+31699999999"}]},
    )
    assert r.status_code == 200
    assert r.json()["segment"] == "platinum" and r.json()["name"] == "Mevrouw de Vries"
    assert api.get(f"/v1/customers/{customer['id']}", role="agent").json()["segment"] == "platinum"
    assert api.get("/v1/customers/cus_nope").status_code == 404
    bad = api.post("/v1/customers", {"form_of_address": "jij", "annual_value_eur": -5})
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} == {"body.form_of_address", "body.annual_value_eur"}


def test_inbound_uses_the_profile_and_merge_joins_timelines(api: Api) -> None:
    known = api.post(
        "/v1/customers",
        {"name": "Piet", "annual_value_eur": 50000, "identities": [{"kind": "email", "value": "piet@example.nl"}]},
    ).json()
    r = api.post(
        "/v1/messages",
        {
            "channel": "email",
            "sender": {"kind": "email", "value": "PIET@example.nl"},
            "text": "Ik wil mijn verzekering opzeggen",
        },
        role="integration",
    )
    assert r.json()["customer"] == {"id": known["id"], "created": False}
    stranger = api.post(
        "/v1/messages",
        {
            "channel": "whatsapp",
            "sender": {"kind": "whatsapp", "value": "+31677777777"},
            "text": "Dit is Piet, via whatsapp",
        },
        role="integration",
    ).json()
    assert stranger["customer"]["created"] is True
    merged = api.post(
        f"/v1/customers/{known['id']}/merge", {"from_customer_id": stranger["customer"]["id"]}, role="supervisor"
    )
    assert merged.status_code == 200, merged.text
    assert {i["kind"] for i in merged.json()["identities"]} == {"email", "phone"}
    contacts = api.get(f"/v1/customers/{known['id']}/contacts").json()["items"]
    assert {c["channel"] for c in contacts} == {"email", "whatsapp"}
    old = api.get(f"/v1/customers/{stranger['customer']['id']}").json()
    assert old["merged_into"] == known["id"]
    # The WhatsApp number now leads to the merged customer.
    again = api.post(
        "/v1/messages",
        {"channel": "whatsapp", "sender": {"kind": "whatsapp", "value": "+31677777777"}, "text": "nog iets"},
        role="integration",
    ).json()
    assert again["customer"]["id"] == known["id"]
    twice = api.post(f"/v1/customers/{known['id']}/merge", {"from_customer_id": stranger["customer"]["id"]})
    assert twice.status_code == 409
