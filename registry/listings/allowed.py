"""Which listing transitions a role may take from which state: the one table the services check.

The services refuse a transition from any other state (`require_state(listing, what,
FROM_STATES[name])`), and the console offers only what `allowed_transitions` names, so a
button is never shown for a step the service would refuse for role or state.
"""

from __future__ import annotations

from registry.actors import PERMISSIONS, Actor
from registry.models import Listing

# transition -> (permission it needs, states it starts from)
TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "notify": ("listing.notify", ("draft",)),
    "objection": ("listing.objection", ("notified", "under_review")),
    "defence": ("listing.objection", ("notified", "under_review")),
    "correction": ("listing.request", ("published",)),
    "restoration": ("listing.request", ("published",)),
    "start-review": ("listing.review", ("notified",)),
    "approve": ("listing.approve", ("under_review",)),
    "reject": ("listing.reject", ("under_review",)),
    "withdraw": ("listing.withdraw", ("draft", "notified")),
    "remove": ("listing.remove", ("published",)),
    "amend": ("listing.amend", ("published",)),
}
FROM_STATES = {name: states for name, (_permission, states) in TRANSITIONS.items()}
# Four eyes: whoever proposed a listing does not also decide it.
DECISIONS = ("approve", "reject")


def allowed_transitions(listing: Listing, actor: Actor) -> frozenset[str]:
    """The transitions `actor` may take on `listing` now, by role, state and four eyes."""
    allowed = {
        name
        for name, (permission, states) in TRANSITIONS.items()
        if listing.state in states and actor.role in PERMISSIONS.get(permission, frozenset())
    }
    if actor.user_id is not None and actor.user_id == listing.proposed_by:
        allowed -= set(DECISIONS)
    return frozenset(allowed)
