"""The e-mail channel: raw RFC 822 mails in, replies out over SMTP, threaded by Message-ID.

Inbound (`POST /v1/channels/email/inbound` or `humantouch email ingest FILE`): the stdlib `email`
package parses the mail (multipart, any charset; an HTML-only mail becomes text), the quoted reply
and the signature are cut off (mailtext.py) so the engine reads only the customer's own words,
and In-Reply-To/References find the conversation the mail answers. Automatic mail (auto-replies,
bounces, lists) is ignored, so two robots cannot answer each other forever.

Outbound: a plain-text reply From `email_from` To the customer's address, with In-Reply-To and
References so the customer's mail program threads it, "Re: <their subject>" (or a subject in the
customer's language), and `Auto-Submitted: auto-replied` on the bot's messages (RFC 3834).
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr

from humantouch.channels import Delivered, Ignored, Inbound, Outbound, Thread
from humantouch.channels.mailtext import bare_subject, html_to_text, own_words
from humantouch.errors import DeliveryError, InputError
from humantouch.service.identities import normalize
from humantouch.service.inbound import InboundMessage
from humantouch.settings import Settings
from humantouch.storage import utcnow

MSG_ID = re.compile(r"<[^<>\s]+>")
MAX_TEXT = 20_000
MAX_REFERENCES = 20
ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.I)
SUBJECTS = {"nl": "Uw bericht aan onze klantenservice", "en": "Your message to our customer service"}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 10.0


def _ids(value: object) -> list[str]:
    return MSG_ID.findall(str(value or ""))


def _robot(mail: EmailMessage, sender: str) -> str | None:
    auto = str(mail.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return f"an automatic mail (Auto-Submitted: {auto})"
    precedence = str(mail.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"a bulk or automatic mail (Precedence: {precedence})"
    if mail.get("X-Autoreply") or mail.get("X-Autorespond") or mail.get("List-Id"):
        return "an auto-reply or a mailing-list mail"
    if mail.get_content_type() == "multipart/report" or ROBOT_SENDERS.match(sender):
        return "a delivery report or a mail from a robot address"
    return None


def _text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    assert isinstance(part, EmailMessage)
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset: keep what decodes
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else ""
    text = str(content)
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def read(raw: bytes, where: str = "the e-mail") -> Inbound | Ignored:
    """One raw mail as an Inbound record, or Ignored with the reason (automatic mail)."""
    if not raw.strip():
        raise InputError(f"{where} is empty", hint="send the raw RFC 822 message as the body", code="HT-IN-EMAIL")
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    name, sender = parseaddr(str(mail.get("From", "")))
    if not sender or "@" not in sender:
        raise InputError(
            f"{where} has no usable From address (From: {str(mail.get('From', ''))[:100]!r})",
            hint="send the complete message including its headers (RFC 822), not only the body",
            code="HT-IN-EMAIL",
        )
    ignored = _robot(mail, sender)
    if ignored:
        return Ignored(f"{ignored}: not taken in, so automatic mails cannot answer each other")
    _, address = normalize("email", sender)
    _, reply_to = parseaddr(str(mail.get("Reply-To", "")))
    message_id = (_ids(mail.get("Message-ID")) or [f"<{hashlib.sha256(raw).hexdigest()[:40]}@humantouch.invalid>"])[0]
    in_reply_to = _ids(mail.get("In-Reply-To"))
    references = _ids(mail.get("References"))
    subject = " ".join(str(mail.get("Subject", "")).split())
    body = own_words(_text_of(mail))
    first = not in_reply_to and not references
    if first and subject and bare_subject(subject).lower() not in body.lower():
        text = f"{subject}\n\n{body}".strip()
    else:
        text = body or bare_subject(subject)
    if not text:
        raise InputError(
            f"{where} has no text of its own: no subject, and nothing left after quotes and signature",
            hint="an empty reply or an attachment alone cannot be triaged",
            code="HT-IN-EMPTY",
        )
    message = InboundMessage(
        channel="email",
        sender_kind="email",
        sender_value=address,
        sender_name=name.strip() or None,
        text=text[:MAX_TEXT],
        idempotency_key=f"email:{message_id}"[:200],
        external_id=message_id[:200],
    )
    data = {
        "address": (reply_to if "@" in reply_to else address).lower(),
        "subject": subject,
        "message_id": message_id,
        "references": [*references, message_id][-MAX_REFERENCES:],
    }
    replies = tuple(in_reply_to + list(reversed(references)))
    return Inbound(message, Thread(message_id, data), replies)


def reply_subject(original: str, language: str | None) -> str:
    bare = bare_subject(original)
    return f"Re: {bare}" if bare else SUBJECTS.get(language or "", SUBJECTS["en"])


@dataclass
class EmailChannel:
    sender: str | None = None  # the From header, "Name <address>"
    smtp: SmtpConfig | None = None
    name: str = "email"

    def parse(self, body: bytes, meta: Mapping[str, str]) -> list[Inbound | Ignored]:
        return [read(body, "POST /v1/channels/email/inbound: the e-mail")]

    def compose(self, item: Outbound) -> EmailMessage:
        assert item.message is not None and self.sender is not None
        to = item.thread.get("address") or item.customer_email
        if not to:
            raise DeliveryError("the customer has no e-mail address to reply to", permanent=True)
        sender_name, sender_address = parseaddr(self.sender)
        domain = sender_address.rpartition("@")[2] or "humantouch.invalid"
        mail = EmailMessage(policy=policy.SMTP)
        mail["From"] = Address(display_name=sender_name, addr_spec=sender_address)
        mail["To"] = Address(display_name=(item.customer_name or "").replace("\n", " "), addr_spec=str(to))
        mail["Subject"] = reply_subject(str(item.thread.get("subject") or ""), item.conversation.get("language"))
        mail["Date"] = format_datetime(utcnow())
        mail["Message-ID"] = make_msgid(idstring=f"ht{item.delivery_id}", domain=domain)
        parent = item.thread.get("message_id")
        references = [str(r) for r in item.thread.get("references") or []]
        if parent:
            mail["In-Reply-To"] = str(parent)
            mail["References"] = " ".join(references[-MAX_REFERENCES:] or [str(parent)])
        if item.message["author"] == "bot":
            mail["Auto-Submitted"] = "auto-replied"
        mail.set_content(str(item.message["text"]))  # after: set_content drops every Content-* header
        if item.conversation.get("language"):
            mail["Content-Language"] = str(item.conversation["language"])
        return mail

    def deliver(self, item: Outbound) -> Delivered:
        if item.kind == "handoff":
            return Delivered(skipped="an e-mail thread has no place for a handoff note")
        if self.smtp is None or not self.sender:
            return Delivered(skipped="no SMTP server configured (smtp_host, email_from)")
        mail = self.compose(item)
        self._send(mail)
        message_id = str(mail["Message-ID"])
        references = [str(r) for r in item.thread.get("references") or []]
        data = {
            "address": item.thread.get("address") or item.customer_email,
            "subject": str(mail["Subject"]),
            "message_id": message_id,
            "references": [*references, message_id][-MAX_REFERENCES:],
        }
        return Delivered(external_id=message_id, thread=Thread(message_id, data))

    def _send(self, mail: EmailMessage) -> None:
        cfg = self.smtp
        assert cfg is not None
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds) as smtp:
                smtp.ehlo()
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if cfg.username and cfg.password:
                    smtp.login(cfg.username, cfg.password)
                smtp.send_message(mail)
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(
                f"SMTP server {cfg.host}:{cfg.port} does not offer STARTTLS",
                permanent=True,
                hint="use the submission port of a server with TLS, or set smtp_starttls=false for a local relay",
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP server refused the address: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP server answered {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP server {cfg.host}:{cfg.port} unreachable: {type(exc).__name__}: {exc}") from exc


def from_settings(settings: Settings) -> EmailChannel:
    smtp = None
    if settings.smtp_host:
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
    return EmailChannel(sender=settings.email_from, smtp=smtp)
