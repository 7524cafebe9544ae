"""Bearer API keys at the HTTP edge: authentication, scopes and the per-key rate limit.

`api_key_required("screen")` wraps a view: a missing, malformed, unknown or revoked key gives
401 (with `WWW-Authenticate: Bearer`), a key without the scope 403, and a key over its own rate
limit (shared by every endpoint it calls) 429. Failed authentications are also counted per client
address (REGISTRY_API_KEY_FAILURES, default 20 a minute); past that, the address gets 429 until
the window passes. The authenticated key is `g.api_key`.

A verified key is trusted for REGISTRY_API_KEY_CACHE_MS (default one second) per worker before
it is read again: a revocation made in another process takes effect within that time, one made
in this process at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from limits import parse as parse_limit

from api.errors import error_response
from api.openapi_document import SCOPE_ATTRIBUTE
from registry.clients.api_keys import (
    DEFAULT_RATE_LIMIT,
    SCOPES,
    KeyCache,
    KeyIdentity,
    KeyRejected,
)
from runtime.extensions import limiter, session

F = TypeVar("F", bound=Callable[..., Any])

BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
# Public, unauthenticated reads: per client address.
PUBLIC_RATE_LIMIT = "300/minute"
KEY_CACHE = "registry.api_key_cache"


def current_key() -> KeyIdentity:
    """The key that authenticated this request (only inside an api_key_required view)."""
    key: KeyIdentity = g.api_key
    return key


def _key_cache() -> KeyCache:
    """This app's verified keys (REGISTRY_API_KEY_CACHE_MS), created on first use."""
    cache = current_app.extensions.get(KEY_CACHE)
    if cache is None:
        cache = KeyCache(current_app.config["API_KEY_CACHE_MS"] / 1000)
        current_app.extensions[KEY_CACHE] = cache
    assert isinstance(cache, KeyCache)
    return cache


def _key_identity() -> str:
    key = g.get("api_key")
    # The key's random public prefix, not its row id: registries sharing one Redis (staging
    # and production, say) would otherwise share the counter of every key with the same id.
    return f"api-key:{key.prefix}" if key is not None else f"address:{get_remote_address()}"


def _key_limit() -> str:
    key = g.get("api_key")
    return key.rate_limit if key is not None else DEFAULT_RATE_LIMIT


def _limit_message() -> str:
    return (
        f"rate limit of {_key_limit()} exceeded for this API key; retry after the Retry-After delay"
    )


# One counter per key across every bearer endpoint: the limit is the key's, not the route's.
_per_key_limit = limiter.shared_limit(
    _key_limit, scope="api-key", key_func=_key_identity, error_message=_limit_message
)


def _failure_limit() -> RateLimitItem:
    return parse_limit(current_app.config["REGISTRY"]["API_KEY_FAILURES"])


def _limiting() -> bool:
    # With rate limiting switched off (RATELIMIT_ENABLED=false) there is no counter to ask.
    return bool(limiter.enabled and limiter.initialized)


def _failures_allowed() -> bool:
    # Guessing keys from one address stops at the limit; a key that works is never slowed.
    if not _limiting():
        return True
    return bool(limiter.limiter.test(_failure_limit(), "api-key-failures", get_remote_address()))


def _count_failure() -> None:
    if _limiting():
        limiter.limiter.hit(_failure_limit(), "api-key-failures", get_remote_address())


def _unauthorized(message: str, domain: KeyRejected | None = None) -> tuple[Response, int]:
    response, status = error_response(401, "unauthorized", message, domain=domain)
    response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response, status


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_key_required(scope: str | None = None) -> Callable[[F], F]:
    """Require a bearer key (holding `scope`, when given); rate-limit by that key."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")

    def decorate(view: F) -> F:
        limited = _per_key_limit(view)

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            g.pop("api_key", None)  # `g` can outlive a request when one app context serves many
            if not _failures_allowed():
                return error_response(
                    429,
                    "too_many_requests",
                    "too many failed API-key authentications from this address; wait a minute",
                )
            token = _presented_key()
            if token is None:
                _count_failure()
                return _unauthorized(
                    "send an API key as 'Authorization: Bearer ipl_<prefix>_<secret>'"
                )
            try:
                g.api_key = _key_cache().authenticate(session, token)
            except KeyRejected as error:
                _count_failure()
                return _unauthorized(error.message, error)
            if scope is not None and scope not in g.api_key.scopes:
                return error_response(
                    403,
                    "forbidden",
                    f"this API key lacks the {scope!r} scope; it has "
                    f"{', '.join(g.api_key.scopes)}. Ask the registry for a key with {scope!r}.",
                )
            return limited(*args, **kwargs)

        # The OpenAPI document reads this to say which scope each endpoint needs.
        setattr(wrapped, SCOPE_ATTRIBUTE, scope)
        return wrapped  # type: ignore[return-value]

    return decorate


def public_rate_limit(view: F) -> F:
    """Limit an unauthenticated endpoint per client address."""
    return limiter.limit(PUBLIC_RATE_LIMIT, key_func=get_remote_address)(view)  # type: ignore[return-value]
