"""Demo data for `humantouch serve --demo`: agents, customers on several channels, conversations
that went through the real inbound flow, and a well-known admin key (refused in production)."""

from __future__ import annotations

from dataclasses import dataclass

from humantouch.service import agents, customers, history, keys
from humantouch.service.context import SYSTEM, Service
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage import repository as repo

CUSTOMERS: tuple[tuple[dict[str, object], list[tuple[str, str]]], ...] = (
    (
        {
            "name": "Mevrouw Jansen",
            "language": "nl",
            "form_of_address": "formal",
            "annual_value_eur": 2400.0,
            "tenure_years": 12.0,
            "segment": "gold",
            "consents": {"marketing": False},
        },
        [("email", "m.jansen@example.nl"), ("phone", "+31612000001")],
    ),
    (
        {
            "name": "Daan",
            "language": "nl",
            "form_of_address": "informal",
            "annual_value_eur": 180.0,
            "tenure_years": 1.0,
            "segment": "standard",
        },
        [("phone", "+31612000002"), ("social", "instagram:@daan_demo")],
    ),
    (
        {
            "name": "Emma Clarke",
            "language": "en",
            "form_of_address": "unknown",
            "annual_value_eur": 950.0,
            "tenure_years": 4.0,
            "segment": "standard",
        },
        [("email", "emma.clarke@example.com"), ("customer_number", "C-20931")],
    ),
)

MESSAGES: tuple[tuple[str, str, str, str], ...] = (
    (
        "email",
        "email",
        "m.jansen@example.nl",
        "Geachte heer/mevrouw, mijn man is vorige week overleden. Ik wil graag weten wat er met zijn polis gebeurt.",
    ),
    ("whatsapp", "phone", "+31612000002", "hoi, wanneer wordt mijn pakketje bezorgd? bestelnummer 448812"),
    ("whatsapp", "phone", "+31612000002", "al 3 dagen niks gehoord, dit is echt de derde keer dat ik vraag"),
    (
        "email",
        "email",
        "emma.clarke@example.com",
        "There are two debits on my account I don't recognise, £340 each. I think my card was stolen.",
    ),
    ("chat", "email", "emma.clarke@example.com", "Thanks for the quick help earlier!"),
    ("phone", "phone", "+31612000003", "Ik sta met pech op de A2 met twee kleine kinderen in de auto"),
)


@dataclass(frozen=True, slots=True)
class DemoSeed:
    admin_key: str
    created: bool


def seed(svc: Service) -> DemoSeed:
    """Idempotent: a second start on the same database finds the demo key and adds nothing."""
    with svc.db.read() as session:
        if repo.api_key_by_prefix(session, keys.DEMO_ADMIN_KEY.split("_")[1]) is not None:
            return DemoSeed(keys.DEMO_ADMIN_KEY, created=False)
    agents.create(svc, SYSTEM, "Anna (demo)", languages=["nl", "en"], intents=[], capacity=5, agent_id="agt_demo_anna")
    agents.create(svc, SYSTEM, "Bram (demo)", languages=["en"], intents=[], capacity=3, agent_id="agt_demo_bram")
    for fields, identities in CUSTOMERS:
        customers.create(svc, SYSTEM, fields, identities)
    for channel, kind, value, text in MESSAGES:
        receive(svc, InboundMessage(channel=channel, sender_kind=kind, sender_value=value, text=text))
    # Three months of contacts, surveys and follow-ups, so the scorecard has something true to show.
    history.generate(svc)
    keys.create(svc.db, "admin", "demo admin", plaintext=keys.DEMO_ADMIN_KEY)
    return DemoSeed(keys.DEMO_ADMIN_KEY, created=True)
