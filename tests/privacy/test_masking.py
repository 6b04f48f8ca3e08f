"""Masking: placeholders by type and language, every occurrence, and the analysis scrubbed alike."""

from __future__ import annotations

import pytest

from humantouch.entities import extract
from humantouch.playbook import StoragePolicy
from humantouch.privacy.masking import mask, placeholder, scrub, special_words

DEFAULT = StoragePolicy().mask


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Mijn IBAN is NL91ABNA0417164300.", "nl", "Mijn IBAN is [IBAN]."),
        ("Bel me op 0612345678 aub", "nl", "Bel me op [TELEFOON] aub"),
        ("Call me on 0612345678 please", "en", "Call me on [PHONE] please"),
        ("mail jan@voorbeeld.nl", "nl", "mail [E-MAIL]"),
        ("postcode 1234 AB", "nl", "postcode [POSTCODE]"),
        ("kenteken 12-ABC-3 is weg", "nl", "kenteken [KENTEKEN] is weg"),
        ("my plate 12-ABC-3", "en", "my plate [PLATE]"),
        ("mijn bsn is 111222333", "nl", "mijn bsn is [BSN]"),
        ("bestelnummer 448812 en €50", "nl", "bestelnummer 448812 en €50"),
    ],
)
def test_personal_data_becomes_a_typed_placeholder(text: str, language: str, expected: str) -> None:
    assert mask(text, extract(text), DEFAULT, language).text == expected


def test_every_occurrence_goes_and_the_analysis_is_scrubbed() -> None:
    text = "IBAN NL91ABNA0417164300, nogmaals: NL91ABNA0417164300"
    spans = extract(text)
    masked = mask(text, spans[:1], DEFAULT, "nl")  # even when only the first was recognised
    assert masked.text == "IBAN [IBAN], nogmaals: [IBAN]"
    doc = {"entities": [{"text": "NL91ABNA0417164300", "value": "NL91ABNA0417164300"}], "n": 3}
    assert scrub(doc, masked.replacements) == {"entities": [{"text": "[IBAN]", "value": "[IBAN]"}], "n": 3}


def test_types_outside_the_policy_stay() -> None:
    text = "bel 0612345678"
    masked = mask(text, extract(text), ("IBAN",), "nl")
    assert masked.text == text
    assert not masked.changed


def test_placeholders_for_unknown_types_name_the_type() -> None:
    assert placeholder("ethnicity", "nl") == "[ETHNICITY]"
    assert placeholder("PHONE", None) == "[PHONE]"


def test_special_words_hide_what_revealed_a_category() -> None:
    triage = {"language": "nl", "special_categories": [{"type": "health", "text": "kanker"}]}
    doc = {"reasons": [{"evidence": "mentions health: kanker"}]}
    assert scrub(doc, special_words(triage)) == {"reasons": [{"evidence": "mentions health: [GEZONDHEID]"}]}


def test_the_storage_policy_is_validated() -> None:
    from humantouch.errors import PlaybookError
    from humantouch.playbook import packaged_yaml, parse_playbook

    data = packaged_yaml("default_playbook.yaml")
    assert parse_playbook(data, "<default>").storage == StoragePolicy()
    for bad, field in (
        ({"mask": ["IBAN", "SHOE_SIZE"]}, "storage.mask"),
        ({"original_days": 0}, "storage.original_days"),
        ({"original_roles": ["integration"]}, "storage.original_roles"),
        ({"keep_forever": True}, "storage.keep_forever"),
    ):
        with pytest.raises(PlaybookError) as info:
            parse_playbook({**data, "storage": bad}, "<test>")
        assert info.value.field.startswith(field), (bad, info.value.field)
