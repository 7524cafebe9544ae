"""Listings, the cases they cite and the requests lodged against them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from registry.models.subjects import EnforcementCase, Subject

LISTING_STATES = (
    "draft",
    "notified",
    "under_review",
    "approved",
    "rejected",
    "withdrawn",
    "published",
    "expired",
    "removed",
)


class ListingCase(Base):
    """A case cited as basis of a listing."""

    __tablename__ = "listing_cases"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own too (migration 0012_idx): a case's listings, when it is corrected or
    # revoked.
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_cases.id"), primary_key=True, index=True
    )


class Listing(Base):
    """A proposal to list a subject, followed through the due-process lifecycle."""

    __tablename__ = "listings"
    # Every publication run asks which published listings ended and which ended ones are past
    # their retention period: by state and date, so the answer reads only those listings.
    # A reviewer's queue reads the few flagged listings alone (migration 0012_idx).
    __table_args__ = (
        Index("ix_listings_state_period_end", "state", "period_end"),
        Index("ix_listings_state_ended_on", "state", "ended_on"),
        Index(
            "ix_listings_review_flag",
            "id",
            sqlite_where=text("review_flag IS NOT NULL"),
            postgresql_where=text("review_flag IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    grounds: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    remedy: Mapped[str] = mapped_column(Text, default="")
    # English alongside the Chinese measures and remedy (ipl.entry/v2); as written when the
    # authority wrote its own text.
    measures_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    remedy_en: Mapped[str] = mapped_column(Text, default="")
    decision_authority: Mapped[str] = mapped_column(String(200), default="")
    decision_document_number: Mapped[str | None] = mapped_column(String(100))
    decision_decided_on: Mapped[dt.date | None] = mapped_column(Date)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    notice_served_on: Mapped[dt.date | None] = mapped_column(Date)
    defence_deadline: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    listed_on: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    review_flag: Mapped[str | None] = mapped_column(Text)
    # The same note in Chinese for the console; None on listings flagged before it was written.
    review_flag_zh: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012

    subject: Mapped[Subject] = relationship()
    cases: Mapped[list[EnforcementCase]] = relationship(
        secondary="listing_cases", order_by="EnforcementCase.decided_on"
    )
    requests: Mapped[list[ListingRequest]] = relationship(
        back_populates="listing", order_by="ListingRequest.id"
    )


class ListingRequest(Base):
    """An objection, defence statement, correction or credit-restoration request."""

    __tablename__ = "listing_requests"
    # Only the removals awaiting a decision: every lookup reads them (registry/screening/serving);
    # and only the requests awaiting one, by due date: a reviewer's queue (migration 0012_idx).
    __table_args__ = (
        Index(
            "ix_listing_requests_pending_removal",
            "id",
            sqlite_where=text("kind = 'removal' AND decision IS NULL"),
            postgresql_where=text("kind = 'removal' AND decision IS NULL"),
        ),
        Index(
            "ix_listing_requests_undecided",
            "decision_due",
            "id",
            sqlite_where=text("decision IS NULL"),
            postgresql_where=text("decision IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    lodged_on: Mapped[dt.date] = mapped_column(Date)
    decision_due: Mapped[dt.date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # An accepted correction: the entry revision that published it (None until published).
    published_revision: Mapped[int | None] = mapped_column(Integer)
    # A restoration application: the evidence of performance and the credit commitment.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    listing: Mapped[Listing] = relationship(back_populates="requests")
