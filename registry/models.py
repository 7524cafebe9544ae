"""The registry's database model (SQLAlchemy 2, typed).

The schema is created by the Alembic migrations in `migrations/`; tests may call
`Base.metadata.create_all` on a throwaway database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

SUBJECT_KINDS = ("legal_person", "natural_person", "other_org")
CASE_KINDS = ("administrative_ruling", "court_judgment", "administrative_penalty")
PERFORMANCE_STATUSES = ("performed", "pending", "refused")
SECTORS = (
    "food_drug",
    "environment",
    "production_safety",
    "internet",
    "exhibition",
    "import_export",
    "other",
)
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
ROLES = ("clerk", "reviewer", "auditor", "admin")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC, returns aware UTC, on every database alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class Subject(Base):
    """A person or organisation that enforcement cases are decided against."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_latin: Mapped[str] = mapped_column(String(300), default="")
    name_latin_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    responsible_persons: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    identifiers: Mapped[list[SubjectIdentifier]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="SubjectIdentifier.id"
    )
    cases: Mapped[list[EnforcementCase]] = relationship(
        back_populates="subject", order_by="EnforcementCase.decided_on"
    )
    listings: Mapped[list[Listing]] = relationship(back_populates="subject")


class SubjectIdentifier(Base):
    """One `{scheme, value}` identifier of a subject, stored in full."""

    __tablename__ = "subject_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "scheme_name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(20))
    scheme_name: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(100), index=True)

    subject: Mapped[Subject] = relationship(back_populates="identifiers")


class EnforcementCase(Base):
    """An administrative ruling, court judgment or penalty: the basis of a listing."""

    __tablename__ = "enforcement_cases"
    __table_args__ = (UniqueConstraint("authority", "document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    authority: Mapped[str] = mapped_column(String(200))
    document_number: Mapped[str] = mapped_column(String(100))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    act_start: Mapped[dt.date | None] = mapped_column(Date)
    act_end: Mapped[dt.date | None] = mapped_column(Date)
    infringement_found: Mapped[bool] = mapped_column(Boolean, default=True)
    deliberate: Mapped[bool] = mapped_column(Boolean, default=False)
    punitive_damages: Mapped[bool] = mapped_column(Boolean, default=False)
    performance_deadline: Mapped[dt.date | None] = mapped_column(Date)
    performance_status: Mapped[str] = mapped_column(String(20), default="pending")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Subject] = relationship(back_populates="cases")
    patents: Mapped[list[CasePatent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CasePatent.id"
    )

    @property
    def patent_numbers(self) -> list[str]:
        """The numbers of the patents concerned, in recorded order."""
        return [p.patent_number for p in self.patents]


class CasePatent(Base):
    """A patent concerned by a case (Chinese numbers normalised, foreign as text)."""

    __tablename__ = "case_patents"
    __table_args__ = (UniqueConstraint("case_id", "patent_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id", ondelete="CASCADE"))
    patent_number: Mapped[str] = mapped_column(String(64), index=True)

    case: Mapped[EnforcementCase] = relationship(back_populates="patents")


class PatentInvalidation(Base):
    """A decision declaring a patent wholly or partly invalid."""

    __tablename__ = "patent_invalidations"
    __table_args__ = (UniqueConstraint("patent_number", "decision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_number: Mapped[str] = mapped_column(String(64), index=True)
    decision_number: Mapped[str] = mapped_column(String(100))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(10))  # "whole" or "partial"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListingCase(Base):
    """A case cited as basis of a listing."""

    __tablename__ = "listing_cases"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"), primary_key=True)


class Listing(Base):
    """A proposal to list a subject, followed through the due-process lifecycle."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    grounds: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    remedy: Mapped[str] = mapped_column(Text, default="")
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
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012

    subject: Mapped[Subject] = relationship(back_populates="listings")
    cases: Mapped[list[EnforcementCase]] = relationship(
        secondary="listing_cases", order_by="EnforcementCase.decided_on"
    )
    requests: Mapped[list[ListingRequest]] = relationship(
        back_populates="listing", order_by="ListingRequest.id"
    )


class ListingRequest(Base):
    """An objection, defence statement, correction or credit-restoration request."""

    __tablename__ = "listing_requests"

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

    listing: Mapped[Listing] = relationship(back_populates="requests")


class User(Base):
    """An administrator account: clerk, reviewer, auditor or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditRecord(Base):
    """One append-only audit record, chained to its predecessor by SHA-256."""

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    record_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)


Index("ix_audit_object", AuditRecord.object_type, AuditRecord.object_id)


class EntryRevision(Base):
    """One signed revision of a published entry; `bundle` is None once purged."""

    __tablename__ = "entry_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(20), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    bundle: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LogEvent(Base):
    """One leaf of the transparency log: a listed, amended or removed event."""

    __tablename__ = "log_events"
    __table_args__ = (UniqueConstraint("entry_id", "revision", "event"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[str] = mapped_column(String(20), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(20))
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class LogTile(Base):
    """A tlog-tiles tile (hashes or entry bundle) of the log, stored by its path."""

    __tablename__ = "log_tiles"

    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SignedCheckpoint(Base):
    """Every checkpoint the log has signed, so no inconsistent one is ever signed."""

    __tablename__ = "signed_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FeedVersion(Base):
    """One published version of the disclosure feed."""

    __tablename__ = "feed_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    tree_size: Mapped[int] = mapped_column(Integer)
    index_sha256: Mapped[str] = mapped_column(String(64))


class ApiKey(Base):
    """An API client's key: only a SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_limit: Mapped[str] = mapped_column(String(40), default="600/minute")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ScreeningCall(Base):
    """One screening or lookup call, for the key owner's own audit (no query content)."""

    __tablename__ = "screening_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    called_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    endpoint: Mapped[str] = mapped_column(String(60))
    query_count: Mapped[int] = mapped_column(Integer)
    tree_size: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[str | None] = mapped_column(String(40))


class Receipt(Base):
    """A signed screening receipt, kept so the client can fetch it again."""

    __tablename__ = "receipts"

    receipt_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)


class Watchlist(Base):
    """A client's list of counterparties, watched for listings, amendments and removals."""

    __tablename__ = "watchlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    webhook_url: Mapped[str] = mapped_column(String(500))
    webhook_secret: Mapped[str] = mapped_column(String(100))
    last_seq: Mapped[int] = mapped_column(Integer, default=-1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WatchlistItem(Base):
    """One counterparty on a watchlist."""

    __tablename__ = "watchlist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist_id: Mapped[int] = mapped_column(
        ForeignKey("watchlists.id", ondelete="CASCADE"), index=True
    )
    external_ref: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(6))
    identifiers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class WebhookDelivery(Base):
    """A webhook notification for a watchlist match, with its delivery attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("watchlist_id", "event_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist_id: Mapped[int] = mapped_column(
        ForeignKey("watchlists.id", ondelete="CASCADE"), index=True
    )
    event_seq: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
