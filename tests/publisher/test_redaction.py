"""A purge removes an entry's content from every feed file, and the feed still verifies."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.jobs import run_publication
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import AuditRecord, EntryRevision, Listing
from registry.verifier import open_source, verify_feed
from runtime.signing_keys import key_store


def _feed_text(feed: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(feed.rglob("*"))
        if path.is_file() and "tile" not in path.parts
    )


def test_purged_entries_leave_every_feed_file(app: Flask, session: Session) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    run_publication(app)
    feed = Path(app.config["FEED_DIR"])
    ended = session.scalars(select(Listing).where(Listing.state.in_(("removed", "expired")))).all()
    names = {listing.subject.name for listing in ended}
    before = _feed_text(feed)
    assert all(name in before for name in names)  # the first delta carries their content

    app.config["REGISTRY"]["RETENTION_DAYS"] = 0  # the demo removes some entries today
    report = run_publication(app)
    assert report is not None and report.purged == len(ended)

    after = _feed_text(feed)
    leaked = [name for name in names if name in after]
    assert leaked == []
    purged = session.scalars(select(EntryRevision).where(EntryRevision.purged_at.is_not(None)))
    assert {r.entry_id for r in purged} == {listing.entry_id for listing in ended}
    actions = session.scalars(select(AuditRecord.action)).all()
    assert actions.count("entry.purge") == len(ended)

    result = verify_feed(open_source(str(feed)))
    assert result.ok, result.problems()


def test_an_entry_is_purged_once_and_later_runs_leave_it_alone(
    app: Flask, session: Session
) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    app.config["REGISTRY"]["RETENTION_DAYS"] = 0
    first = run_publication(app)
    assert first is not None and first.purged > 0
    purged_at = dict(
        session.execute(
            select(EntryRevision.id, EntryRevision.purged_at).where(
                EntryRevision.purged_at.is_not(None)
            )
        ).all()
    )
    audited = session.scalars(select(AuditRecord.action)).all().count("entry.purge")

    again = run_publication(app)

    assert again is not None and again.purged == 0
    assert session.scalars(select(AuditRecord.action)).all().count("entry.purge") == audited
    still = session.execute(
        select(EntryRevision.id, EntryRevision.purged_at).where(
            EntryRevision.purged_at.is_not(None)
        )
    ).all()
    assert dict(still) == purged_at  # the first purge's time stands
