"""flask-smorest's Blueprint with typed decorators.

flask-smorest ships no annotations, so under `mypy --strict` each of its decorators would make
the view it wraps untyped. This subclass only declares what the decorators return: the view,
unchanged in type. Behaviour is flask-smorest's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import flask_smorest

View = TypeVar("View", bound=Callable[..., Any])


class ViewDecorator(Protocol):
    """A decorator that returns the view it is given, typed as it was."""

    def __call__(self, view: View, /) -> View: ...


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """A flask-smorest Blueprint whose decorators keep the view's type."""

    def arguments(self, schema: Any, **options: Any) -> ViewDecorator:
        """Parse the request into `schema` and pass the result to the view."""
        decorator: ViewDecorator = super().arguments(schema, **options)
        return decorator

    def response(self, status_code: int, schema: Any = None, **options: Any) -> ViewDecorator:
        """Serialise the view's return value with `schema` under `status_code`."""
        decorator: ViewDecorator = super().response(status_code, schema, **options)
        return decorator

    def alt_response(self, status_code: int, *args: Any, **options: Any) -> ViewDecorator:
        """Document another response the view may give."""
        decorator: ViewDecorator = super().alt_response(status_code, *args, **options)
        return decorator

    def doc(self, **options: Any) -> ViewDecorator:
        """Add to the view's OpenAPI operation."""
        decorator: ViewDecorator = super().doc(**options)
        return decorator
