"""One typed settings object from env, a TOML file and flags; production refuses unsafe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from humantouch.errors import ConfigError
from humantouch.settings import DEFAULT_DATABASE_URL, Settings, load_settings, sqlite_path


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("HUMANTOUCH_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url == DEFAULT_DATABASE_URL and s.is_sqlite
    assert s.playbook is None and s.profile == "accurate" and not s.production and not s.demo


def test_env_toml_and_overrides_in_that_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "humantouch.toml"
    config.write_text('port = 9000\nprofile = "fast"\nmax_request_bytes = 4096\n')
    monkeypatch.setenv("HUMANTOUCH_CONFIG", str(config))
    monkeypatch.setenv("HUMANTOUCH_PORT", "9100")
    s = load_settings()
    assert (s.port, s.profile, s.max_request_bytes) == (9100, "fast", 4096)
    assert load_settings(port=9200).port == 9200
    assert load_settings(port=None).port == 9100  # an absent flag does not override


@pytest.mark.parametrize(
    "env, text",
    [
        ({"HUMANTOUCH_PROFILE": "turbo"}, "profile"),
        ({"HUMANTOUCH_PORT": "x"}, "port"),
        ({"HUMANTOUCH_MAX_REQUEST_BYTES": "10"}, "max_request_bytes"),
    ],
)
def test_invalid_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], text: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert text in str(info.value)


def test_broken_or_missing_toml_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUMANTOUCH_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings()
    bad = tmp_path / "bad.toml"
    bad.write_text("port = = 1")
    monkeypatch.setenv("HUMANTOUCH_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("prot = 1")
    monkeypatch.setenv("HUMANTOUCH_CONFIG", str(unknown))
    with pytest.raises(ConfigError, match="prot"):
        load_settings()


def test_webhook_needs_a_long_enough_secret() -> None:
    with pytest.raises(ConfigError, match="webhook_secret"):
        load_settings(webhook_url="https://example.org/hook")
    with pytest.raises(ConfigError, match="at least"):
        load_settings(webhook_url="https://example.org/hook", webhook_secret="short")
    assert load_settings(webhook_url="https://example.org/hook", webhook_secret="x" * 32).webhook_secret


def test_production_refuses_unsafe_defaults() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            production=True, demo=True, profile="test", webhook_url="http://example.org/hook", webhook_secret="x" * 32
        )
    message = str(info.value)
    for part in ("demo", "SQLite", "profile 'test'", "https://"):
        assert part in message
    with pytest.raises(ConfigError) as surveys_off_guard:
        load_settings(production=True, database_url="postgresql+psycopg://u@db/humantouch")
    assert "survey_secret" in str(surveys_off_guard.value) and "survey_base_url" in str(surveys_off_guard.value)
    assert load_settings(
        production=True, database_url="postgresql+psycopg://u@db/humantouch", survey_sample_rate=0
    ).production
    ok = load_settings(
        production=True,
        database_url="postgresql+psycopg://u@db/humantouch",
        survey_secret="s" * 32,
        survey_base_url="https://support.example.org",
    )
    assert ok.production


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite:///data/h.db") == Path("data/h.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql+psycopg://x/y") is None


def test_settings_are_frozen() -> None:
    s = Settings()
    with pytest.raises(Exception):  # noqa: B017 (pydantic raises its own ValidationError)
        s.port = 1  # type: ignore[misc]
