"""Published entries for the public-site tests, written the way publication writes them.

Each entry gets a subject recorded by the clerk (the full, unmasked ID number lives only
there) and a listing row, a signed entry revision with masked identifiers, and its events in the
transparency log. The listing row and entry are written directly, not walked through the
workflow: these tests need entries with exactly the content, ids and dates they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

import api.site
from registry.canonical import sha256_hex
from registry.models import Base, EntryRevision, Listing
from registry.publication.events import append_event
from registry.signing.keys import SigningKey, generate_key
from registry.signing.signatures import new_nonce, sign_entry
from registry.subjects.identifiers import mask_ric
from runtime.extensions import db
from tests import builders
from tests.conftest import make_app

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
# A valid resident ID number (fictitious person) and a valid credit code.
FULL_RIC = "35010019800118123X"
MASKED_RIC = mask_ric(FULL_RIC)
USCC = "91350100M000100Y43"
PATENT = "ZL201510123456.7"


def ensure_site(app: Flask) -> None:
    """Register the public site on `app` unless the app factory already did."""
    if "site" not in app.blueprints:
        api.site.init_app(app)


@contextmanager
def standalone_site(directory: Path, **config: object) -> Iterator[Flask]:
    """An app with the site on its own database, for tests that share one dataset per module."""
    # Module-wide tests search far more than one visitor may; the limit has its own test.
    config.setdefault("SITE_SEARCH_RATE_LIMIT", "100000/minute")
    config.setdefault("SITE_EXPANDED_DOWNLOAD_RATE_LIMIT", "100000/minute")
    application = make_app(directory, f"sqlite:///{directory / 'site.sqlite3'}", **config)
    with application.app_context():
        Base.metadata.create_all(db.engine)
        ensure_site(application)
        yield application
        db.session.remove()
        db.engine.dispose()


@dataclass
class Publisher:
    """Publishes, amends, removes and purges entries directly in the database."""

    session: Session
    key: SigningKey = field(default_factory=lambda: generate_key("entry", NOW))
    clock: dt.datetime = NOW

    def tick(self, days: int = 1) -> dt.datetime:
        """Advance the publication clock."""
        self.clock += dt.timedelta(days=days)
        return self.clock

    def publish(
        self,
        entry_id: str,
        name: str,
        *,
        full_ric: str | None = None,
        when: dt.datetime | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """List a new entry (revision 1); returns its signed bundle."""
        when = when or self.tick()
        kind = content.get("kind", "natural_person" if full_ric else "legal_person")
        subject = builders.subject(
            self.session,
            kind=kind,
            name=name,
            name_latin=content.get("name_latin"),
            identifiers=[{"scheme": "cn_ric", "value": full_ric}] if full_ric else (),
        )
        listing = Listing(
            entry_id=entry_id,
            subject=subject,
            state="published",
            proposed_on=when.date(),
            revision=1,
        )
        self.session.add(listing)
        self.session.flush()
        if full_ric:
            content.setdefault("identifiers", [{"scheme": "cn_ric", "value": mask_ric(full_ric)}])
        content.setdefault("listed_on", when.date())
        entry = entry_content(entry_id, 1, name, kind=kind, **content)
        return self._record(listing.id, entry, "listed", None, when)

    def amend(self, entry_id: str, **changes: Any) -> dict[str, Any]:
        """Publish a corrected revision of an entry."""
        latest = self._latest(entry_id)
        assert latest.bundle is not None
        entry = dict(latest.bundle["entry"])
        subject = dict(entry["subject"])
        for name in ("name", "name_latin", "aliases", "identifiers"):
            if name in changes:
                subject[name] = changes.pop(name)
        entry.update(changes, subject=subject, revision=latest.revision + 1, nonce=new_nonce())
        return self._record(latest.listing_id, entry, "amended", "correction", self.tick())

    def remove(self, entry_id: str, reason: str = "credit_restored") -> dt.datetime:
        """Take an entry off the list; returns when."""
        latest = self._latest(entry_id)
        when = self.tick()
        append_event(
            self.session, "removed", entry_id, latest.revision, latest.content_sha256, when, reason
        )
        self.session.commit()
        return when

    def purge(self, entry_id: str) -> None:
        """Purge every revision's content, as after the retention period."""
        for revision in self.session.scalars(
            select(EntryRevision).where(EntryRevision.entry_id == entry_id)
        ):
            revision.bundle = None
            revision.purged_at = self.tick()
        self.session.commit()

    def keys(self) -> list[dict[str, Any]]:
        """The keys.json records a verifier needs."""
        return [self.key.verification_key().as_record()]

    def _latest(self, entry_id: str) -> EntryRevision:
        latest = self.session.scalars(
            select(EntryRevision)
            .where(EntryRevision.entry_id == entry_id)
            .order_by(EntryRevision.revision.desc())
        ).first()
        assert latest is not None, f"{entry_id} was never published"
        return latest

    def _record(
        self,
        listing_id: int,
        entry: dict[str, Any],
        event: str,
        reason: str | None,
        when: dt.datetime,
    ) -> dict[str, Any]:
        bundle = sign_entry(entry, self.key)
        digest = sha256_hex(entry)
        self.session.add(
            EntryRevision(
                entry_id=entry["entry_id"],
                revision=entry["revision"],
                listing_id=listing_id,
                bundle=bundle,
                content_sha256=digest,
                published_at=when,
            )
        )
        append_event(
            self.session, event, entry["entry_id"], entry["revision"], digest, when, reason
        )
        self.session.commit()
        return bundle


def entry_content(
    entry_id: str,
    revision: int,
    name: str,
    *,
    kind: str = "legal_person",
    listed_on: dt.date = NOW.date(),
    name_latin: str = "",
    aliases: Sequence[str] = (),
    identifiers: Sequence[dict[str, str]] = (),
    region: str | None = "350100",
    sectors: Sequence[str] = ("internet",),
    authority: str = "福州市市场监督管理局",
    grounds: Sequence[str] = ("repeat_infringement",),
    patents: Sequence[str] = (PATENT,),
    legal_representative: str | None = None,
    measures: Sequence[str] = ("restricted access to government procurement",),
    remedy: str = "Apply to the deciding authority.",
) -> dict[str, Any]:
    """A DESIGN section 3 entry object with the given content."""
    subject: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "name_latin": name_latin,
        "aliases": list(aliases),
        "identifiers": [dict(i) for i in identifiers],
        "region": region,
    }
    if kind != "natural_person":
        subject["legal_representative"] = legal_representative
    period_end = listed_on.replace(year=listed_on.year + 3)
    return {
        "type": "ipl.entry/v1",
        "entry_id": entry_id,
        "revision": revision,
        "status": "published",
        "subject": subject,
        "grounds": [{"code": code, "explanation": f"案件说明 {code}"} for code in grounds],
        "basis": [
            {
                "kind": "administrative_ruling",
                "authority": authority,
                "document_number": f"闽知裁字〔2025〕{revision}号",
                "decided_on": "2025-06-01",
                "effective_on": "2025-07-01",
                "patents": list(patents),
                "deliberate": "deliberate_infringement" in grounds,
            }
        ],
        "decision": {
            "authority": authority,
            "document_number": f"{entry_id}-决定",
            "decided_on": listed_on.isoformat(),
        },
        "sectors": list(sectors),
        "listed_on": listed_on.isoformat(),
        "period_end": period_end.isoformat(),
        "measures": list(measures),
        "remedy": remedy,
        "nonce": new_nonce(),
    }


def publish_three_companies(publisher: Publisher) -> None:
    """Three companies in three regions, the register several index tests start from."""
    publisher.publish("IPL-2026-000001", "深圳市华兴科技有限公司", region="440300")
    publisher.publish("IPL-2026-000002", "福州瑞达电子有限公司", region="350100")
    publisher.publish("IPL-2026-000003", "厦门星海电子有限公司", region="350200")
