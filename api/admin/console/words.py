"""The console's words for the registry's codes: states, roles, actions, requests, deadlines.

Templates never show a raw code: they pass it through `word(table, code)`, which answers in the
page's language (an unknown code is shown as written, so nothing is hidden).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from api.site import labels as site_labels
from api.site.i18n import current_language
from api.site.person_search import ROLE_LABELS
from registry.timestamps import beijing_time

STATES: Mapping[str, LazyString] = {
    "draft": _l("Draft"),
    "notified": _l("Notice served"),
    "under_review": _l("Under review"),
    "approved": _l("Approved, waiting for publication"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "published": _l("Published"),
    "expired": _l("Expired"),
    "removed": _l("Removed"),
}

ROLES: Mapping[str, LazyString] = {
    "clerk": _l("Clerk"),
    "reviewer": _l("Reviewer"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
    "system": _l("The registry (automatic)"),
}

RESTORATION_CONDITIONS: Mapping[str, LazyString] = {
    "obligations_performed": _l("Obligations performed, with evidence"),
    "credit_commitment": _l("Credit commitment recorded"),
    "no_new_case": _l("No new case since listing"),
}

REQUEST_KINDS: Mapping[str, LazyString] = {
    "objection": _l("Objection"),
    "defence": _l("Defence"),
    "correction": _l("Correction request"),
    "restoration": _l("Credit restoration request"),
    "removal": _l("Proposed early removal"),
}

DECISIONS: Mapping[str, LazyString] = {
    "accepted": _l("Accepted"),
    "refused": _l("Refused"),
}

REMOVAL_REASONS: Mapping[str, LazyString] = {
    "credit_restored": _l("Credit restored"),
    "basis_revoked": _l("The decision it rests on was revoked"),
    "error": _l("Listed in error"),
}

PERFORMANCE: Mapping[str, LazyString] = {
    "performed": _l("Performed"),
    "pending": _l("Not yet due or pending"),
    "refused": _l("Refused to perform"),
}

DEADLINES: Mapping[str, LazyString] = {
    "defence": _l("Defence period ends"),
    "publish": _l("Publish by"),
    "period_end": _l("Listing period ends"),
    "request": _l("Decide the request"),
    "correction_publish": _l("Publish the accepted correction"),
}

OBJECT_TYPES: Mapping[str, LazyString] = {
    "subject": _l("Subject"),
    "case": _l("Case"),
    "listing": _l("Listing"),
    "user": _l("Account"),
    "api_key": _l("API key"),
    "signing_key": _l("Signing key"),
    "patent": _l("Patent"),
    "import": _l("Import"),
    "login": _l("Sign-in"),
    "demo": _l("Demonstration data"),
}

ACTIONS: Mapping[str, LazyString] = {
    "subject.record": _l("Recorded a subject"),
    "case.record": _l("Recorded a case"),
    "case.import": _l("Imported cases"),
    "case.revoke": _l("Recorded a revocation"),
    "case.correct": _l("Corrected a case"),
    "subject.correct": _l("Corrected a subject"),
    "patent.invalidate": _l("Recorded a patent invalidation"),
    "listing.propose": _l("Drafted a proposal"),
    "listing.notify": _l("Recorded the notice"),
    "listing.objection": _l("Recorded an objection"),
    "listing.defence": _l("Recorded a defence"),
    "listing.correction": _l("Recorded a correction request"),
    "listing.restoration": _l("Recorded a credit restoration request"),
    "listing.request": _l("Recorded a request"),
    "request.decide.objection": _l("Decided an objection"),
    "request.decide.defence": _l("Decided a defence"),
    "request.decide.correction": _l("Decided a correction request"),
    "request.decide.restoration": _l("Decided a credit restoration request"),
    "listing.review": _l("Started the review"),
    "listing.decide": _l("Decided a request"),
    "listing.approve": _l("Approved a listing"),
    "listing.reject": _l("Rejected a listing"),
    "listing.withdraw": _l("Withdrew a listing"),
    "listing.publish": _l("Published a listing"),
    "listing.amend": _l("Published a correction"),
    "listing.remove": _l("Removed a listing"),
    "listing.remove.propose": _l("Proposed an early removal"),
    "listing.expire": _l("A listing expired"),
    "listing.stop": _l("Stopped a listing"),
    "listing.flag": _l("Flagged a listing for review"),
    "user.create": _l("Created an account"),
    "user.role": _l("Changed an account's role"),
    "user.deactivate": _l("Deactivated an account"),
    "user.totp_enable": _l("Turned on two-factor sign-in"),
    "user.login_failed": _l("A sign-in failed"),
    "session.end_all": _l("Ended every session"),
    "apikey.create": _l("Created an API key"),
    "apikey.revoke": _l("Revoked an API key"),
    "key.rotate": _l("Rotated a signing key"),
    "demo.loaded": _l("Loaded the demonstration data"),
}

SCOPES: Mapping[str, LazyString] = {
    "screen": _l("Screening and lookups"),
    "watch": _l("Watchlists"),
}

# Why a listing waits for someone: the step that is theirs to take.
WHY: Mapping[str, LazyString] = {
    "approve": _l("Decide: approve or reject"),
    "flag": _l("Flagged: check it again"),
    "notify": _l("Serve and record the notice"),
    "start-review": _l("Defence period over: start the review"),
}

# What a listing transition is called, for "cannot <transition> a listing in state <state>".
TRANSITIONS: Mapping[str, LazyString] = {
    "amend": _l("publish a correction of"),
    "apply for credit restoration of": _l("apply for credit restoration of"),
    "approve": _l("approve"),
    "decide": _l("decide"),
    "expire": _l("expire"),
    "notify": _l("record the notice of"),
    "propose": _l("propose"),
    "publish": _l("publish"),
    "reject": _l("reject"),
    "remove": _l("remove"),
    "request a correction of": _l("request a correction of"),
    "start review of": _l("start review of"),
    "withdraw": _l("withdraw"),
}

# How an account request ended.
OUTCOMES: Mapping[str, LazyString] = {
    "confirmed": _l("confirmed"),
    "refused": _l("refused"),
}

# The domain's error parameters that hold codes, by parameter name: their words.
PARAMETERS: Mapping[str, Mapping[str, LazyString]] = {
    "state": STATES,
    "role": ROLES,
    "request_kind": REQUEST_KINDS,
    "end_reason": REMOVAL_REASONS,
    "first_code": REMOVAL_REASONS,
    "performance_status": PERFORMANCE,
    "ground": site_labels.GROUND_TITLES,
    "scheme": site_labels.ID_SCHEMES,
    "person_role": ROLE_LABELS,
    "subject_kind": site_labels.SUBJECT_KINDS,
    "transition": TRANSITIONS,
    "outcome": OUTCOMES,
}

TABLES: Mapping[str, Mapping[str, Any]] = {
    "why": WHY,
    "condition": RESTORATION_CONDITIONS,
    "scope": SCOPES,
    "state": STATES,
    "role": ROLES,
    "request": REQUEST_KINDS,
    "request_kind": REQUEST_KINDS,
    "decision": DECISIONS,
    "removal": REMOVAL_REASONS,
    "performance": PERFORMANCE,
    "deadline": DEADLINES,
    "object": OBJECT_TYPES,
    "action": ACTIONS,
    "ground": site_labels.GROUND_TITLES,
    "sector": site_labels.SECTORS,
    "subject_kind": site_labels.SUBJECT_KINDS,
    "case_kind": site_labels.CASE_KINDS,
    "scheme": site_labels.ID_SCHEMES,
}


def word(table: str, code: str | None) -> str:
    """The words for `code` in the named table, in the page's language; the code if unknown."""
    if code is None:
        return ""
    known = TABLES[table].get(code)
    return str(known) if known is not None else code


def removal_text(text: str) -> str:
    """A proposed removal's recorded text ("<reason code>: <reason>") with the code in words."""
    code, _sep, reason = text.partition(":")
    if code in REMOVAL_REASONS:
        return f"{word('removal', code)}: {reason.strip()}"
    return text


def in_language(english: str, chinese: str | None) -> str:
    """The rule engine's text in the page's language: its Chinese on a zh page when there is one.

    Listings stored before the engine explained itself in Chinese carry only the English.
    """
    return chinese if chinese and current_language() == "zh" else english


def beijing(moment: dt.datetime | None) -> str:
    """A stored moment as Beijing date and time (YYYY-MM-DD HH:MM)."""
    return beijing_time(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
