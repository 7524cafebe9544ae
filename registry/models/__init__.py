"""The registry's database model (SQLAlchemy 2, typed), one module per domain.

The schema is created by the Alembic migrations in `migrations/`; tests may call
`Base.metadata.create_all` on a throwaway database. Importing this package registers every
table on `Base.metadata`, so import models from here.
"""

from registry.clock import utcnow
from registry.models.accounts import (
    ROLES,
    AccountRequest,
    AdminSession,
    AuditRecord,
    LoginThrottle,
    RecoveryCode,
    User,
)
from registry.models.base import NAMING, Base, UTCDateTime
from registry.models.change_notices import CHANNEL as CHANGE_CHANNEL
from registry.models.clients import (
    ApiKey,
    Receipt,
    ScreeningCall,
    Watchlist,
    WatchlistItem,
    WebhookDelivery,
)
from registry.models.ledger import EntryRevision, FeedVersion, LogEvent, LogTile, SignedCheckpoint
from registry.models.listings import LISTING_STATES, Listing, ListingCase, ListingRequest
from registry.models.national_reports import NATIONAL_EVENTS, NationalReport
from registry.models.persons import PERSON_ROLES, ResponsiblePerson
from registry.models.publish_runs import PUBLISH_RUN_STATES, RUNNING_SLOT, PublishRun
from registry.models.subjects import (
    CASE_KINDS,
    PERFORMANCE_STATUSES,
    SECTOR_BITS,
    SECTORS,
    SUBJECT_KINDS,
    CasePatent,
    EnforcementCase,
    PatentInvalidation,
    Subject,
    SubjectIdentifier,
)

__all__ = [
    "CASE_KINDS",
    "CHANGE_CHANNEL",
    "LISTING_STATES",
    "NAMING",
    "NATIONAL_EVENTS",
    "PERFORMANCE_STATUSES",
    "PERSON_ROLES",
    "PUBLISH_RUN_STATES",
    "ROLES",
    "RUNNING_SLOT",
    "SECTORS",
    "SECTOR_BITS",
    "SUBJECT_KINDS",
    "AccountRequest",
    "AdminSession",
    "ApiKey",
    "AuditRecord",
    "Base",
    "CasePatent",
    "EnforcementCase",
    "EntryRevision",
    "FeedVersion",
    "Listing",
    "ListingCase",
    "ListingRequest",
    "LogEvent",
    "LogTile",
    "LoginThrottle",
    "NationalReport",
    "PatentInvalidation",
    "PublishRun",
    "Receipt",
    "RecoveryCode",
    "ResponsiblePerson",
    "ScreeningCall",
    "SignedCheckpoint",
    "Subject",
    "SubjectIdentifier",
    "UTCDateTime",
    "User",
    "Watchlist",
    "WatchlistItem",
    "WebhookDelivery",
    "utcnow",
]
