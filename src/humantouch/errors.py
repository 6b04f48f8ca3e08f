"""The one error hierarchy of humantouch.

    HumantouchError                 every error a user can cause or meet; has `code` and `hint`
    +-- ConfigError                 a setting is missing, malformed or unsafe (HT-CFG-*)
    +-- PlaybookError               a playbook file is invalid; names file and field (HT-PB-*)
    +-- ModelError                  a model package is missing or broken (HT-MODEL-*)
    +-- InputError                  a message or input line cannot be triaged (HT-IN-*)
    +-- StorageError                the database refused or is unreachable (HT-DB-*)
    |   +-- NotMigratedError        the schema is older than this code (HT-DB-MIGRATE)
    |   +-- UnavailableError        the database cannot be reached (HT-DB-UNAVAILABLE)
    +-- NotFoundError               a record asked for does not exist (HT-NOTFOUND)
    +-- ConflictError               the request conflicts with the current state (HT-CONFLICT)
    +-- AuthError                   no or an unknown credential (HT-AUTH)
    +-- ForbiddenError              the credential's role may not do this (HT-FORBIDDEN)
    +-- RateLimitError              too many requests from one client; wait and retry (HT-RATE)
    +-- DeliveryError               a channel could not deliver an outbound message (HT-CHANNEL)

The HTTP layer maps these to status codes in one place (`api/errors.py`);
the CLI prints `code: message (hint)` and exits non-zero.
"""

from __future__ import annotations


class HumantouchError(Exception):
    code = "HT-ERROR"

    def __init__(self, message: str, *, hint: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" ({self.hint})" if self.hint else "")

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class ConfigError(HumantouchError):
    code = "HT-CFG"


class PlaybookError(HumantouchError):
    code = "HT-PB"

    def __init__(self, path: str, field: str, problem: str, *, hint: str = "") -> None:
        super().__init__(f"{path}: field '{field}': {problem}", hint=hint)
        self.path = path
        self.field = field
        self.problem = problem


class ModelError(HumantouchError):
    code = "HT-MODEL"


class InputError(HumantouchError):
    code = "HT-IN"


class StorageError(HumantouchError):
    code = "HT-DB"


class NotMigratedError(StorageError):
    code = "HT-DB-MIGRATE"


class UnavailableError(StorageError):
    code = "HT-DB-UNAVAILABLE"


class NotFoundError(HumantouchError):
    code = "HT-NOTFOUND"


class ConflictError(HumantouchError):
    code = "HT-CONFLICT"


class AuthError(HumantouchError):
    code = "HT-AUTH"


class ForbiddenError(HumantouchError):
    code = "HT-FORBIDDEN"


class RateLimitError(HumantouchError):
    code = "HT-RATE"

    def __init__(self, message: str, *, retry_after: int, hint: str = "", code: str | None = None) -> None:
        super().__init__(message, hint=hint or f"wait {retry_after} s and send again", code=code)
        self.retry_after = retry_after


class DeliveryError(HumantouchError):
    """`permanent` failures are not retried (a refused address, a missing setting); `done` names the
    steps of a multi-step delivery that did succeed, so a retry does not repeat them."""

    code = "HT-CHANNEL"

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        done: tuple[str, ...] = (),
        hint: str = "",
        code: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, code=code)
        self.permanent = permanent
        self.done = done
