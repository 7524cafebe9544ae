"""Configuration, read from `REGISTRY_*` environment variables in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse as parse_limit

from registry.clients.egress import EgressPolicy, parse_ranges
from registry.errors import InvalidValue
from registry.listings import authority
from registry.listings.list_types.loader import list_types_in
from registry.listings.restoration import parse_conditions
from registry.screening.shared_index import DriftBound

DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production below


def _entry_count(raw: str) -> int:
    """A count of entries: a whole number, 0 or more."""
    try:
        count = int(raw)
    except ValueError:
        raise ValueError("must be a whole number of entries, such as 2000") from None
    if count < 0:
        raise ValueError("must be 0 or more entries")
    return count


# name -> (default, parser, description); the README's configuration table mirrors this.
SETTINGS: dict[str, tuple[Any, Any, str]] = {
    "ENV": ("development", str, "development, testing or production"),
    "SECRET_KEY": (DEFAULT_SECRET_KEY, str, "session and CSRF secret; required in production"),
    "DATABASE_URL": (None, str, "SQLAlchemy URL; default sqlite file instance/registry.sqlite3"),
    "DATABASE_READ_URL": (
        None,
        str,
        "PostgreSQL read replica for public reads (docs/operations.md); unset: the primary",
    ),
    "DATABASE_READ_MAX_LAG": (
        10.0,
        float,
        "seconds a read replica may lag before its reads go to the primary again",
    ),
    "KEYS_DIR": (None, str, "signing keys directory; default instance/keys"),
    "KEY_PASSPHRASE": (
        None,
        str,
        "passphrase encrypting the signing keys at rest (required in production)",
    ),
    "FEED_DIR": (None, str, "disclosure feed directory; default instance/feed"),
    "SCREENING_INDEX": (
        None,
        str,
        "screening index file the publisher writes, workers map; default instance/screening.index",
    ),
    "SCREENING_INDEX_MAX_DRIFT": (
        DriftBound(),
        DriftBound.parse,
        "changed entries the screening index file may lag the list before the publisher "
        "rewrites it: a count, or a percentage of the entries (at least 500)",
    ),
    "SCREENING_INDEX_MAX_LAG": (
        2_000,
        _entry_count,
        "entries with log events since the screening index file's log size that a web worker "
        "screens from memory; beyond, name screens answer at the file's checkpoint until it is "
        "rewritten",
    ),
    "PUBLIC_URL": (
        "http://127.0.0.1:5000",
        str,
        "public base URL of the site (links and ids in the Atom feed and exports)",
    ),
    "LOG_ORIGIN": ("registry.example/patent-infringers/v1", str, "transparency log origin line"),
    "WITNESS_POLICY": (
        None,
        str,
        "c2sp.org/tlog-policy file: witnesses (with URLs) and quorum; unset: no witnessing",
    ),
    "WITNESS_TIMEOUT": (5.0, float, "seconds to wait for each witness's cosignature"),
    "PUBLISH_CRON": ("0 * * * *", str, "publication schedule (cron: min hour day month weekday)"),
    "SCHEDULER": (None, "bool", "run the publisher inside the web process (default: development)"),
    "SHARED_READ_MODEL": (
        None,
        "bool",
        "build the read model once in gunicorn's master and fork the workers from it "
        "(default: on unless the scheduler runs in the web process)",
    ),
    "TRUSTED_PROXIES": (
        0,
        int,
        "proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (hops)",
    ),
    "RATELIMIT_STORAGE": (
        "memory://",
        str,
        "Flask-Limiter storage URI, e.g. redis://127.0.0.1:6379 (production refuses memory://)",
    ),
    "WEBHOOK_ALLOW_RANGES": (
        "",
        str,
        "comma-separated address ranges webhooks may reach although private, e.g. 10.20.0.0/16",
    ),
    "WEBHOOK_DENY_RANGES": (
        "",
        str,
        "comma-separated address ranges webhooks never reach, even if public",
    ),
    "WEBHOOK_PRIVATE_TARGETS": (
        None,
        "bool",
        "let webhooks reach loopback and private addresses (default: not in production)",
    ),
    "MAX_WATCHLISTS_PER_KEY": (20, int, "the most active watchlists one API key may hold"),
    "API_KEY_FAILURES": (
        "20/minute",
        str,
        "failed API-key authentications allowed per client address before 429",
    ),
    "RECEIPT_FLUSH_MS": (
        100,
        int,
        "screening receipts and usage rows are written in batches at least this often "
        "(milliseconds; 0 writes each in its request)",
    ),
    "RECEIPT_BATCH": (
        200,
        int,
        "receipts waiting that wake the writer to write the batch at once (no request waits)",
    ),
    "API_KEY_CACHE_MS": (
        1000,
        int,
        "a verified API key is trusted this long per worker before it is read again "
        "(milliseconds; a revocation takes effect within it; 0 reads the key every request)",
    ),
    "SERVING_VERSION_MAX_AGE_MS": (
        1000,
        int,
        "PostgreSQL: a serving version kept between change notices is read again at least this "
        "often per worker (milliseconds; 0 reads it on every lookup)",
    ),
    "SESSION_IDLE_MINUTES": (30, int, "a console session ends after this long without a request"),
    "SESSION_MAX_HOURS": (12, int, "a console session ends this long after sign-in, used or not"),
    "SESSION_REDIS_URL": (
        "",
        str,
        "keep console sessions in this Redis, e.g. redis://127.0.0.1:6379/1 (default: database)",
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
    "AUTHORITIES": (
        "",
        str,
        "deciding authorities the console offers for a case, separated by | "
        "(empty: typed, with those already recorded suggested)",
    ),
    "CALENDAR_OVERRIDES": (
        None,
        str,
        "JSON file of extra holidays, make-up working days and official years (docs/procedure.md)",
    ),
    "RESTORATION_CONDITIONS": (
        "obligations_performed,credit_commitment,no_new_case",
        str,
        "conditions a credit-restoration application must meet (comma-separated; may be empty)",
    ),
    "AUTHORITY_NAME": (
        authority.DEMO_NAME,
        str,
        "name of the authority that decides listings (default: a demonstration authority)",
    ),
    "AUTHORITY_CODE": (authority.DEMO_CODE, str, "short code of the deciding authority"),
    "AUTHORITY_DOCUMENT_PATTERN": (
        authority.DEMO_DOCUMENT_PATTERN,
        str,
        "regular expression every decision document number entered on approval must match",
    ),
    "AUTHORITY_OBJECTION_CONTACT": (
        authority.DEMO_CONTACT,
        str,
        "address where objections and correction requests are lodged (shown on each entry page)",
    ),
    "LIST_TYPES_DIR": (
        None,
        str,
        "folder of list-type TOML files (docs/list-types.md); default the shipped types",
    ),
    "RECONSIDERATION_DAYS": (
        60,
        int,
        "days to apply for administrative reconsideration, in the remedy (行政复议法 art. 20)",
    ),
    "LITIGATION_MONTHS": (
        6,
        int,
        "months to bring administrative litigation, stated in the remedy (行政诉讼法 art. 46)",
    ),
    "RETENTION_DAYS": (365, int, "days after removal before entry content may be purged"),
    "NATIONAL_EXPORT_DIR": (
        None,
        str,
        "national platform export directory; default instance/national-platform",
    ),
    "NATIONAL_REPORT_WORKING_DAYS": (
        7,
        int,
        "working days to report a listing or removal to the national platform (unverified)",
    ),
    "FEED_KEEP_VERSIONS": (24, int, "feed versions whose snapshot, CSV and FTM files are kept"),
    "FEED_KEEP_DELTAS_DAYS": (30, int, "days a feed delta file is kept after its version"),
    "PUBLISH_WORKERS": (0, int, "processes writing feed chunks in a full build (0: one per core)"),
    "FEED_WHOLE_FILES": (
        True,
        "bool",
        "also publish whole snapshot, CSV and FTM files beside their chunks (this release only)",
    ),
    "FEED_S3_BUCKET": (None, str, "publish the feed to this S3 bucket too (empty: local only)"),
    "FEED_S3_PREFIX": ("", str, "key prefix of the feed in the bucket, e.g. feed/"),
    "FEED_S3_ENDPOINT": (None, str, "S3-compatible endpoint URL (empty: AWS)"),
    "FEED_S3_REGION": ("us-east-1", str, "region of the bucket"),
    "FEED_S3_ACCESS_KEY": (None, str, "access key id (empty: boto3's default credentials)"),
    "FEED_S3_SECRET_KEY": (None, str, "secret access key, set together with the access key"),
    "SCREENING_INDEX_S3_BUCKET": (
        None,
        str,
        "private S3 bucket the publisher uploads the screening index file to and web nodes "
        "pull it from (same endpoint and credentials as the feed's; never the feed's bucket)",
    ),
    "SCREENING_INDEX_S3_PREFIX": (
        "screening-index/",
        str,
        "key prefix of the screening index file in its bucket",
    ),
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


def _serving_processes(values: Mapping[str, Any]) -> tuple[bool, bool]:
    """(scheduler in the web process, read model shared from gunicorn's master), resolved.

    The master forks a worker whenever one stops, so it must run no threads of its own: with
    the publisher's scheduler in the web process the workers build their own read models.
    """
    scheduler = values["SCHEDULER"]
    if scheduler is None:
        scheduler = values["ENV"] == "development"
    shared = values["SHARED_READ_MODEL"]
    if shared is None:
        shared = not scheduler
    if shared and scheduler:
        raise ConfigError(
            "REGISTRY_SHARED_READ_MODEL cannot be true while REGISTRY_SCHEDULER runs the "
            "publisher in the web process: gunicorn's master would run the scheduler's thread "
            "and fork workers from it; set one of them to false"
        )
    return scheduler, shared


def shares_read_model(environ: Mapping[str, str]) -> bool:
    """Whether gunicorn preloads the app and builds the read model in its master
    (gunicorn.conf.py reads this before any app exists)."""
    values = {
        name: (
            SETTINGS[name][0]
            if environ.get(f"REGISTRY_{name}") in (None, "")
            else _parse(name, environ[f"REGISTRY_{name}"], SETTINGS[name][1])
        )
        for name in ("ENV", "SCHEDULER", "SHARED_READ_MODEL")
    }
    return _serving_processes(values)[1]


def _check_public_url(url: str) -> None:
    # The Atom feed, the CSV download and exports link to this address; in production it must
    # be where the public reaches the site, not the development server.
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"REGISTRY_PUBLIC_URL must be an http(s) address, not {url!r}")
    if parts.hostname in {"127.0.0.1", "localhost", "::1"}:
        raise ConfigError(
            "REGISTRY_PUBLIC_URL must be set to the site's public address in production "
            f"(it is {url!r}, the development server)"
        )


def _check_authority(values: dict[str, Any], env: str) -> None:
    try:
        configured = authority.DecisionAuthority(
            name=values["AUTHORITY_NAME"],
            code=values["AUTHORITY_CODE"],
            document_number_pattern=values["AUTHORITY_DOCUMENT_PATTERN"],
            objection_contact=values["AUTHORITY_OBJECTION_CONTACT"],
        )
    except InvalidValue as error:
        raise ConfigError(f"REGISTRY_{error.field.upper()} {error.reason}") from None
    if env == "production" and configured.is_demo:
        raise ConfigError(
            "REGISTRY_AUTHORITY_NAME and REGISTRY_AUTHORITY_CODE must name the real deciding "
            "authority in production (the defaults are a demonstration authority)"
        )


def _check_production_secrets(values: Mapping[str, Any]) -> None:
    """Production keeps signing keys encrypted and shares rate limits between workers."""
    if not values["KEY_PASSPHRASE"]:
        raise ConfigError(
            "REGISTRY_KEY_PASSPHRASE must be set in production: the signing keys are kept "
            "encrypted with it (an unencrypted key file is refused)"
        )
    if str(values["RATELIMIT_STORAGE"]).startswith("memory://"):
        raise ConfigError(
            "REGISTRY_RATELIMIT_STORAGE must be a shared store in production (e.g. "
            "redis://127.0.0.1:6379): in-memory limits are per worker process"
        )


def _psycopg(url: str) -> str:
    """A PostgreSQL URL with the driver the registry uses (psycopg 3)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _read_url(values: Mapping[str, Any], database_url: str) -> str | None:
    """The read replica's URL, checked: PostgreSQL, beside a PostgreSQL primary."""
    if values["DATABASE_READ_MAX_LAG"] <= 0:
        raise ConfigError("REGISTRY_DATABASE_READ_MAX_LAG must be more than 0 seconds")
    raw = values["DATABASE_READ_URL"]
    if not raw:
        return None
    read_url = _psycopg(raw)
    if not read_url.startswith("postgresql+psycopg://"):
        raise ConfigError(
            f"REGISTRY_DATABASE_READ_URL must be a postgresql:// URL, not {urlsplit(raw).scheme!r}"
        )
    if not database_url.startswith("postgresql+psycopg://"):
        raise ConfigError(
            "REGISTRY_DATABASE_READ_URL needs REGISTRY_DATABASE_URL to be PostgreSQL too "
            "(a replica replicates a PostgreSQL primary)"
        )
    return read_url


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

    if env == "production":
        _check_public_url(values["PUBLIC_URL"])
        _check_production_secrets(values)
    _check_authority(values, env)
    try:
        parse_conditions(values["RESTORATION_CONDITIONS"])
    except InvalidValue as error:
        raise ConfigError(f"REGISTRY_RESTORATION_CONDITIONS: {error.reason}") from None
    if values["SESSION_IDLE_MINUTES"] < 1 or values["SESSION_MAX_HOURS"] < 1:
        raise ConfigError("REGISTRY_SESSION_IDLE_MINUTES and REGISTRY_SESSION_MAX_HOURS must be 1+")
    if values["SESSION_REDIS_URL"] and not str(values["SESSION_REDIS_URL"]).startswith(
        ("redis://", "rediss://", "unix://")
    ):
        raise ConfigError("REGISTRY_SESSION_REDIS_URL must be a redis://, rediss:// or unix:// URL")
    if not 0 <= values["RECEIPT_FLUSH_MS"] <= 10_000:
        raise ConfigError("REGISTRY_RECEIPT_FLUSH_MS must be from 0 to 10000 milliseconds")
    if values["RECEIPT_BATCH"] < 1:
        raise ConfigError("REGISTRY_RECEIPT_BATCH must be at least 1 receipt")
    if not 0 <= values["API_KEY_CACHE_MS"] <= 60_000:
        raise ConfigError("REGISTRY_API_KEY_CACHE_MS must be from 0 to 60000 milliseconds")
    if not 0 <= values["SERVING_VERSION_MAX_AGE_MS"] <= 60_000:
        raise ConfigError(
            "REGISTRY_SERVING_VERSION_MAX_AGE_MS must be from 0 to 60000 milliseconds"
        )
    if values["MAX_WATCHLISTS_PER_KEY"] < 1:
        raise ConfigError("REGISTRY_MAX_WATCHLISTS_PER_KEY must be at least 1")
    try:
        parse_limit(values["API_KEY_FAILURES"])
    except ValueError:
        raise ConfigError(
            "REGISTRY_API_KEY_FAILURES must be a rate like 20/minute, "
            f"not {values['API_KEY_FAILURES']!r}"
        ) from None
    if not 0 <= values["TRUSTED_PROXIES"] <= 10:
        raise ConfigError("REGISTRY_TRUSTED_PROXIES must be a hop count from 0 to 10")
    if values["FEED_KEEP_VERSIONS"] < 1:
        raise ConfigError("REGISTRY_FEED_KEEP_VERSIONS must be at least 1 (the current version)")
    if values["NATIONAL_REPORT_WORKING_DAYS"] < 1:
        raise ConfigError("REGISTRY_NATIONAL_REPORT_WORKING_DAYS must be at least 1 working day")
    if values["PUBLISH_WORKERS"] < 0:
        raise ConfigError("REGISTRY_PUBLISH_WORKERS must be 0 (one per core) or more processes")
    if values["FEED_KEEP_DELTAS_DAYS"] < 0:
        raise ConfigError("REGISTRY_FEED_KEEP_DELTAS_DAYS must be 0 or more days")
    try:
        list_types_in(values["LIST_TYPES_DIR"])  # read and checked once, at start
    except InvalidValue as error:
        raise ConfigError(f"REGISTRY_LIST_TYPES_DIR: {error}") from None

    try:
        allow_ranges = parse_ranges(values["WEBHOOK_ALLOW_RANGES"], "REGISTRY_WEBHOOK_ALLOW_RANGES")
        deny_ranges = parse_ranges(values["WEBHOOK_DENY_RANGES"], "REGISTRY_WEBHOOK_DENY_RANGES")
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if values["WEBHOOK_PRIVATE_TARGETS"] is None:
        values["WEBHOOK_PRIVATE_TARGETS"] = env != "production"

    instance = Path(instance_path)
    database_url = values["DATABASE_URL"] or f"sqlite:///{instance / 'registry.sqlite3'}"
    database_url = _psycopg(database_url)
    read_url = _read_url(values, database_url)
    values["SCHEDULER"], values["SHARED_READ_MODEL"] = _serving_processes(values)

    return {
        "REGISTRY": values,
        "REGISTRY_ENV": env,
        "SECRET_KEY": values["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_READ_DATABASE_URI": read_url,
        "KEYS_DIR": values["KEYS_DIR"] or str(instance / "keys"),
        "FEED_DIR": values["FEED_DIR"] or str(instance / "feed"),
        "NATIONAL_EXPORT_DIR": values["NATIONAL_EXPORT_DIR"] or str(instance / "national-platform"),
        "SCREENING_INDEX": values["SCREENING_INDEX"] or str(instance / "screening.index"),
        "SCREENING_INDEX_MAX_LAG": values["SCREENING_INDEX_MAX_LAG"],
        "RATELIMIT_STORAGE_URI": values["RATELIMIT_STORAGE"],
        "RECEIPT_FLUSH_MS": values["RECEIPT_FLUSH_MS"],
        "RECEIPT_BATCH": values["RECEIPT_BATCH"],
        "API_KEY_CACHE_MS": values["API_KEY_CACHE_MS"],
        "SERVING_VERSION_MAX_AGE_MS": values["SERVING_VERSION_MAX_AGE_MS"],
        "SESSION_REDIS_URL": values["SESSION_REDIS_URL"],
        "SESSION_REDIS_PREFIX": "registry:session:",
        "WEBHOOK_ALLOW_RANGES": allow_ranges,
        "WEBHOOK_DENY_RANGES": deny_ranges,
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": values["WEBHOOK_PRIVATE_TARGETS"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
    }


def webhook_egress(config: Mapping[str, Any]) -> EgressPolicy:
    """The egress policy for webhook targets, from the app's configuration."""
    return EgressPolicy(
        allow=tuple(config.get("WEBHOOK_ALLOW_RANGES", ())),
        deny=tuple(config.get("WEBHOOK_DENY_RANGES", ())),
        allow_internal=bool(
            config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", config.get("REGISTRY_ENV") != "production")
        ),
    )
