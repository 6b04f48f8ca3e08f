"""Which channels the settings switch on, and the combinations that are refused at start-up."""

from __future__ import annotations

import pytest

from humantouch import channels
from humantouch.commands.serve import channel_path_limits, delivery_worker
from humantouch.errors import ConfigError
from humantouch.settings import load_settings
from humantouch.storage import Database

SECRET = "x" * 32


def test_defaults_switch_on_webhook_and_email_inbound_only() -> None:
    built = channels.from_settings(load_settings())
    assert set(built) == {"webhook", "email"}


def test_everything_on() -> None:
    settings = load_settings(
        webchat_enabled=True,
        chatwoot_url="https://chat.example.nl",
        chatwoot_api_token="token",
        smtp_host="smtp.example.nl",
        email_from="Service <service@example.nl>",
    )
    assert set(channels.from_settings(settings)) == {"webhook", "webchat", "email", "chatwoot"}
    assert channel_path_limits(settings)["/v1/webchat/"] == 2000 * 4 + 1024
    worker = delivery_worker(settings, Database("sqlite://"))
    assert set(worker.channels) == {"webhook", "webchat", "email", "chatwoot"}


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"channel_webhook_reply_url": "https://crm.example.nl/replies"}, "channel_webhook_secret"),
        ({"channel_webhook_secret": "short"}, "at least 16"),
        ({"chatwoot_webhook_secret": "short"}, "at least 16"),
        ({"smtp_host": "smtp.example.nl"}, "email_from"),
        ({"smtp_username": "bot"}, "smtp_password"),
        ({"chatwoot_url": "https://chat.example.nl"}, "chatwoot_api_token"),
        ({"chatwoot_url": "chat.example.nl", "chatwoot_api_token": "t"}, "https://"),
        (
            {
                "production": True,
                "database_url": "postgresql+psycopg://x@db/x",
                "chatwoot_url": "https://chat.example.nl",
                "chatwoot_api_token": "t",
            },
            "chatwoot_webhook_secret",
        ),
        (
            {
                "production": True,
                "database_url": "postgresql+psycopg://x@db/x",
                "smtp_host": "smtp.example.nl",
                "email_from": "a@example.nl",
                "smtp_username": "u",
                "smtp_password": "p",
                "smtp_starttls": False,
            },
            "smtp_starttls",
        ),
    ],
)
def test_refused_combinations_say_what_to_set(overrides: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(**overrides)
    assert words in str(info.value)


def test_a_reply_url_with_a_secret_is_fine() -> None:
    settings = load_settings(channel_webhook_reply_url="https://crm.example.nl/r", channel_webhook_secret=SECRET)
    webhook = channels.from_settings(settings)["webhook"]
    assert getattr(webhook, "reply_url", None) == "https://crm.example.nl/r"
