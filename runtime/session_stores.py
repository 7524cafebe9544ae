"""Where the app keeps console sessions: the database, or Redis when a URL is configured."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import redis
from flask import Flask

from registry.accounts.session_redis import RedisStore
from registry.accounts.session_store import SessionLimits, use_store
from runtime.extensions import db


def session_limits(config: Mapping[str, Any]) -> SessionLimits:
    """The idle and absolute session timeouts of an app's configuration."""
    settings = config["REGISTRY"]
    return SessionLimits(
        idle=dt.timedelta(minutes=settings["SESSION_IDLE_MINUTES"]),
        absolute=dt.timedelta(hours=settings["SESSION_MAX_HOURS"]),
    )


def init_app(app: Flask) -> None:
    """Keep the app's sessions in Redis when `SESSION_REDIS_URL` is set (else in the database)."""
    url = app.config.get("SESSION_REDIS_URL")
    if not url:
        return
    client = redis.Redis.from_url(url, decode_responses=True)
    store = RedisStore(client, app.config["SESSION_REDIS_PREFIX"], session_limits(app.config))
    with app.app_context():
        use_store(db.engine, store)
