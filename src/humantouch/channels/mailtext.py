"""The customer's own words in an e-mail: HTML to text, quoted replies and signatures cut off.

Pure functions over text, tested with tables of real-looking mails (tests/channels/test_mailtext.py).
What is cut, in Dutch and English mail clients:
  quote headers   "On <date>, <name> wrote:" / "Op <datum> schreef <naam>:" (also wrapped over lines),
                  "-----Original Message-----" / "-----Oorspronkelijk bericht-----",
                  Outlook's "From: / Sent: / To: / Subject:" and "Van: / Verzonden: / Aan: / Onderwerp:" block
  quoted lines    every line starting with ">"
  signatures      "-- " and everything after it; mobile footers ("Verzonden vanaf mijn iPhone");
                  a closing ("Met vriendelijke groet", "Kind regards", ...) followed by a few short lines
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

QUOTE_HEADERS = (
    re.compile(r"^\s*on\b.{0,300}\bwrote:\s*$", re.I | re.S),
    re.compile(r"^\s*op\b.{0,300}\bschreef\b.{0,300}:\s*$", re.I | re.S),
    re.compile(r"^\s*am\b.{0,300}\bschrieb\b.{0,300}:\s*$", re.I | re.S),
)
SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|oorspronkelijk bericht|origineel bericht|oorspronkelijk e-?mailbericht)"
    r"\s*-{2,}\s*$",
    re.I,
)
UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
HEADER_START = re.compile(r"^\s*\*?(from|van)\s*:\*?\s*\S", re.I)
HEADER_NEXT = re.compile(r"^\s*\*?(sent|verzonden|date|datum|to|aan|subject|onderwerp|cc)\s*:\*?\s*", re.I)
MOBILE = re.compile(
    r"^\s*(sent from my|sent from outlook|get outlook for|verzonden (vanaf|vanuit|met) (mijn|outlook)|"
    r"verstuurd (vanaf|vanuit|met) (mijn|outlook)|download outlook)",
    re.I,
)
CLOSINGS = re.compile(
    r"^\s*(?i:(met )?(vriendelijke|hartelijke|beste|lieve|zonnige) groet(en)?|vriendelijke groeten|"
    r"mvg|m\.v\.g\.?|groet(en|jes)?|gr\.?|"
    r"(kind|best|warm|warmest) (regards|wishes)|regards|best|cheers|many thanks|thanks|thank you)"
    r"[\s,.!]*([A-ZÀ-Ý][\w.'-]*(\s+[A-Za-zÀ-ÿ][\w.'-]*){0,3})?[\s,.!]*$"
)
MAX_SIGNATURE_LINES = 8
BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"}
SKIP_TAGS = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    """Text of an HTML mail; blockquotes and the quote containers of Gmail and Outlook are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0  # depth inside something left out
        self.stack: list[bool] = []  # per open element: does it start a left-out region?
        self.cut = False  # Outlook's reply marker: everything after it is the quoted mail

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if attr.get("id") in ("appendonsend", "divRplyFwdMsg") or "moz-cite-prefix" in attr.get("class", ""):
            self.cut = True
        if tag in ("br", "hr", "img", "meta", "link", "input"):  # void elements
            if tag in BLOCK_TAGS:
                self.parts.append("\n")
            return
        leaves_out = tag in SKIP_TAGS or tag == "blockquote" or "gmail_quote" in attr.get("class", "")
        self.stack.append(leaves_out)
        self.skip += leaves_out
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "hr", "img", "meta", "link", "input"):
            return
        if self.stack:
            self.skip -= self.stack.pop()
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.cut:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _quote_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if SEPARATOR.match(line):
            return i
        if re.match(r"^\s*(on|op|am)\b", line, re.I):
            # the header may be wrapped over up to three lines
            for n in (1, 2, 3):
                window = " ".join(x.strip() for x in lines[i : i + n])
                if any(p.match(window) for p in QUOTE_HEADERS):
                    return i
        if HEADER_START.match(line) and sum(bool(HEADER_NEXT.match(x)) for x in lines[i + 1 : i + 6]) >= 2:
            return i - 1 if i > 0 and UNDERSCORES.match(lines[i - 1]) else i
    return None


def _signature_start(lines: list[str]) -> int | None:
    """Where the signature starts: a "-- " line or mobile footer, and above that a closing line."""
    end = next((i for i, x in enumerate(lines) if x.strip() in ("--", "-- ") or MOBILE.match(x)), len(lines))
    for i, line in enumerate(lines[:end]):
        rest = [x for x in lines[i + 1 : end] if x.strip()]
        if CLOSINGS.match(line) and len(rest) <= MAX_SIGNATURE_LINES and all(len(x) <= 80 for x in rest):
            return i
    return end if end < len(lines) else None


def own_words(text: str) -> str:
    """The part of a mail body the sender wrote now."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _quote_start(lines)
    if cut is not None:
        lines = lines[:cut]
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    sig = _signature_start(lines)
    if sig is not None and any(x.strip() for x in lines[:sig]):
        lines = lines[:sig]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()


REPLY_PREFIX = re.compile(r"^\s*((re|antw|aw|sv|fw|fwd|doorst)\s*:\s*)+", re.I)


def bare_subject(subject: str) -> str:
    return REPLY_PREFIX.sub("", subject).strip()
