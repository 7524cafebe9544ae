"""Responsible persons of an organisation subject, named for joint disciplinary measures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.clock import utcnow
from registry.models.base import Base, UTCDateTime

# 法定代表人, 主要负责人, 直接责任人: the persons the 2018 joint-punishment memorandum
# (发改财金〔2018〕1702号, 联合惩戒对象) extends joint disciplinary measures to.
PERSON_ROLES = ("legal_representative", "main_responsible", "directly_responsible")


class ResponsiblePerson(Base):
    """A natural person holding a role in an organisation subject, with one identifier.

    Rows are never changed after they are written, only marked removed (`removed_at`), so the
    highest id and the number removed say whether anything changed (screening caches on it).
    """

    __tablename__ = "responsible_persons"
    # Only the removed persons: every lookup counts them (registry/screening/serving).
    __table_args__ = (
        Index(
            "ix_responsible_persons_removed",
            "removed_at",
            sqlite_where=text("removed_at IS NOT NULL"),
            postgresql_where=text("removed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    # The foreign scheme's name for "other", the issuing country for "passport".
    scheme_name: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
