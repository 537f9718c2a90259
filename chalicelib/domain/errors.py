"""The domain error tree. Mapped to HTTP in one place: ``chalicelib.api.errors``.

DomainError
├── NotFound            404  the object does not exist *or is outside the caller's scope*
├── Unauthenticated     401  no valid session
├── Forbidden           403  authenticated, in scope, but the action is not allowed for the role
├── Conflict            409  state or version changed underneath (optimistic locking, lost race)
├── ValidationFailed    400/422  input that a person can fix; carries the field and a message
├── PayloadTooLarge     413
└── RateLimited         429
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the services raise on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, message_sv: str | None = None) -> None:
        super().__init__(message)
        self.message = message  # English
        self.message_sv = message_sv  # Swedish, for the errors a citizen or staff member can meet and act on
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class ValidationFailed(DomainError):
    code = "validation_failed"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class RateLimited(DomainError):
    code = "rate_limited"
