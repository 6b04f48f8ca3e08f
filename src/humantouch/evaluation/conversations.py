"""Scripted conversations through the real service: does the bot answer, collect and hand over right?

data/eval_conversations.jsonl (format: docs/evaluation.md, written apart from the bot; evaluation
data, never training data) holds conversations with an expected outcome: `answered` (answered from
an article, confirmed), `handoff` (intake of the intent's facts, or an answer that did not help) or
`human_now` (a person at once). Each one is replayed turn by turn through `inbound.receive` on a
fresh SQLite database, and the bot's state, replies and briefing are checked against `expect`.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from humantouch.entities import extract, parse_number
from humantouch.errors import InputError, NotFoundError
from humantouch.knowledge import KnowledgeIndex
from humantouch.migrations import upgrade
from humantouch.privacy.crypto import KeyRing
from humantouch.privacy.messages import fact_masks, mask_known, read_original
from humantouch.service import Actor, Service, customers
from humantouch.service.briefing import for_conversation
from humantouch.service.inbound import InboundMessage, receive
from humantouch.service.ports import Triager
from humantouch.storage import Database
from humantouch.storage.tables import BotState, Conversation, CustomerFact, new_id

EVALUATOR = Actor(key_id="eval", role="admin")
IDENTIFIERS = frozenset(
    {"order_number", "customer_number", "policy_number", "claim_number", "invoice_number", "reference"}
)
FREE_TEXT = frozenset({"place", "description", "deceased_name", "relation"})
HANDOFF_STATUSES = frozenset({"waiting_for_agent", "with_agent"})
_DUTCH = re.compile(r"\b(?:de|het|een|u|uw|je|niet|naar|ik|dat|is|van|met|voor)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|a|you|your|to|not|is|of|with|for|i|that)\b", re.IGNORECASE)
_INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw)\b", re.IGNORECASE)
_FORMAL = re.compile(r"\b(?:u|uw)\b", re.IGNORECASE)


def load_conversations(path: str | Path | None = None) -> list[dict[str, Any]]:
    if path is None:
        text = (resources.files("humantouch") / "data" / "eval_conversations.jsonl").read_text(encoding="utf-8")
        source = "<packaged>/eval_conversations.jsonl"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}", code="HT-IN-FILE") from None
        source = str(path)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}, line {n}: not JSON ({exc.msg})", code="HT-IN-JSONL") from None
        for key in ("id", "language", "channel", "customer", "turns", "expect"):
            if key not in case:
                raise InputError(f"{source}, line {n}: the key {key!r} is missing", code="HT-IN-JSONL")
        out.append(case)
    return out


# ---------------------------------------------------------------- comparing fact values


def _date(text: str) -> str:
    spans = [s for s in extract(text) if s.type == "DATE"]
    return (spans[0].value or spans[0].text).lower() if spans else text.strip().lower()


def _amount(text: str) -> Decimal | None:
    m = re.search(r"\d[\d.,]*", text)
    return parse_number(m.group()) if m else None


def same_value(fact: str, expected: str, got: str) -> bool:
    """Whether the collected value is the expected one, normalised as the format says."""
    if fact in FREE_TEXT:
        return expected.lower() in got.lower()
    if fact == "iban" or fact in IDENTIFIERS:
        return re.sub(r"\s", "", expected).upper() == re.sub(r"\s", "", got).upper()
    if fact == "postcode":
        e, g = (re.sub(r"\s", "", v).upper() for v in (expected, got))
        return e == g
    if fact == "license_plate":
        return expected.upper() == got.upper()
    if fact == "email":
        return expected.lower() == got.lower()
    if fact == "amount":
        return _amount(expected) == _amount(got)
    if fact in ("date", "date_of_death"):
        return _date(expected) == _date(got) or expected.lower() == got.lower()
    return expected.strip().lower() == got.strip().lower()


# ---------------------------------------------------------------- replaying one conversation


def _setup_customer(svc: Service, case: dict[str, Any]) -> str:
    c = case["customer"]
    profile = dict(c.get("profile") or {})
    form = {"u": "formal", "je": "informal"}.get(c.get("form_of_address") or "", "unknown")
    fields: dict[str, Any] = {"name": c.get("name"), "language": case["language"], "form_of_address": form}
    for key in ("segment", "tenure_years", "annual_value_eur"):
        if key in profile:
            fields[key] = profile.pop(key)
    recent = int(profile.pop("recent_contacts", 0) or 0)
    ident = c["identity"]
    made = customers.create(svc, EVALUATOR, fields, [(ident["kind"], ident["value"])])
    customer_id = str(made["id"])
    now = svc.clock()
    with svc.db.write() as session:
        for fact, value in profile.items():
            session.add(CustomerFact(customer_id=customer_id, fact=fact, value=str(value), created_at=now))
        for i in range(recent):
            # Earlier contacts on the same topic this week, already closed: they feed the repeat-contact signal.
            at = now - timedelta(days=1 + i)
            session.add(
                Conversation(
                    id=new_id("con"),
                    customer_id=customer_id,
                    channel=case["channel"],
                    status="resolved",
                    route="automate",
                    quadrant="A",
                    priority="P4",
                    intent=case["expect"].get("intent"),
                    language=case["language"],
                    resolution_code="earlier_contact",
                    message_count=1,
                    created_at=at,
                    updated_at=at,
                    last_message_at=at,
                )
            )
    return customer_id


def _state(svc: Service, conversation_id: str) -> dict[str, Any]:
    with svc.db.read() as session:
        row = session.get(BotState, conversation_id)
        return dict(row.state) if row is not None else {}


def replay(svc: Service, case: dict[str, Any]) -> dict[str, Any]:
    """Send the turns until they run out or the bot hands over; what happened at each turn."""
    _setup_customer(svc, case)
    ident = case["customer"]["identity"]
    turns: list[dict[str, Any]] = []
    conversation_id: str | None = None
    known: set[str] = set()
    asking_before: str | None = None
    for i, text in enumerate(case["turns"]):
        out = receive(
            svc,
            InboundMessage(
                channel=case["channel"],
                sender_kind=ident["kind"],
                sender_value=ident["value"],
                text=text,
                sender_name=case["customer"].get("name"),
                conversation_id=conversation_id,
            ),
        ).response
        conversation_id = out["conversation"]["id"]
        state = _state(svc, conversation_id)
        have_now = {f["fact"] for f in state.get("facts", [])}
        asking = state.get("asking") if state.get("stage") == "intake" else None
        reply = out["reply"]
        retry = asking is not None and asking == asking_before and asking not in have_now
        # A question for a fact the bot already had (profile, earlier message, valid answer), or whose
        # expected value the customer already wrote; the one re-ask after a failed check does not count.
        said = " ".join(case["turns"][: i + 1]).lower()
        expected_value = case["expect"].get("facts", {}).get(asking) if asking else None
        said_before = bool(expected_value) and not retry and str(expected_value).lower() in said
        twice = asking is not None and not retry and (asking in known or said_before)
        turns.append(
            {
                "turn": i,
                "status": out["conversation"]["status"],
                "reply_kind": reply["kind"] if reply else None,
                "reply_text": reply["text"] if reply else None,
                "asking": asking,
                "retry": retry,
                "asked_twice": twice,
            }
        )
        known |= have_now
        asking_before = asking
        if out["conversation"]["status"] in HANDOFF_STATUSES or (reply and reply["kind"] == "handoff"):
            break
        if out["conversation"]["status"] == "resolved":
            break
    assert conversation_id is not None
    state = _state(svc, conversation_id)
    return {
        "conversation_id": conversation_id,
        "turns": turns,
        "state": state,
        "briefing": for_conversation(svc, conversation_id),
        "originals": _originals(svc, state),
        "storage": svc.engine.playbook.storage,
    }


def _originals(svc: Service, state: dict[str, Any]) -> dict[int, str]:
    """The original text of each message a fact was taken from (kept when something was masked).

    The bot's stored state holds masked types masked (an IBAN as [IBAN], docs/privacy.md); the check
    of such a fact reads the message it came from, as a supervisor would.
    """
    out: dict[int, str] = {}
    for fact in state.get("facts", []):
        mid = fact.get("message_id")
        if mid is None or mid in out or svc.data_keys is None:
            continue
        with contextlib.suppress(NotFoundError):  # nothing was masked in that message
            out[int(mid)] = str(read_original(svc, EVALUATOR, int(mid))["text"])
    return out


# ---------------------------------------------------------------- judging one conversation


def _reply_language(text: str) -> str:
    return "nl" if len(_DUTCH.findall(text)) >= len(_ENGLISH.findall(text)) else "en"


def _form_ok(case: dict[str, Any], replies: Sequence[str]) -> bool | None:
    want = case["expect"].get("form")
    if case["language"] != "nl" or want not in ("u", "je"):
        return None
    # The whole of every reply: the bot's own lines and the article it quotes (written in both forms).
    said = " ".join(replies)
    informal, formal = bool(_INFORMAL.search(said)), bool(_FORMAL.search(said))
    return (formal and not informal) if want == "u" else (informal and not formal)


_SPACE = re.compile(r"\s")


def _matches_masked(run: dict[str, Any], fact: str, expected: str) -> bool:
    """Whether a fact the bot stored masked is `expected`.

    It is when masking `expected` as the bot does gives what is stored, and the message the fact was
    taken from says `expected` (so the right IBAN, not just an IBAN).
    """
    state = run["state"]
    entry = {f["fact"]: f for f in state.get("facts", [])}.get(fact)
    original = run["originals"].get(entry.get("message_id")) if entry else None
    if entry is None or original is None:
        return False
    masks = fact_masks([(fact, expected)], run["storage"], state.get("language"))
    said = _SPACE.sub("", original).lower()
    return mask_known(expected, masks) == str(entry["value"]) and _SPACE.sub("", expected).lower() in said


def _facts_ok(case: dict[str, Any], run: dict[str, Any]) -> tuple[bool, list[str]]:
    expected: dict[str, str] = case["expect"].get("facts") or {}
    brief = run["briefing"] or {}
    # What the bot collected, raw, from its state; the briefing shows masked types masked (docs/privacy.md).
    collected = {f["fact"]: str(f["value"]) for f in run["state"].get("facts", [])}
    for c in brief.get("collected", []):
        collected.setdefault(c["fact"], str(c["value"]))
    quoted = " ".join([*brief.get("summary", []), *case["turns"]])
    wrong = []
    for fact, value in expected.items():
        got = collected.get(fact)
        if got is not None and same_value(fact, str(value), got):
            continue
        if _matches_masked(run, fact, str(value)):
            continue
        if case["expect"]["outcome"] == "human_now" and fact in FREE_TEXT and str(value).lower() in quoted.lower():
            continue
        wrong.append(fact)
    for fact in case["expect"].get("gave_up") or []:
        tries = run["state"].get("tries", {}).get(fact, 0)
        if tries < 2 or fact in collected:
            wrong.append(f"gave_up:{fact}")
    return not wrong, wrong


def judge(case: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    exp = case["expect"]
    outcome = exp["outcome"]
    turns = run["turns"]
    last = turns[-1]
    n = len(case["turns"])
    replies = [t["reply_text"] for t in turns if t["reply_text"]]
    handed = last["status"] in HANDOFF_STATUSES
    shown = run["state"].get("shown", [])
    problems: list[str] = []
    if handed and len(turns) < n:
        problems.append("premature handoff")
    if not handed and outcome != "answered":
        problems.append("missed handoff")
    result: dict[str, Any] = {"id": case["id"], "language": case["language"], "outcome": outcome}
    if outcome == "answered":
        first_article = shown[0]["article"] if shown else None
        ok = first_article == exp.get("article") and last["status"] == "resolved" and len(turns) == n
        if first_article != exp.get("article"):
            problems.append(f"answered from {first_article}, expected {exp.get('article')}")
        if last["status"] != "resolved":
            problems.append(f"ended {last['status']}, not resolved")
        result["self_served"] = ok
    else:
        facts_ok, wrong = _facts_ok(case, run)
        problems.extend(f"fact {w}" for w in wrong)
        at_turn = handed and len(turns) == n
        if exp.get("article"):
            # Answered, then "no" (handoff): the briefing's `tried` has it with a negative reaction;
            # answered, then a person asked for (human_now): it was shown.
            negative = ("not_helped",) if outcome == "handoff" else ("not_helped", "moved_on", "pending")
            tried = [t for t in (run["briefing"] or {}).get("tried", []) if t["article"] == exp["article"]]
            if not any(t["reaction"] in negative for t in tried):
                problems.append(f"article {exp['article']} not in the briefing's tried with a negative reaction")
                facts_ok = False
        if outcome == "human_now":
            straight = at_turn and last["reply_kind"] in ("handoff", "acknowledgement") and last["asking"] is None
            result["straight_to_person"] = straight
            if not straight:
                problems.append("not handed to a person at once")
        result["correct_handoff"] = at_turn and facts_ok and (outcome != "human_now" or result["straight_to_person"])
    asked_at = exp.get("person_requested_at")
    if asked_at is not None:
        reply_to = next((t for t in turns if t["turn"] == asked_at), None)
        given = reply_to is not None and reply_to["status"] in HANDOFF_STATUSES and reply_to["asking"] is None
        result["person_not_given"] = not given
        if not given:
            problems.append("asked for a person and not given one at once")
    result["facts_asked_twice"] = sum(1 for t in turns if t["asked_twice"])
    if result["facts_asked_twice"]:
        problems.append("asked for " + ", ".join(t["asking"] for t in turns if t["asked_twice"]) + " again")
    result["form_ok"] = _form_ok(case, replies)
    if result["form_ok"] is False:
        problems.append(f"form of address not {exp.get('form')}")
    result["language_ok"] = all(_reply_language(r) == case["language"] for r in replies)
    if not result["language_ok"]:
        problems.append("a reply in the wrong language")
    result["problems"] = problems
    return result


# ---------------------------------------------------------------- the report


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answered = [r for r in results if r["outcome"] == "answered"]
    handoffs = [r for r in results if r["outcome"] in ("handoff", "human_now")]
    human = [r for r in results if r["outcome"] == "human_now"]
    asked = [r for r in results if "person_not_given" in r]
    forms = [r for r in results if r["form_ok"] is not None]
    return {
        "conversations": len(results),
        "self_service_rate": _rate(sum(r["self_served"] for r in answered), len(answered)),
        "self_service": {"answered_and_confirmed": sum(r["self_served"] for r in answered), "of": len(answered)},
        "correct_handoffs": {
            "rate": _rate(sum(r["correct_handoff"] for r in handoffs), len(handoffs)),
            "correct": sum(r["correct_handoff"] for r in handoffs),
            "of": len(handoffs),
        },
        "straight_to_person": {
            "rate": _rate(sum(r["straight_to_person"] for r in human), len(human)),
            "correct": sum(r["straight_to_person"] for r in human),
            "of": len(human),
        },
        "facts_asked_twice": sum(r["facts_asked_twice"] for r in results),
        "person_asked_not_given": sum(r["person_not_given"] for r in asked),
        "person_asked": len(asked),
        "form_of_address_ok": {"correct": sum(bool(r["form_ok"]) for r in forms), "of": len(forms)},
        "language_ok": {"correct": sum(r["language_ok"] for r in results), "of": len(results)},
    }


def evaluate(
    make_engine: Callable[[], Triager],
    knowledge: KnowledgeIndex | None,
    cases: Sequence[dict[str, Any]],
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Replay every case on its own copy of a freshly migrated SQLite database."""
    engine = make_engine()
    tmp = Path(tempfile.mkdtemp(prefix="ht-eval-conv-", dir=workdir))
    try:
        template = tmp / "template.db"
        base = Database(f"sqlite:///{template}")
        upgrade(base.engine)
        base.dispose()
        results = []
        for i, case in enumerate(cases):
            path = tmp / f"case-{i}.db"
            shutil.copy(template, path)
            db = Database(f"sqlite:///{path}")
            try:
                # A throwaway data key, so the originals of masked messages are kept (see _originals).
                svc = Service(
                    db=db, engine=engine, knowledge=knowledge, data_keys=KeyRing([("eval", secrets.token_bytes(32))])
                )
                run = replay(svc, case)
            finally:
                db.dispose()
            results.append(judge(case, run) | {"turns": run["turns"]})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report: dict[str, Any] = {"all": summarise(results)}
    for lang in ("nl", "en"):
        report[lang] = summarise([r for r in results if r["language"] == lang])
    report["failures"] = [
        {"id": r["id"], "outcome": r["outcome"], "problems": r["problems"]} for r in results if r["problems"]
    ]
    report["cases"] = results
    return report
