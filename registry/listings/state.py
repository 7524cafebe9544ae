"""What every listing transition shares: the locked load, the state check, the audit record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import InvalidTransition, NotFound
from registry.models import Listing


def snapshot(listing: Listing) -> dict[str, Any]:
    """The audited view of a listing's state."""
    return {
        "state": listing.state,
        "revision": listing.revision,
        "entry_id": listing.entry_id,
        "review_flag": listing.review_flag,
    }


def load_listing(session: Session, listing_id: int) -> Listing:
    """The listing, locked for this transaction, or NotFound."""
    # Row lock on PostgreSQL: concurrent transitions of one listing run one after another.
    listing = session.get(Listing, listing_id, with_for_update=True, populate_existing=True)
    if listing is None:
        raise NotFound(
            "listing %(listing_id)s does not exist",
            listing_id=listing_id,
        )
    return listing


def require_state(listing: Listing, transition: str, allowed: Sequence[str]) -> None:
    """Refuse `transition` unless the listing is in one of the `allowed` states."""
    if listing.state not in allowed:
        raise InvalidTransition(
            transition,
            listing.state,
            "only possible from %(allowed)s",
            allowed=" or ".join(allowed),
        )


def audit_transition(
    session: Session,
    actor: Actor,
    action: str,
    listing: Listing,
    before: dict[str, Any],
    reason: str | None,
    **extra: Any,
) -> None:
    """Record a transition of `listing` in the audit trail, from `before` to its state now."""
    after = snapshot(listing) | extra
    audit.record(
        session,
        actor=actor.name,
        action=action,
        object_type="listing",
        object_id=listing.id,
        before=before,
        after=after,
        reason=reason,
    )
