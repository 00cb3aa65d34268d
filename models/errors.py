"""The domain errors of CIP, each with the ``extensions.code`` it answers with.

Every error a caller can see is one of these, mapped once (``schema/errors.py``)::

    CipError                      (code)
    ├── Unauthenticated           UNAUTHENTICATED   no token, or a token that fails verification
    ├── Forbidden                 FORBIDDEN         signed in, but the role may not do this
    ├── NotFound                  NOT_FOUND         absent, or present but not the caller's to see
    ├── BadUserInput              BAD_USER_INPUT    malformed or out-of-range input; nothing written
    ├── CircleFull                CIRCLE_FULL       a join past the circle's size limit
    ├── InvalidTransition         INVALID_TRANSITION a state change the object's state forbids
    ├── InviteInvalid             INVITE_INVALID    used, expired or unknown code (all alike)
    ├── LocalCommonsUnavailable   LOCAL_COMMONS_UNAVAILABLE
    └── RateLimited               RATE_LIMITED

Anything else that escapes a resolver is masked as INTERNAL_SERVER_ERROR with no detail.
"""

from __future__ import annotations


class CipError(Exception):
    """Base of every error a caller may see. ``message`` is safe to show."""

    code = "INTERNAL_SERVER_ERROR"
    default_message = "Internal server error."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class Unauthenticated(CipError):
    code = "UNAUTHENTICATED"
    default_message = "Sign in to use this field."


class Forbidden(CipError):
    code = "FORBIDDEN"
    default_message = "Your role does not allow this."


class NotFound(CipError):
    code = "NOT_FOUND"
    default_message = "Not found."


class BadUserInput(CipError):
    code = "BAD_USER_INPUT"
    default_message = "Invalid input."


class CircleFull(CipError):
    code = "CIRCLE_FULL"
    default_message = "This circle has no free place."


class InvalidTransition(CipError):
    code = "INVALID_TRANSITION"
    default_message = "That change is not possible in the current state."


class InviteInvalid(CipError):
    code = "INVITE_INVALID"
    default_message = "This code is not valid."


class LocalCommonsUnavailable(CipError):
    code = "LOCAL_COMMONS_UNAVAILABLE"
    default_message = "Local Commons could not be reached; nothing was sent."


class RateLimited(CipError):
    code = "RATE_LIMITED"
    default_message = "Too many attempts; try again later."


ERROR_CODES: tuple[str, ...] = (
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CIRCLE_FULL",
    "INVALID_TRANSITION",
    "INVITE_INVALID",
    "LOCAL_COMMONS_UNAVAILABLE",
    "RATE_LIMITED",
    "INTERNAL_SERVER_ERROR",
)
