"""Subjects, their identifiers, and the enforcement cases and patent decisions about them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.models.base import Base, UTCDateTime

SUBJECT_KINDS = ("legal_person", "natural_person", "other_org")
# registry/listings/list_types/loader.py holds the same kinds; a test keeps them equal.
CASE_KINDS = (
    "administrative_ruling",
    "court_judgment",
    "administrative_penalty",
    "cnipa_determination",
    "provincial_determination",
)
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
# Each sector as one bit, by its place above: the filter columns of the site's search and the
# read API's list hold an entry's sectors as one small integer (registry/columns.py).
SECTOR_BITS = {sector: 1 << place for place, sector in enumerate(SECTORS)}


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


class SubjectIdentifier(Base):
    """One `{scheme, value}` identifier of a subject, stored in full."""

    __tablename__ = "subject_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "scheme_name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed (migration 0012_idx): a subject's identifiers are read by subject, for every
    # entry replayed on its own (an entry page, a moved list state) and every approval.
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(20))
    scheme_name: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(100), index=True)

    subject: Mapped[Subject] = relationship(back_populates="identifiers")


class EnforcementCase(Base):
    """A ruling, judgment, penalty or determination by CNIPA or a provincial office."""

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
    # The conduct a determination found (a determination list type's conduct), else None.
    conduct: Mapped[str | None] = mapped_column(String(40))
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
