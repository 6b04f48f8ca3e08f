"""Assemble src/humantouch/data/default_playbook.yaml from its parts.

The parts are the intent table below (priors, facts, domain) and the example
files written for the project (tools/playbook/intents_nl.yaml, intents_en.yaml).
Run it after editing either; the output is committed, so the package needs no build step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
OUT = ROOT.parent / "src" / "humantouch" / "data" / "default_playbook.yaml"

# Intents that say how, not what about: a topical intent the classifier also sees is reported instead.
META_INTENTS = {"request_human"}
# name: (domain, emotional_prior, monetary_prior, facts, never_automate, description)
INTENTS: dict[str, tuple[str, float, float, list[str], bool, str]] = {
    "greeting": ("general", 0.0, 0.0, [], False, "Says hello or opens the conversation without a request yet."),
    "thanks": ("general", 0.0, 0.0, [], False, "Thanks us or closes off happily."),
    "complaint": (
        "general",
        0.4,
        0.15,
        ["reference"],
        False,
        "A general complaint about service, staff, treatment or waiting times.",
    ),
    "compliment": ("general", 0.05, 0.0, [], False, "Positive feedback about the service or a colleague."),
    "request_human": ("general", 0.25, 0.1, [], True, "Explicitly asks to speak to a person."),
    "data_privacy_request": (
        "general",
        0.15,
        0.05,
        ["customer_number", "email"],
        True,  # identity checks and legal deadlines: a person handles GDPR requests
        "GDPR/AVG: a copy of their data, erasure, stop marketing.",
    ),
    "cancel_subscription": (
        "general",
        0.15,
        0.35,
        ["customer_number"],
        False,
        "Wants to end a contract, subscription, membership or policy.",
    ),
    "order_status": ("retail", 0.05, 0.05, ["order_number"], False, "Where is my order or parcel."),
    "return_item": ("retail", 0.05, 0.1, ["order_number"], False, "Wants to return a product."),
    "refund_status": ("retail", 0.15, 0.15, ["order_number"], False, "Money back not received yet."),
    "damaged_or_wrong_item": (
        "retail",
        0.2,
        0.15,
        ["order_number"],
        False,
        "Received a broken, incomplete or wrong product.",
    ),
    "change_delivery": (
        "retail",
        0.05,
        0.05,
        ["order_number", "postcode"],
        False,
        "Change delivery address, date or pick-up point.",
    ),
    "product_info": ("retail", 0.0, 0.05, [], False, "Availability, size, specifications or price of a product."),
    "store_info": ("general", 0.0, 0.0, [], False, "Opening hours, locations and contact options."),
    "invoice_question": (
        "general",
        0.2,
        0.45,
        ["customer_number", "invoice_number"],
        False,
        "A question about or a dispute of a bill.",
    ),
    "payment_problem": (
        "general",
        0.25,
        0.3,
        ["customer_number"],
        False,
        "Payment failed, payment arrangement, reminder or debt collection.",
    ),
    "update_personal_details": (
        "general",
        0.0,
        0.05,
        ["customer_number"],
        False,
        "Change address, name, e-mail, phone or bank account.",
    ),
    "login_problem": ("general", 0.1, 0.05, ["email"], False, "Cannot log in, forgot password, 2FA."),
    "card_lost_stolen": ("banking", 0.3, 0.45, ["iban"], False, "Bank or credit card lost, stolen or swallowed."),
    "fraud_report": (
        "banking",
        0.4,
        0.55,
        ["iban", "amount", "date"],
        True,
        "Unknown debits, phishing, scams, someone else in the account.",
    ),
    "transfer_problem": (
        "banking",
        0.2,
        0.35,
        ["iban", "amount", "date"],
        False,
        "A transfer that did not arrive or went to the wrong account.",
    ),
    "open_account": ("general", 0.0, 0.55, [], False, "Wants to open an account or take out a new product."),
    "mortgage_loan": (
        "banking",
        0.15,
        0.7,
        ["customer_number"],
        False,
        "Mortgage, loan, credit, interest or early repayment.",
    ),
    "insurance_claim": (
        "insurance",
        0.3,
        0.5,
        ["policy_number", "date", "place", "description"],
        False,
        "Reports damage or files a claim.",
    ),
    "claim_status": ("insurance", 0.2, 0.3, ["claim_number"], False, "Progress or outcome of a filed claim."),
    "insurance_coverage": (
        "insurance",
        0.05,
        0.3,
        ["policy_number"],
        False,
        "Whether something is covered; deductibles.",
    ),
    "policy_change": (
        "insurance",
        0.05,
        0.3,
        ["policy_number"],
        False,
        "Change a policy: add a driver, change coverage, new car.",
    ),
    "roadside_assistance": (
        "roadside",
        0.45,
        0.3,
        ["license_plate", "place"],
        False,
        "Broken down or stranded: needs help on the road.",
    ),
    "internet_tv_outage": (
        "telecom_energy",
        0.25,
        0.1,
        ["customer_number", "postcode"],
        False,
        "Internet, TV, mobile or landline not working.",
    ),
    "energy_meter_reading": (
        "telecom_energy",
        0.0,
        0.1,
        ["customer_number"],
        False,
        "Meter readings, monthly advance payment, annual statement.",
    ),
    "plan_change": (
        "telecom_energy",
        0.05,
        0.25,
        ["customer_number"],
        False,
        "Change tariff, plan or bundle; extend a contract.",
    ),
    "report_death": (
        "general",
        0.7,
        0.3,
        ["deceased_name", "date_of_death", "relation", "customer_number"],
        True,
        "Reports the death of a customer and asks what to arrange.",
    ),
    "schedule_appointment": (
        "general",
        0.05,
        0.1,
        ["customer_number", "date"],
        False,
        "Make, move or cancel an appointment with a technician or advisor.",
    ),
}

LIFE_EVENTS = {
    "bereavement": (0.6, 0.2, True),
    "serious_illness": (0.5, 0.1, True),
    "accident": (0.45, 0.3, False),
    "home_damage": (0.35, 0.35, False),
    "divorce": (0.35, 0.2, False),
    "job_loss": (0.35, 0.2, False),
    "birth": (0.15, 0.05, False),
    "marriage": (0.1, 0.05, False),
    "moving_house": (0.1, 0.05, False),
    "retirement": (0.1, 0.1, False),
}

HEADER = """\
# The default humantouch playbook: general consumer service (retail, insurance, banking,
# telecom/energy, roadside assistance), Dutch and English.
# Generated by tools/build_playbook.py from the example files in tools/playbook/;
# edit those and run the script. The format is documented in docs/playbook.md.
"""


def main() -> int:
    examples = {lang: yaml.safe_load((ROOT / "playbook" / f"intents_{lang}.yaml").read_text()) for lang in ("nl", "en")}
    intents = {}
    for name, (domain, emo, mon, facts, never, desc) in INTENTS.items():
        intents[name] = {
            "description": desc,
            "domain": domain,
            "emotional_prior": emo,
            "monetary_prior": mon,
            "facts": facts,
            "never_automate": never,
            **({"meta": True} if name in META_INTENTS else {}),
            "examples": {lang: examples[lang][name] for lang in ("nl", "en")},
        }
    extra = set(examples["nl"]) - set(INTENTS)
    if extra:
        print(f"example files name intents the table lacks: {sorted(extra)}", file=sys.stderr)
        return 1
    playbook = {
        "name": "default",
        "version": 1,
        "description": "General consumer service: webshop, insurance, bank, telecom/energy, roadside assistance.",
        "languages": ["nl", "en"],
        "thresholds": {
            "emotional_high": 0.45,
            "monetary_high": 0.65,
            "intent_min_confidence": 0.2,
            "out_of_scope_similarity": 0.25,
            "automate_min_confidence": 0.5,
            "emotion_present": 0.35,
        },
        "weights": {
            "emotion": {"anger": 0.3, "fear": 0.35, "sadness": 0.35},
            "urgency": {"critical": 0.6, "high": 0.3},
            "vulnerability": {"elderly": 0.25, "confusion": 0.2, "distress": 0.35, "minor": 0.25},
            "repeat_contact": 0.2,
            "amount": {"weight": 0.45, "low_eur": 50, "high_eur": 10000},
            "customer_value": {"weight": 0.3, "high_value_eur": 5000},
            "tenure": {"weight": 0.1, "years_for_full": 10},
            "segment": {"premium": 0.15, "business": 0.15, "vip": 0.2},
        },
        "life_events": {
            k: {"emotional": e, "monetary": m, "never_automate": n} for k, (e, m, n) in LIFE_EVENTS.items()
        },
        "lexicon": {},
        "sla": {
            "default_minutes": {"P1": 5, "P2": 60, "P3": 480, "P4": 1440},
            "channels": {
                "chat": {"P1": 1, "P2": 5, "P3": 30, "P4": 240},
                "whatsapp": {"P1": 2, "P2": 15, "P3": 60, "P4": 480},
                "social": {"P1": 5, "P2": 30, "P3": 120, "P4": 480},
                "phone": {"P1": 1, "P2": 3, "P3": 10, "P4": 30},
                "email": {"P1": 30, "P2": 240, "P3": 1440, "P4": 2880},
            },
        },
        # Chosen by cross-validation on the training examples (`humantouch train --cross-validate`
        # prints them); pinned so a cold start does not repeat the twelve cross-validation fits.
        "classifier": {"embedding_weight": 1.0, "head": "svm"},
        "intents": intents,
    }
    OUT.write_text(HEADER + yaml.safe_dump(playbook, allow_unicode=True, sort_keys=False, width=110))
    print(f"wrote {OUT} ({len(intents)} intents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
