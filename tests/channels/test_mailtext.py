"""The customer's own words: quoted replies and signatures cut, in Dutch and English mail clients."""

from __future__ import annotations

import pytest

from humantouch.channels.mailtext import bare_subject, html_to_text, own_words

CASES = [
    (  # Gmail, Dutch
        "Hoi,\n\nMijn pakket is niet aangekomen.\n\nMet vriendelijke groet,\nJan Jansen\n\n"
        "Op di 3 mrt. 2020 om 10:00 schreef Klantenservice <service@x.nl>:\n> Beste Jan,\n> wat kunnen we doen?",
        "Hoi,\n\nMijn pakket is niet aangekomen.",
    ),
    (  # Gmail, English, header wrapped over two lines
        "Still nothing.\n\nOn Tue, 3 Mar 2020 at 10:00, Service Desk <service@x.nl>\nwrote:\n> Hello\n",
        "Still nothing.",
    ),
    (  # Outlook, Dutch, underscores and the Van:/Verzonden: block
        "Graag terugbellen.\n\n________________________________\nVan: Service <s@x.nl>\n"
        "Verzonden: dinsdag 3 maart 2020 10:00\nAan: Jan <j@x.nl>\nOnderwerp: Re: pakket\n\noud bericht",
        "Graag terugbellen.",
    ),
    (  # Outlook, English header block without a separator
        "Any news?\n\nFrom: Service <s@x.nl>\nSent: Tuesday, March 3, 2020 10:00\nTo: Ann\nSubject: order\n\nold",
        "Any news?",
    ),
    (
        "Bedankt, maar het klopt niet.\n\n-----Oorspronkelijk bericht-----\nVan: a\nAan: c\n\nTekst",
        "Bedankt, maar het klopt niet.",
    ),
    ("Wrong invoice.\n\n-----Original Message-----\nFrom: x\nold", "Wrong invoice."),
    ("Please call me.\n\nKind regards,\nAnna\n\n-- \nAnna Smith | ACME\n+44 20 1234", "Please call me."),
    ("Het gaat om order 123.\n\nVerzonden vanaf mijn iPhone", "Het gaat om order 123."),
    ("Het gaat om order 123.\n\nSent from my iPhone", "Het gaat om order 123."),
    ("Mijn factuur klopt niet.\nMet vriendelijke groet, Jan de Vries", "Mijn factuur klopt niet."),
    ("Kan ik opzeggen?\n\nMvg,\nPiet\nStraat 1\n1234 AB Utrecht", "Kan ik opzeggen?"),
    ("Ik ben het er niet mee eens\n> eerdere tekst\n> nog meer\nDus graag een reactie", None),
    # what must stay
    ("Groeten uit Utrecht, waar mijn pakket nooit aankwam. Wat nu?", None),
    ("Best way to reach you? I tried calling twice.", None),
    ("Thanks for nothing. My card is blocked and nobody answers.", None),
    ("Groet", None),  # nothing else: the closing is all there is
]


@pytest.mark.parametrize(("mail", "expected"), CASES)
def test_own_words(mail: str, expected: str | None) -> None:
    if expected is None and ">" in mail:
        assert own_words(mail) == "Ik ben het er niet mee eens\nDus graag een reactie"
    else:
        assert own_words(mail) == (mail if expected is None else expected)


def test_html_to_text_leaves_out_styles_and_quotes() -> None:
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body><p>Hallo,</p>"
        "<p>Mijn&nbsp;factuur <b>klopt</b> niet.<br>Groet</p>"
        '<div class="gmail_quote">Op ... schreef:<blockquote>oud</blockquote></div>'
        '<div id="appendonsend"></div><p>Van: service</p></body></html>'
    )
    assert html_to_text(html) == "Hallo,\n\nMijn factuur klopt niet.\nGroet"


@pytest.mark.parametrize(
    ("subject", "bare"), [("Re: Antw: pakket", "pakket"), ("AW: RE: order 12", "order 12"), ("Vraag", "Vraag")]
)
def test_bare_subject(subject: str, bare: str) -> None:
    assert bare_subject(subject) == bare
