"""Domain errors: what went wrong, in words a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidValue(DomainError):
    """A value a user sent is not acceptable; `field` names it."""

    code = "invalid_value"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", {field: [reason]})
        self.field = field
        self.reason = reason


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The request cannot be carried out in the current state."""

    code = "conflict"


class InvalidTransition(Conflict):
    """A lifecycle transition that is not allowed from the current state."""

    code = "invalid_transition"

    def __init__(self, transition: str, state: str, reason: str) -> None:
        super().__init__(f"cannot {transition} a listing in state '{state}': {reason}")
        self.transition = transition
        self.state = state
        self.reason = reason


class Forbidden(DomainError):
    """The actor's role does not allow this action."""

    code = "forbidden"


class SigningUnavailable(DomainError):
    """A signing key is missing or unreadable, so nothing can be signed."""

    code = "signing_unavailable"
