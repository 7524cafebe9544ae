"""Domain errors: what went wrong, in words a user can act on.

A reason is written as a %-style template with named parameters, e.g.
``InvalidValue("decided_on", "%(day)s is after today", day=day)``. The English text is
filled in at once (`str(error)`, `message`, `reason`), and the template and its parameters
stay on the error (`template`, `params`) so that the web layer can say the same thing in
the reader's language. Templates are literal strings, so that message extraction finds them
(see docs/errors.md); a template without parameters is used as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


def translatable(text: str) -> str:
    """Mark a literal template that is not a constructor's argument, for message extraction."""
    return text


def fill(template: str, params: Mapping[str, object]) -> str:
    """The template with its named parameters put in; without parameters, the text as is."""
    return template % params if params else template


class DomainError(Exception):
    """Base class for every error the domain raises on purpose."""

    code = "domain_error"
    # How the whole message wraps the reason (`%(reason)s`) and the `frame_params`.
    frame: ClassVar[str] = translatable("%(reason)s")

    def __init__(
        self, message: str, errors: dict[str, list[str]] | None = None, /, **params: object
    ) -> None:
        self.template = message
        self.params: dict[str, object] = dict(params)
        self.frame_params: dict[str, object] = {}
        text = fill(message, params)
        super().__init__(text)
        self.message = text
        self.errors = errors or {}

    def _framed(self, reason: str, **frame_params: object) -> None:
        # A subclass's message: its frame around the filled-in reason (a subclass that frames
        # again, with parameters of its own, replaces what its parent's constructor set).
        self.frame_params = dict(frame_params)
        self.message = self.frame % {**frame_params, "reason": reason}
        self.args = (self.message,)


class InvalidValue(DomainError):
    """A value a user sent is not acceptable; `field` names it."""

    code = "invalid_value"
    frame = translatable("%(field)s: %(reason)s")

    def __init__(self, field: str, reason: str, /, **params: object) -> None:
        text = fill(reason, params)
        super().__init__(reason, {field: [text]}, **params)
        self.frame_params = {"field": field}
        self.message = InvalidValue.frame % {"field": field, "reason": text}
        self.args = (self.message,)
        self.field = field
        self.reason = text

    def at(self, field: str) -> InvalidValue:
        """The same reason, said of another field (e.g. a nested value's full path)."""
        return InvalidValue(field, self.template, **self.params)


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The request cannot be carried out in the current state."""

    code = "conflict"


class InvalidTransition(Conflict):
    """A lifecycle transition that is not allowed from the current state."""

    code = "invalid_transition"
    frame = translatable("cannot %(transition)s a listing in state '%(state)s': %(reason)s")

    def __init__(self, transition: str, state: str, reason: str, /, **params: object) -> None:
        super().__init__(reason, None, **params)
        self.transition = transition
        self.state = state
        self.reason = fill(reason, params)
        self._framed(self.reason, transition=transition, state=state)


class Forbidden(DomainError):
    """The actor's role does not allow this action."""

    code = "forbidden"


class ScreeningIndexPending(DomainError):
    """Names cannot be screened yet: the list's screening index is still being written."""

    code = "screening_index_pending"


class SigningUnavailable(DomainError):
    """A signing key is missing or unreadable, so nothing can be signed."""

    code = "signing_unavailable"
