"""The one typed settings object of the service, built once at start-up.

Values come, strongest first, from keyword arguments, `HUMANTOUCH_*` environment variables,
the TOML file named by `HUMANTOUCH_CONFIG` (top-level keys, same names without the prefix),
and the defaults below. Nothing here is read at import time: call `load_settings()`.
Every field is documented in docs/settings.md; tests/test_settings_docs.py keeps it so.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from humantouch.errors import ConfigError

Profile = Literal["accurate", "fast", "thorough", "test"]

DEFAULT_DATABASE_URL = "sqlite:///humantouch.db"
MIN_SECRET_LENGTH = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUMANTOUCH_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=1)
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
    demo: bool = False
    production: bool = False
    knowledge: str | None = None
    briefing_language: Literal["nl", "en"] = "nl"

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
