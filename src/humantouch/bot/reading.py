"""What the customer's words tell the bot beyond the triage: register, tone, and yes or no.

Pure functions over text and the Analysis record; the word lists are small on purpose and
read on normalised (lower-case, accent-free) text.
"""

from __future__ import annotations

import re
from typing import Literal

from humantouch.records import Analysis
from humantouch.text import normalize

Form = Literal["formal", "informal"]
Tone = Literal["neutral", "frustrated", "worried", "grieving"]
Reaction = Literal["yes", "no"]

_INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw|je?zelf|heb je|kun je|kan je|weet je)\b")
_FORMAL = re.compile(r"\b(?:u|uw|uzelf|kunt u|heeft u|wilt u)\b")
_NO = re.compile(
    r"^\s*(?:nee|neen|nope|no|nah|helaas|not really|niet echt|niet|geen)\b"
    r"|\b(?:niet (?:opgelost|geholpen|gelukt|duidelijk)|werkt (?:nog steeds )?niet|heeft niet geholpen"
    r"|helpt niet|nog steeds|not (?:solved|helpful|working)|didn'?t (?:help|work)|doesn'?t (?:help|work)"
    r"|did not (?:help|work)|still (?:not|no|doesn)|geen antwoord op mijn vraag)\b"
)
_YES = re.compile(
    r"^\s*(?:ja|jazeker|jawel|jep|yes|yep|yeah|yup|klopt|top|prima|perfect|super|mooi|fijn|helder|duidelijk"
    r"|thanks|thank you|bedankt|dank|dankjewel|dank je|dank u|merci|great|ok|oke|okay|oki|opgelost|gelukt)\b"
    r"|\b(?:dat (?:helpt|hielp)|is opgelost|het is gelukt|that helped|that helps|problem solved|got it|all good)\b"
)
SHORT_REPLY_WORDS = 8
SHORT_ANSWER_WORDS = 3
SURE_REQUEST = 0.8
STRONG_EMOTION = 0.5
_FRUSTRATION = re.compile(
    r"\b(?:belachelijk|schandalig|schande|boos|woedend|kwaad|frustrerend|gefrustreerd|ergerlijk|irritant|"
    r"onacceptabel|onbeschoft|klaar mee|zat van|al (?:\w+ )?(?:keer|weken|dagen|maanden)|nog steeds|alweer|weer niet|"
    r"nooit|ridiculous|outrageous|unacceptable|angry|furious|frustrat\w*|annoy\w*|fed up|sick of|still|again|"
    r"(?:\w+ )?times already|never)\b|!{2,}|\?!"
)
SAD_EVENTS = frozenset({"bereavement", "serious_illness"})


def register(text: str) -> Form | None:
    """The form of address the customer uses for us, when the message shows one."""
    t = normalize(text)
    informal, formal = bool(_INFORMAL.search(t)), bool(_FORMAL.search(t))
    if informal and not formal:
        return "informal"
    if formal and not informal:
        return "formal"
    return None


def tone(a: Analysis, text: str) -> Tone:
    """How the reply should sound: grief before worry before frustration.

    The bot says a feeling out loud only on a clear signal: a life event, a strong emotion score,
    or for frustration the emotion model together with the customer's own words (the model alone
    also scores plain questions as angry), or a repeat contact. Short answers ("nee", "ja") to the
    bot's questions carry no new tone.
    """
    if any(e.name in SAD_EVENTS for e in a.life_events) or a.intent.name == "report_death":
        return "grieving"
    if len(text.split()) <= SHORT_ANSWER_WORDS:
        return "neutral"
    if a.emotions.get("fear", 0.0) >= STRONG_EMOTION or a.emotions.get("sadness", 0.0) >= STRONG_EMOTION:
        return "worried"
    cue = bool(_FRUSTRATION.search(normalize(text)))
    angry = a.emotions.get("anger", 0.0) >= STRONG_EMOTION or a.sentiment.label == "negative"
    if (angry and cue) or (a.repeat_contact and a.sentiment.label == "negative"):
        return "frustrated"
    return "neutral"


def reaction(text: str) -> Reaction | None:
    """The customer's answer to "did this solve your question?", when the message is one."""
    t = normalize(text)
    if _NO.search(t):
        return "no"
    if len(t.split()) <= SHORT_REPLY_WORDS and _YES.search(t):
        return "yes"
    return None


# The words the bot's own hint tells customers to type, and their near forms: a message that is
# only one of these is a request for a person even when the triage lexicon needs more words.
_PERSON_WORDS = re.compile(
    r"^\s*(?:een |a |an )?(?:medewerker|mens|persoon|iemand|agent|human|person|operator|representative|mensen)"
    r"(?: graag| aub| alsjeblieft| alstublieft| please| pls)?\s*[.!?]*\s*$"
)


def asks_for_person(text: str, a: Analysis, *, answering: bool = False) -> bool:
    """Whether the customer asks for a person. While answering a bot question, the classifier's
    request_human counts only when it is sure: a failed answer ("ik kan het nergens vinden") read
    together with the conversation otherwise looks like a plea for help."""
    if _PERSON_WORDS.search(normalize(text)):
        return True
    worded = [e for e in a.wants_human_evidence if not e.startswith("intent request_human")]
    if worded:
        return True
    sure = SURE_REQUEST if answering else 0.0
    return a.intent.name == "request_human" and a.intent.confidence >= sure
