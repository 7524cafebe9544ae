"""Configuration, read from `REGISTRY_*` environment variables in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production below

# name -> (default, parser, description); the README's configuration table mirrors this.
SETTINGS: dict[str, tuple[Any, Any, str]] = {
    "ENV": ("development", str, "development, testing or production"),
    "SECRET_KEY": (DEFAULT_SECRET_KEY, str, "session and CSRF secret; required in production"),
    "DATABASE_URL": (None, str, "SQLAlchemy URL; default sqlite file instance/registry.sqlite3"),
    "KEYS_DIR": (None, str, "signing keys directory; default instance/keys"),
    "KEY_PASSPHRASE": (None, str, "passphrase encrypting the signing keys at rest"),
    "FEED_DIR": (None, str, "disclosure feed directory; default instance/feed"),
    "PUBLIC_URL": (
        "http://127.0.0.1:5000",
        str,
        "public base URL of the site (links and ids in the Atom feed and exports)",
    ),
    "LOG_ORIGIN": ("registry.example/patent-infringers/v1", str, "transparency log origin line"),
    "PUBLISH_CRON": ("0 * * * *", str, "publication schedule (cron: min hour day month weekday)"),
    "SCHEDULER": (None, "bool", "run the publisher inside the web process (default: development)"),
    "RATELIMIT_STORAGE": (
        "memory://",
        str,
        "Flask-Limiter storage URI, e.g. redis://127.0.0.1:6379",
    ),
    "LOOKBACK_YEARS": (5, int, "repeat-infringement look-back window in years"),
    "DEFENCE_WORKING_DAYS": (10, int, "defence period after notice, in working days"),
    "LISTING_YEARS": (3, int, "listing period from publication, in years"),
    "RESTORATION_MIN_YEARS": (1, int, "earliest credit-restoration application, in years"),
    "OBJECTION_DECISION_DAYS": (15, int, "days to decide an objection or correction request"),
    "CORRECTION_PUBLISH_WORKING_DAYS": (3, int, "working days to publish a decided correction"),
    "PUBLISH_WITHIN_WORKING_DAYS": (5, int, "latest publication of an approved listing"),
    "BACKDATING_WINDOW_DAYS": (
        10,
        int,
        "days a notice, request or revocation may be recorded after it occurred",
    ),
    "REVOCATION_REMOVAL_WORKING_DAYS": (
        3,
        int,
        "working days to remove a published listing whose basis case was revoked",
    ),
    "CALENDAR_OVERRIDES": (
        None,
        str,
        "JSON file of extra holidays, make-up working days and official years (docs/procedure.md)",
    ),
    "RETENTION_DAYS": (365, int, "days after removal before entry content may be purged"),
    "FEED_KEEP_VERSIONS": (24, int, "feed versions whose snapshot, CSV and FTM files are kept"),
    "FEED_KEEP_DELTAS_DAYS": (30, int, "days a feed delta file is kept after its version"),
}


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says which variable and why."""


def _parse(name: str, raw: str, parser: Any) -> Any:
    if parser == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"REGISTRY_{name} must be true or false, not {raw!r}")
    try:
        return parser(raw)
    except ValueError as error:
        raise ConfigError(f"REGISTRY_{name} has an invalid value {raw!r}: {error}") from error


def load_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (default, parser, _description) in SETTINGS.items():
        raw = environ.get(f"REGISTRY_{name}")
        values[name] = default if raw in (None, "") else _parse(name, raw, parser)

    env = values["ENV"]
    if env not in {"development", "testing", "production"}:
        raise ConfigError(f"REGISTRY_ENV must be development, testing or production, not {env!r}")
    if env == "production" and values["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise ConfigError("REGISTRY_SECRET_KEY must be set to a random secret in production")
    if env == "production" and len(values["SECRET_KEY"]) < 32:
        raise ConfigError("REGISTRY_SECRET_KEY must be at least 32 characters in production")

    if values["FEED_KEEP_VERSIONS"] < 1:
        raise ConfigError("REGISTRY_FEED_KEEP_VERSIONS must be at least 1 (the current version)")
    if values["FEED_KEEP_DELTAS_DAYS"] < 0:
        raise ConfigError("REGISTRY_FEED_KEEP_DELTAS_DAYS must be 0 or more days")

    instance = Path(instance_path)
    database_url = values["DATABASE_URL"] or f"sqlite:///{instance / 'registry.sqlite3'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    if values["SCHEDULER"] is None:
        values["SCHEDULER"] = env == "development"

    return {
        "REGISTRY": values,
        "REGISTRY_ENV": env,
        "SECRET_KEY": values["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "KEYS_DIR": values["KEYS_DIR"] or str(instance / "keys"),
        "FEED_DIR": values["FEED_DIR"] or str(instance / "feed"),
        "RATELIMIT_STORAGE_URI": values["RATELIMIT_STORAGE"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
    }
