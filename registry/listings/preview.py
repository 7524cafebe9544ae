"""What an approval will publish: the entry as it will be signed, shown before approving."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.listings.periods import period_end
from registry.listings.policy import Policy
from registry.models import Listing
from registry.publication.entries import preview_entry


def approval_preview(
    listing: Listing, policy: Policy, today: dt.date, document_number: str | None
) -> dict[str, Any]:
    """The entry approving `listing` today would publish, if it is published today.

    The entry id, the signature and the nonce are given at publication; the listing dates
    move with the day the publisher runs (at the latest the publish-by deadline).
    """
    decision = {
        "authority": listing.decision_authority,
        "document_number": (document_number or "").strip() or None,
        "decided_on": today.isoformat(),
    }
    return preview_entry(listing, decision, today, period_end(today, policy.periods))
