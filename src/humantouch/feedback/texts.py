"""What the survey says, in the customer's language and form of address (nl: u or je; en)."""

from __future__ import annotations

from typing import Final

Texts = dict[str, str]

_EN: Final[Texts] = {
    "title": "How did we do?",
    "intro": "Thank you for your time. Every question is optional.",
    "nps": "How likely is it that you would recommend us?",
    "nps_low": "not at all likely",
    "nps_high": "extremely likely",
    "ces": "How easy was it to get your question sorted?",
    "ces_low": "very difficult",
    "ces_high": "very easy",
    "csat": "How satisfied are you with the contact?",
    "csat_low": "very dissatisfied",
    "csat_high": "very satisfied",
    "resolved": "Is your question resolved?",
    "yes": "Yes",
    "no": "No",
    "comment": "Anything else you would like to tell us? (optional)",
    "submit": "Send",
    "thanks": "Thank you! Your answers are saved. You can change them until {until}.",
    "followup": "We are sorry it did not go well. Someone from our team will contact you.",
    "expired": "This survey has closed. Thank you for wanting to help.",
    "invalid": "This link is not valid. Please use the link from our message.",
    "invitation": "Your question has been resolved. Would you tell us how it went? It takes a minute: {link}",
    "error": "Some answers could not be read; please check them.",
}

_NL_U: Final[Texts] = {
    "title": "Hoe hebben we het gedaan?",
    "intro": "Dank u wel voor uw tijd. Alle vragen zijn vrijwillig.",
    "nps": "Hoe waarschijnlijk is het dat u ons aanbeveelt?",
    "nps_low": "zeer onwaarschijnlijk",
    "nps_high": "zeer waarschijnlijk",
    "ces": "Hoe makkelijk was het om uw vraag geregeld te krijgen?",
    "ces_low": "heel moeilijk",
    "ces_high": "heel makkelijk",
    "csat": "Hoe tevreden bent u over het contact?",
    "csat_low": "zeer ontevreden",
    "csat_high": "zeer tevreden",
    "resolved": "Is uw vraag opgelost?",
    "yes": "Ja",
    "no": "Nee",
    "comment": "Wilt u nog iets kwijt? (niet verplicht)",
    "submit": "Versturen",
    "thanks": "Dank u wel! Uw antwoorden zijn opgeslagen. U kunt ze tot {until} nog aanpassen.",
    "followup": "Wat vervelend dat het niet goed ging. Iemand van ons team neemt contact met u op.",
    "expired": "Deze enquête is gesloten. Dank u wel dat u wilde helpen.",
    "invalid": "Deze link is niet geldig. Gebruik de link uit ons bericht.",
    "invitation": "Uw vraag is afgehandeld. Wilt u ons laten weten hoe het ging? Het kost een minuut: {link}",
    "error": "Niet alle antwoorden konden worden gelezen; wilt u ze nakijken?",
}

_NL_JE: Final[Texts] = _NL_U | {
    "intro": "Bedankt voor je tijd. Alle vragen zijn vrijwillig.",
    "nps": "Hoe waarschijnlijk is het dat je ons aanbeveelt?",
    "ces": "Hoe makkelijk was het om je vraag geregeld te krijgen?",
    "csat": "Hoe tevreden ben je over het contact?",
    "resolved": "Is je vraag opgelost?",
    "comment": "Wil je nog iets kwijt? (niet verplicht)",
    "thanks": "Bedankt! Je antwoorden zijn opgeslagen. Je kunt ze tot {until} nog aanpassen.",
    "followup": "Wat vervelend dat het niet goed ging. Iemand van ons team neemt contact met je op.",
    "expired": "Deze enquête is gesloten. Bedankt dat je wilde helpen.",
    "invitation": "Je vraag is afgehandeld. Laat je ons weten hoe het ging? Het kost een minuut: {link}",
    "error": "Niet alle antwoorden konden worden gelezen; wil je ze nakijken?",
}


def texts(language: str | None, form_of_address: str | None) -> Texts:
    """Dutch uses `u` unless the customer is known to be addressed informally; anything not Dutch is English."""
    if language == "nl":
        return dict(_NL_JE if form_of_address == "informal" else _NL_U)
    return dict(_EN)
