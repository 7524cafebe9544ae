"""Publication runs started from the console, with the steps they reported so far."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.clock import utcnow
from registry.models.base import Base, UTCDateTime

PUBLISH_RUN_STATES = ("running", "done", "skipped", "failed")
# The value of `slot` while a run goes; unique, so two workers cannot both start one.
RUNNING_SLOT = "running"


class PublishRun(Base):
    """One "publish now" run: who started it, each step as reported, and how it ended.

    Any web worker reads it, so a console page polling for progress may reach any of them.
    """

    __tablename__ = "publish_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last sign of life: a step reported, or the end.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default="running")
    slot: Mapped[str | None] = mapped_column(String(10), unique=True)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The run's report: feed version, log size, listings published and expired.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
