"""Decisions to report to the national credit information platform, and when they were."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, UTCDateTime

NATIONAL_EVENTS = ("listed", "removed")


class NationalReport(Base):
    """One listing or removal decision: exported in which file, reported to the platform when."""

    __tablename__ = "national_reports"
    __table_args__ = (UniqueConstraint("entry_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(20), index=True)
    event: Mapped[str] = mapped_column(String(10))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    exported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    export_file: Mapped[str | None] = mapped_column(String(100))
    # The log size of the checkpoint the export was made at: the next starts from there.
    export_tree_size: Mapped[int | None] = mapped_column(Integer)
    reported_on: Mapped[dt.date | None] = mapped_column(Date)
    reported_by: Mapped[str | None] = mapped_column(String(100))
