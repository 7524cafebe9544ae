"""The OpenAPI document in Chinese: a copy of the canonical English one, its texts translated.

The English document (`api/openapi_document.py`) stays the specification; `localised` gives a
copy for a Chinese reader, where every operation's summary and description, every tag's
description and the overview come from the site's catalogue (api/translations). The texts are
written in the endpoints' docstrings and the blueprints' tag descriptions, which babel cannot
extract, so `TEXTS` repeats them, marked, as the document says them (a paragraph's lines
joined). tests/api/test_openapi_language.py fails while a text of the document is missing here
or has no Chinese translation: after changing a docstring, change it here too and translate it
(babel.cfg says how).
"""

from __future__ import annotations

import copy
from typing import Any

from flask_babel import force_locale, gettext

LANGUAGES = ("en", "zh")
CANONICAL = "en"


def N_(text: str) -> str:
    """Mark `text` for the catalogue; it is translated where it is shown, not here."""
    return text


TEXTS = frozenset(
    {
        N_("The latest signed checkpoint: note text, origin, tree size, base64 root."),
        N_("Access: public, no key needed (rate-limited per client address)."),
        N_("Inclusion proof of a leaf, by `index` or by `entry_id` (and `revision`)."),
        N_(
            "A c2sp.org/tlog-proof bundle of a leaf (by `index` or `entry_id`), for offline checks."
        ),
        N_(
            "It holds the event leaf (`extra`), its index, the inclusion proof and the checkpoint "
            "with its witness cosignatures; `registry verify-proof` checks it with no network."
        ),
        N_("Proof that the tree of size `first` is a prefix of the signed tree of `second`."),
        N_("Leaves from `start` (at most `limit`), up to the latest signed checkpoint."),
        N_("The public keys, as in feed/keys.json: kid, alg, key, note_vkey, use, validity."),
        N_(
            "Every published entry, in entry id order, "
            "filtered by status, sector, authority, dates."
        ),
        N_(
            "`status` is `published` (listed now), `removed` or `expired`. Purged entries appear "
            "with `purged: true` and no content, and never match a content filter."
        ),
        N_("One entry: the signed bundle of its latest revision, its revisions and log events."),
        N_(
            "Removed and expired entries say so, with the date and reason. Once purged, the "
            "bundle is null and no personal content remains; the log events stay."
        ),
        N_("Events after `after`, in seq order, bounded by the latest signed checkpoint."),
        N_("With `Accept: application/x-ndjson` the events stream one per line instead."),
        N_("Was this code listed (cn_uscc, other); personal numbers go by POST (scope screen)."),
        N_(
            "A query string reaches access logs, proxies and browser histories, so a value of any "
            "scheme that identifies a person (ID card, permits, residence IDs, passports) is "
            "refused here (422) and accepted only in a POST body."
        ),
        N_("Access: API key (`Authorization: Bearer <key>`) with the `screen` scope."),
        N_(
            "Was this identifier listed: `listed`, `not_listed` or `previously_listed` "
            "(scope screen)."
        ),
        N_(
            "Exact, by identifier: cn_uscc, a personal scheme (cn_ric, hkmotw_residence, "
            "hkmo_permit, tw_permit, foreign_pr, passport with `country`; send the full number to "
            "confirm, only the masked form comes back) or other (with `name`, the foreign "
            "scheme). `as_of` answers for the end of that day. A removed or expired listing is "
            "`previously_listed`, never `listed`."
        ),
        N_("Screen up to 1,000 names against the list (scope: screen)."),
        N_(
            "Each match has a score in [0, 1], a per-feature explanation and its status on the "
            "day screened (`listed` or `previously_listed`). Entries in `exclude_entry_ids` are "
            "never reported. Purged entries cannot match."
        ),
        N_("A receipt issued earlier to the same key, byte for byte (scope: screen)."),
        N_(
            "This key's own lookup and screening calls, newest first (any scope; no query content)."
        ),
        N_("Access: any valid API key (`Authorization: Bearer <key>`)."),
        N_("Match FollowTheMoney entities against the list, as yente's /match does."),
        N_("One subject entity by its FtM id (the id in the feed's FtM export)."),
        N_("This key's watchlists."),
        N_("Access: API key (`Authorization: Bearer <key>`) with the `watch` scope."),
        N_("Create a watchlist; its webhook secret is returned this once."),
        N_("One watchlist of this key."),
        N_("Delete a watchlist, its items and its delivery log."),
        N_("A page of items, by id; pass `next_after_id` as `after_id` for the next one."),
        N_("Add items in bulk (JSON array or CSV); all rows are validated before any is stored."),
        N_("Remove one item."),
        N_("The delivery log: each match, its attempts, last HTTP status or error, next retry."),
        N_("Send a delivery again at the next delivery round (within a minute)."),
        N_("Who is signed in, and the CSRF token to send as X-CSRFToken."),
        N_(
            "Access: console session of registry staff (cookie), with the CSRF token from `GET "
            "/api/v1/admin/session` sent as `X-CSRFToken` on POST, PUT, PATCH and DELETE."
        ),
        N_("List subjects, newest first."),
        N_("Record a subject (clerk)."),
        N_("One subject."),
        N_("Which grounds hold for the subject on a day, why, and on which cases and dates."),
        N_("List cases, filtered by sector, authority, subject and decision dates."),
        N_("Record an enforcement case (clerk)."),
        N_("One case."),
        N_("Record that a case was revoked or overturned; listings resting on it are flagged."),
        N_("Correct a subject's name, with a reason (reviewer); published entries are revised."),
        N_("Correct a case's effective date or performance status, with a reason (reviewer)."),
        N_("Record a patent invalidation decision; listings resting on the patent are flagged."),
        N_("The subject's legal representative, main and directly responsible persons."),
        N_("Record a responsible person of an organisation subject (clerk)."),
        N_("Remove a responsible person (clerk)."),
        N_("List listings, optionally in one state."),
        N_("Draft a proposal citing grounds that hold today (clerk)."),
        N_("One listing with its requests and running deadlines."),
        N_("Record service of the notice; the defence period starts (clerk)."),
        N_("Record an objection, defence, correction or restoration request (clerk)."),
        N_("Move a notified listing to review once its defence period has ended."),
        N_("Approve a proposal under review (a reviewer other than the proposer)."),
        N_("Reject a proposal under review (reviewer)."),
        N_("Withdraw a draft or notified proposal."),
        N_("Propose or confirm early removal of a published listing (two distinct reviewers)."),
        N_("Correct a published listing: a new signed revision (reviewer)."),
        N_("Decide an objection, defence, correction or restoration request (reviewer)."),
        N_("The reviewer queue: under review, flagged, and open requests with deadline status."),
        N_("Every account (admin, auditor)."),
        N_("Create an account (admin); a reviewer or admin waits for a second admin (202)."),
        N_("Account and role requests waiting for a second admin (admin, auditor)."),
        N_("Confirm another admin's request: the account is created or its role changed (admin)."),
        N_("Refuse (or, for its requester, withdraw) a waiting request (admin)."),
        N_("Give an account another role (admin, not their own); reviewer or admin waits (202)."),
        N_("Deactivate an account; its sessions end at once (admin)."),
        N_("Give an account a temporary password it must change at its next sign-in (admin)."),
        N_("Audit records, newest first, filtered by action, object and actor."),
        N_("Recompute the hash chain and report the first broken record."),
        N_("Approved listings waiting, the last run, the feed version and its expiry."),
        N_("Every API key, newest first; secrets are never shown again."),
        N_("Create a key with scopes and a rate limit; the response holds the only copy of it."),
        N_("Revoke a key at once: its next call gets 401."),
        N_("The transparency log: checkpoint, inclusion and consistency proofs; keys"),
        N_("The published list, for anyone: no key needed, rate-limited per address"),
        N_("The change feed: listed, amended and removed events with entry content"),
        N_(
            "Identifier lookups and batch screening for banks and procurement systems "
            "(Authorization: Bearer <key>). Every answer carries a signed receipt bound to the "
            "log checkpoint it was computed from."
        ),
        N_(
            "Screening in the request and response shape of yente (OpenSanctions): FollowTheMoney "
            "entities in, scored FtM entities with per-feature explanations out."
        ),
        N_(
            "Watchlists: be told by signed webhook when a counterparty is listed, amended or "
            "removed (API key with the 'watch' scope)"
        ),
        N_("Subjects, enforcement cases and rule evaluation (session + X-CSRFToken)"),
        N_("Responsible persons of organisation subjects (session + X-CSRFToken)"),
        N_("Listings, their due-process transitions and the review queue"),
        N_("User accounts and the hash-chained audit trail"),
        N_("The publisher: approvals waiting, the last run, the feed's version and expiry"),
        N_("API keys: create (the secret is shown once), list and revoke (admin)"),
    }
)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a description, each on one line (a docstring's line breaks joined)."""
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def document_texts(document: dict[str, Any]) -> list[str]:
    """Every text `localised` translates: summaries, description paragraphs, tag descriptions."""
    texts = [document.get("info", {}).get("description", "")]
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                texts.append(operation.get("summary", ""))
                texts.extend(paragraphs(operation.get("description", "")))
    texts.extend(" ".join(tag.get("description", "").split()) for tag in document.get("tags", []))
    return [text for text in texts if text]


def _translated(text: str) -> str:
    translation: str = gettext(text)
    return translation


def _paragraphs_in(text: str) -> str:
    return "\n\n".join(_translated(paragraph) for paragraph in paragraphs(text))


def localised(document: dict[str, Any], language: str) -> dict[str, Any]:
    """The document for a reader of `language`: the canonical one itself, or a translated copy.

    Paths, schemas, examples, codes and field names stay as they are; only prose changes.
    """
    if language == CANONICAL:
        return document
    copied = copy.deepcopy(document)
    with force_locale(language):
        info = copied.setdefault("info", {})
        if info.get("description"):
            info["description"] = _translated(info["description"])
        for item in copied.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                if operation.get("summary"):
                    operation["summary"] = _translated(operation["summary"])
                if operation.get("description"):
                    operation["description"] = _paragraphs_in(operation["description"])
        for tag in copied.get("tags", []):
            if tag.get("description"):
                tag["description"] = _translated(" ".join(tag["description"].split()))
    info["x-language"] = language
    return copied
