"""The feedback part of the settings, as a plain record the service carries (`Service.feedback`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from humantouch.settings import Settings


def _random_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class FeedbackConfig:
    # Without a configured secret each process makes up one: links then die with a restart.
    secret: str = field(default_factory=_random_secret)
    base_url: str = "http://127.0.0.1:8000"
    sample_rate: float = 1.0
    frequency_days: int = 30
    expiry_days: int = 14
    followup_due_working_days: int = 1
    cost_bot_contact_eur: float = 0.5
    cost_human_contact_eur: float = 6.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackConfig:
        return cls(
            secret=settings.survey_secret or _random_secret(),
            base_url=(settings.survey_base_url or f"http://{settings.host}:{settings.port}").rstrip("/"),
            sample_rate=settings.survey_sample_rate,
            frequency_days=settings.survey_frequency_days,
            expiry_days=settings.survey_expiry_days,
            followup_due_working_days=settings.followup_due_working_days,
            cost_bot_contact_eur=settings.cost_bot_contact_eur,
            cost_human_contact_eur=settings.cost_human_contact_eur,
        )
