"""The publisher's scheduled jobs (APScheduler): in the web process or on its own.

Missed runs after downtime coalesce into one catch-up run; a failed run is retried with
exponential backoff, and `/readyz` reports the feed stale once `index.json` has expired.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from publisher import webhooks
from publisher.leader import leadership
from publisher.object_store import ObjectStoreError, ObjectStoreSettings
from publisher.run import RunReport, publish_once
from publisher.settings import PublishSettings, cron_interval
from publisher.witnessing import witnessing_readiness
from registry.listings.policy import Policy
from registry.models import utcnow
from registry.publication.status import removals_not_in_feed
from runtime import publish_now
from runtime.extensions import db
from runtime.feed_store import serving_bucket
from runtime.health import register_check
from runtime.signing_keys import key_store

log = logging.getLogger("publisher")
MAX_BACKOFF = dt.timedelta(minutes=30)
# How often the publisher looks for confirmed removals the feed does not show yet.
REMOVAL_CHECK_SECONDS = 15


def publish_interval(app: Flask) -> dt.timedelta:
    """The time between two scheduled runs (from the cron expression)."""
    return cron_interval(app.config["REGISTRY"]["PUBLISH_CRON"])


def retry_delay(failures: int) -> dt.timedelta:
    """Backoff after `failures` failed runs in a row: 30 s, 1 min, 2 min, ... up to 30 min."""
    return min(dt.timedelta(seconds=30 * 2 ** max(failures - 1, 0)), MAX_BACKOFF)


def run_publication(app: Flask, progress: Any = None) -> RunReport | None:
    """One run under the leader lock; None when another publisher holds it."""
    status = app.extensions.setdefault("publisher_status", {"failures": 0})
    with app.app_context(), leadership(db.engine, app.instance_path) as leader:
        if not leader:
            log.info("another publisher is running; skipping this run")
            return None
        try:
            report = publish_once(
                db.session(),
                key_store(app),
                Policy.from_settings(app.config["REGISTRY"]),
                PublishSettings.from_config(app.config),
                progress=progress or (lambda message: log.info("%s", message)),
            )
            webhooks.after_publication(db.session(), report.tree_size)
        except Exception as error:
            db.session.rollback()
            status["failures"] += 1
            status["last_error"] = f"{type(error).__name__}: {error}"
            log.exception("publication run failed (%d in a row)", status["failures"])
            raise
        finally:
            db.session.remove()
    status.update(
        failures=0,
        last_error=None,
        next_retry=None,
        last_success=utcnow().isoformat(),
        last_version=report.version,
    )
    log.info("%s", report)
    return report


def _scheduled_run(app: Flask, scheduler: BaseScheduler) -> None:
    try:
        run_publication(app)
    except Exception:
        # Logged and counted by run_publication; here only the retry is scheduled.
        status = app.extensions["publisher_status"]
        retry_at = utcnow() + retry_delay(status["failures"])
        status["next_retry"] = retry_at.isoformat()
        scheduler.add_job(
            _scheduled_run,
            "date",
            run_date=retry_at,
            args=[app, scheduler],
            id="publish-retry",
            replace_existing=True,
            misfire_grace_time=None,  # a retry is still wanted however late it runs
        )


def _run_now(app: Flask, scheduler: BaseScheduler, reason: str) -> None:
    log.info("publication requested now: %s", reason)
    scheduler.add_job(
        _scheduled_run,
        "date",
        run_date=utcnow(),
        args=[app, scheduler],
        id="publish-now",
        replace_existing=True,
        misfire_grace_time=None,
    )


def _removal_check(app: Flask, scheduler: BaseScheduler) -> None:
    if app.extensions.get("publisher_status", {}).get("failures"):
        return  # the last run failed: its retry, with backoff, is already scheduled
    if removals_waiting_check(app):
        _run_now(app, scheduler, "a confirmed removal is not in the feed yet")


def removals_waiting_check(app: Flask) -> bool:
    """True when a confirmed removal is missing from the written feed."""
    with app.app_context():
        try:
            return removals_not_in_feed(db.session()) > 0
        finally:
            db.session.remove()


def schedule(app: Flask, scheduler: BaseScheduler) -> None:
    """Add the publish job: cron schedule, coalesced catch-up, one at a time, one run now.

    Removals do not wait for the schedule: a request from the admin views (same process) or
    the removal check every few seconds (any process) starts a run at once.
    """
    trigger = CronTrigger.from_crontab(app.config["REGISTRY"]["PUBLISH_CRON"], timezone=dt.UTC)
    scheduler.add_job(
        _scheduled_run,
        trigger,
        args=[app, scheduler],
        id="publish",
        coalesce=True,  # after downtime: one catch-up run, not one per missed slot
        max_instances=1,
        misfire_grace_time=int(publish_interval(app).total_seconds()),
        next_run_time=utcnow() + dt.timedelta(seconds=1),
        replace_existing=True,
    )
    scheduler.add_job(
        _removal_check,
        "interval",
        seconds=REMOVAL_CHECK_SECONDS,
        args=[app, scheduler],
        id="publish-removals",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    publish_now.on_request(app, partial(_run_now, app, scheduler))
    webhooks.schedule(app, scheduler)


def feed_freshness(app: Flask) -> tuple[bool, str]:
    """Whether the served `index.json` exists and has not expired; failed runs are named.

    With object storage configured, the index checked is the bucket's: what consumers see.
    """
    store = ObjectStoreSettings.from_settings(app.config["REGISTRY"])
    if store is None:
        ok, detail = _index_freshness(partial(_local_index, Path(app.config["FEED_DIR"])))
    else:
        # The web nodes' client (short timeouts), reused: a load balancer polls /readyz often.
        bucket = serving_bucket(app.extensions, app.config["REGISTRY"])
        assert bucket is not None
        ok, detail = _index_freshness(partial(bucket.get, "index.json"))
    status = app.extensions.get("publisher_status", {})
    if status.get("failures"):
        detail += f"; last {status['failures']} run(s) failed ({status.get('last_error')})"
        if status.get("next_retry"):
            detail += f", retrying at {status['next_retry']}"
    return ok, detail


def _local_index(feed_dir: Path) -> bytes | None:
    try:
        return (feed_dir / "index.json").read_bytes()
    except FileNotFoundError:
        return None


def _index_freshness(read_index: Callable[[], bytes | None]) -> tuple[bool, str]:
    try:
        index = read_index()
        if index is None:
            return False, "no feed published yet"
        signed = json.loads(index)["signed"]
        expires = dt.datetime.strptime(signed["expires"], "%Y-%m-%dT%H:%M:%SZ")
    except ObjectStoreError as error:
        return False, str(error)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return False, f"index.json unreadable: {error}"
    if expires.replace(tzinfo=dt.UTC) <= utcnow():
        return False, f"feed version {signed['version']} expired at {signed['expires']}"
    return True, f"feed version {signed['version']} valid until {signed['expires']}"


def init_app(app: Flask) -> None:
    """Register the freshness check and the run on request; start the scheduler when configured."""
    publish_now.offer(app, partial(run_publication, app))
    register_check(app, "feed", lambda: feed_freshness(app))
    register_check(
        app,
        "witnesses",
        lambda: witnessing_readiness(
            Path(app.config["FEED_DIR"]), app.config["REGISTRY"]["WITNESS_POLICY"]
        ),
    )
    if app.config["REGISTRY"]["SCHEDULER"] and not app.testing and not app.config.get("CLI"):
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone=dt.UTC)
        schedule(app, scheduler)
        scheduler.start()
        app.extensions["publisher_scheduler"] = scheduler
