"""The one typed settings object of the service, built once at start-up.

Values come, strongest first, from keyword arguments, `HUMANTOUCH_*` environment variables,
the TOML file named by `HUMANTOUCH_CONFIG` (top-level keys, same names without the prefix),
and the defaults below. Nothing here is read at import time: call `load_settings()`.
Every field is documented in docs/settings.md; tests/test_settings_docs.py keeps it so.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from humantouch.errors import ConfigError

Profile = Literal["accurate", "fast", "thorough", "test"]

DEFAULT_DATABASE_URL = "sqlite:///humantouch.db"
MIN_SECRET_LENGTH = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUMANTOUCH_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=1)
    write_group_size: int = Field(default=16, ge=1)
    playbook: str | None = None
    profile: Profile = "accurate"
    engine_threads: int = Field(default=1, ge=1, le=64)
    triage_batch_size: int = Field(default=32, ge=1, le=1024)
    triage_batch_wait_ms: float = Field(default=10.0, ge=0, le=1000)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_processes: int = Field(default=1, ge=1, le=64)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    worker_in_serve: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_batch_size: int = Field(default=20, ge=1)
    worker_lease_seconds: float = Field(default=60.0, gt=0)
    worker_max_attempts: int = Field(default=8, ge=1)
    worker_backoff_seconds: float = Field(default=5.0, gt=0)
    worker_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    max_request_bytes: int = Field(default=65_536, ge=1024)
    access_log: bool = False
    # Behind a load balancer: the proxies whose X-Forwarded-For / X-Forwarded-Proto uvicorn believes
    # (comma-separated addresses or networks, or "*"). None: proxy headers are ignored, so nobody can
    # pick their own rate-limit address by sending the header.
    forwarded_allow_ips: str | None = None
    api_key_cache_seconds: float = Field(default=10.0, ge=0)
    demo: bool = False
    production: bool = False
    # --- feedback (docs/feedback.md) ---
    survey_secret: str | None = None
    survey_base_url: str | None = None
    survey_sample_rate: float = Field(default=1.0, ge=0, le=1)
    survey_frequency_days: int = Field(default=30, ge=0)
    survey_expiry_days: int = Field(default=14, ge=1)
    followup_due_working_days: int = Field(default=1, ge=0)
    cost_bot_contact_eur: float = Field(default=0.5, ge=0)
    cost_human_contact_eur: float = Field(default=6.0, ge=0)
    # channels (docs/channels.md)
    channel_webhook_secret: str | None = None
    channel_webhook_reply_url: str | None = None
    webchat_enabled: bool = False
    webchat_max_chars: int = Field(default=2000, ge=1, le=20_000)
    webchat_messages_per_minute: int = Field(default=10, ge=1)
    webchat_ip_messages_per_minute: int = Field(default=30, ge=1)
    webchat_polls_per_minute: int = Field(default=60, ge=1)
    email_from: str | None = None
    email_max_bytes: int = Field(default=1_048_576, ge=1024)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    chatwoot_url: str | None = None
    chatwoot_api_token: str | None = None
    chatwoot_webhook_secret: str | None = None
    agent_language: Literal["nl", "en"] = "nl"
    # --- privacy ---
    data_keys: SecretStr | None = None
    data_key_file: str | None = None
    retention_messages_days: int = Field(default=365, ge=1)
    retention_originals_days: int = Field(default=30, ge=1)
    retention_analyses_days: int = Field(default=90, ge=1)
    retention_surveys_days: int = Field(default=730, ge=1)
    retention_audit_days: int = Field(default=2190, ge=1)
    retention_outbox_days: int = Field(default=30, ge=1)
    retention_events_days: int = Field(default=365, ge=1)
    retention_idempotency_days: int = Field(default=7, ge=1)
    purge_interval_minutes: float = Field(default=60.0, gt=0)
    rate_limit_per_minute: float = Field(default=60.0, gt=0)
    rate_limit_burst: int = Field(default=20, ge=1)
    console_lockout_attempts: int = Field(default=5, ge=1)
    console_lockout_minutes: float = Field(default=15.0, gt=0)
    console_sign_in_per_minute: float = Field(default=10.0, gt=0)
    console_sign_in_burst: int = Field(default=10, ge=1)
    console_timezone: str = "Europe/Amsterdam"
    knowledge: str | None = None
    briefing_language: Literal["nl", "en"] = "nl"

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        entries = [e.strip() for e in value.split(",") if e.strip()]
        if not entries:
            raise ValueError("empty; leave it unset to ignore proxy headers, or name the proxies' addresses")
        # uvicorn honours "*" only as the whole value and reads networks strictly (no host bits set):
        # anything else it would silently never match, so every client would share the proxy's budget.
        if "*" in entries and len(entries) > 1:
            raise ValueError("'*' trusts every address and stands alone; give either * or a list of addresses")
        for entry in entries:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=True)
            except ValueError as exc:
                raise ValueError(
                    f"{entry!r} is not an IP address or network ({exc}); use e.g. 10.0.0.5,10.1.0.0/16 or *"
                ) from None
        return ",".join(entries)

    @field_validator("console_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Amsterdam") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the file named by HUMANTOUCH_CONFIG; a missing or broken file is an error, not a default."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ below reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("HUMANTOUCH_CONFIG")
        if not path:
            return {}
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(
                f"cannot read settings file {path}: {exc.strerror}",
                hint="fix HUMANTOUCH_CONFIG or create the file",
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc
        return data


def load_settings(**overrides: Any) -> Settings:
    """Build and check the settings; `overrides` (e.g. from command-line flags) win over everything."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(
            f"invalid settings: {problems}",
            hint="see docs/settings.md for every setting and its allowed values",
        ) from exc
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """Refuse combinations that are wrong everywhere, and unsafe defaults in production mode."""
    if settings.webhook_url and not settings.webhook_secret:
        raise ConfigError(
            "webhook_url is set but webhook_secret is not",
            hint="set HUMANTOUCH_WEBHOOK_SECRET so receivers can verify the signature",
            code="HT-CFG-WEBHOOK",
        )
    if settings.webhook_secret and len(settings.webhook_secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"webhook_secret must have at least {MIN_SECRET_LENGTH} characters", code="HT-CFG-WEBHOOK")
    if settings.survey_secret is not None and len(settings.survey_secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"survey_secret must have at least {MIN_SECRET_LENGTH} characters", code="HT-CFG-SURVEY")
    check_channel_settings(settings)
    if settings.data_keys is not None and settings.data_key_file:
        raise ConfigError("set data_keys or data_key_file, not both", code="HT-CFG-DATAKEY")
    if not settings.production:
        return
    unsafe: list[str] = []
    if settings.demo:
        unsafe.append("demo mode is on (it creates a well-known admin key)")
    if settings.is_sqlite:
        unsafe.append("the database is embedded SQLite; use PostgreSQL (postgresql+psycopg://...)")
    if settings.profile == "test":
        unsafe.append("profile 'test' uses a hashing stand-in for the language models")
    if settings.webhook_url and not settings.webhook_url.startswith("https://"):
        unsafe.append("webhook_url is not https://")
    if settings.survey_sample_rate > 0 and not settings.survey_secret:
        unsafe.append("survey_secret is not set (survey links would die with every restart)")
    if settings.survey_sample_rate > 0 and not (settings.survey_base_url or "").startswith("https://"):
        unsafe.append("survey_base_url is not an https:// address customers can reach")
    if settings.chatwoot_url and not settings.chatwoot_webhook_secret:
        unsafe.append("Chatwoot webhooks are not signed (set chatwoot_webhook_secret)")
    if settings.smtp_host and settings.smtp_username and not settings.smtp_starttls:
        unsafe.append("the SMTP password would travel unencrypted (set smtp_starttls)")
    if unsafe:
        raise ConfigError(
            "production mode refuses: " + "; ".join(unsafe),
            hint="fix these settings or unset HUMANTOUCH_PRODUCTION",
            code="HT-CFG-UNSAFE",
        )


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a sqlite URL, or None for in-memory and other databases."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None
    rest = database_url[len(prefix) :].split("?", 1)[0]
    return Path(rest) if rest and rest != ":memory:" else None


def check_channel_settings(settings: Settings) -> None:
    """Channel settings that only make sense together (docs/channels.md)."""
    if settings.channel_webhook_reply_url and not settings.channel_webhook_secret:
        raise ConfigError(
            "channel_webhook_reply_url is set but channel_webhook_secret is not",
            hint="set HUMANTOUCH_CHANNEL_WEBHOOK_SECRET so the receiver can verify the replies",
            code="HT-CFG-CHANNEL",
        )
    for name in ("channel_webhook_secret", "chatwoot_webhook_secret"):
        value = getattr(settings, name)
        if value is not None and len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(f"{name} must have at least {MIN_SECRET_LENGTH} characters", code="HT-CFG-CHANNEL")
    if settings.smtp_host and not settings.email_from:
        raise ConfigError(
            "smtp_host is set but email_from is not",
            hint="set HUMANTOUCH_EMAIL_FROM, e.g. 'Klantenservice <service@example.nl>'",
            code="HT-CFG-CHANNEL",
        )
    if bool(settings.smtp_username) != bool(settings.smtp_password):
        raise ConfigError("set both smtp_username and smtp_password, or neither", code="HT-CFG-CHANNEL")
    if settings.chatwoot_url:
        if not settings.chatwoot_url.startswith(("https://", "http://")):
            raise ConfigError(
                f"chatwoot_url must start with https:// (got {settings.chatwoot_url!r})", code="HT-CFG-CHANNEL"
            )
        if not settings.chatwoot_api_token:
            raise ConfigError(
                "chatwoot_url is set but chatwoot_api_token is not",
                hint="create an Agent Bot in Chatwoot and set HUMANTOUCH_CHATWOOT_API_TOKEN to its access token",
                code="HT-CFG-CHANNEL",
            )
