"""Every admin route, API and console, called as every role and anonymously.

Allowed means "not refused for the role": the call may still fail on state (409) or input (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from registry.accounts.confirmations import confirm_request
from registry.actors import Actor
from registry.audit import trail as audit
from registry.listings.policy import Policy
from registry.models import utcnow
from runtime import publish_now
from tests import builders
from tests.api.conftest import SignedIn, console_login
from tests.builders import STAFF

READERS = {"clerk", "reviewer", "auditor"}
EVERYONE = {"clerk", "reviewer", "auditor", "admin"}
ON = "2026-01-05"
PERSON = {
    "role": "legal_representative",
    "name": "王伟",
    "scheme": "cn_ric",
    "value": builders.id_number(3),
}
APPROVAL = {"reason": "established", "document_number": "演示知信〔2026〕2号"}


@pytest.fixture
def world(session: Session, users, deliberate_subject) -> dict[str, int]:
    """A listing under review with an open objection, and a spare account to manage."""
    listing = builders.listing(
        session,
        state="under_review",
        subject_id=deliberate_subject,
        proposed_on=dt.date(2026, 1, 5),
        served_on=dt.date(2026, 1, 5),
        objection="We object.",
        policy=Policy(),
    )
    spare = builders.user(session, "clerk", username="spare")
    return {
        "subject": deliberate_subject,
        "case": 1,
        "listing": listing.id,
        "request": listing.requests[0].id,
        "spare": spare.id,
    }


def api_routes(w: dict[str, int]) -> list[tuple[str, str, dict[str, Any] | None, set[str]]]:
    """(method, path, body, roles allowed) for every admin API route."""
    a, lid = "/api/v1/admin", w["listing"]
    return [
        ("GET", f"{a}/session", None, EVERYONE),
        ("GET", f"{a}/subjects", None, READERS),
        ("GET", f"{a}/subjects/{w['subject']}", None, READERS),
        ("GET", f"{a}/subjects/{w['subject']}/evaluation?on={ON}", None, READERS),
        ("POST", f"{a}/subjects", {"kind": "other_org", "name": "Gamma Association"}, {"clerk"}),
        ("GET", f"{a}/subjects/{w['subject']}/persons", None, READERS),
        ("POST", f"{a}/subjects/{w['subject']}/persons", PERSON, {"clerk"}),
        ("DELETE", f"{a}/subjects/{w['subject']}/persons/1", None, {"clerk"}),
        (
            "POST",
            f"{a}/subjects/{w['subject']}/correct",
            {"name": "Gamma Renamed Ltd", "reason": "registered name change"},
            {"reviewer"},
        ),
        (
            "POST",
            f"{a}/cases/{w['case']}/correct",
            {"performance_status": "performed", "reason": "paid in full"},
            {"reviewer"},
        ),
        ("GET", f"{a}/cases?sector=internet", None, READERS),
        ("GET", f"{a}/cases/{w['case']}", None, READERS),
        (
            "POST",
            f"{a}/cases",
            {
                "subject_id": w["subject"],
                "kind": "court_judgment",
                "authority": "Court",
                "document_number": "M-1",
                "decided_on": ON,
            },
            {"clerk"},
        ),
        (
            "POST",
            f"{a}/patent-invalidations",
            {
                "patent_number": "ZL201510123456.1",
                "decision_number": "INV-9",
                "decided_on": ON,
                "scope": "partial",
            },
            {"clerk", "reviewer"},
        ),
        ("GET", f"{a}/listings?state=under_review", None, READERS),
        ("GET", f"{a}/listings/{lid}", None, READERS),
        (
            "POST",
            f"{a}/listings",
            {"subject_id": w["subject"], "grounds": ["deliberate_infringement"]},
            {"clerk"},
        ),
        ("POST", f"{a}/listings/{lid}/notify", {"served_on": ON}, {"clerk"}),
        (
            "POST",
            f"{a}/listings/{lid}/requests",
            {"kind": "defence", "lodged_on": ON, "text": "More facts."},
            {"clerk"},
        ),
        ("POST", f"{a}/listings/{lid}/start-review", {"on": ON}, {"clerk", "reviewer"}),
        (
            "POST",
            f"{a}/requests/{w['request']}/decision",
            {"accepted": False, "reason": "no"},
            {"reviewer"},
        ),
        ("POST", f"{a}/listings/{lid}/approve", APPROVAL, {"reviewer"}),
        ("POST", f"{a}/listings/{lid}/reject", {"reason": "not established"}, {"reviewer"}),
        ("POST", f"{a}/listings/{lid}/withdraw", {"reason": "mistake"}, {"clerk", "reviewer"}),
        (
            "POST",
            f"{a}/listings/{lid}/remove",
            {"reason_code": "error", "reason": "wrong"},
            {"reviewer"},
        ),
        (
            "POST",
            f"{a}/listings/{lid}/amend",
            {"reason": "typo", "remedy": "Apply in writing."},
            {"reviewer"},
        ),
        (
            "POST",
            f"{a}/cases/{w['case']}/revoke",
            {"revoked_on": ON, "reason": "appeal"},
            {"reviewer"},
        ),
        ("GET", f"{a}/queue", None, READERS),
        ("GET", f"{a}/users", None, {"admin", "auditor"}),
        (
            "POST",
            f"{a}/users",
            {"username": "made", "role": "clerk", "password": "long enough password"},
            {"admin"},
        ),
        ("POST", f"{a}/users/{w['spare']}/role", {"role": "auditor"}, {"admin"}),
        ("POST", f"{a}/users/{w['spare']}/reset-password", {}, {"admin"}),
        ("GET", f"{a}/users/requests", None, {"admin", "auditor"}),
        ("POST", f"{a}/users/requests/999/confirm", {}, {"admin"}),
        ("POST", f"{a}/users/requests/999/refuse", {}, {"admin"}),
        ("POST", f"{a}/users/{w['spare']}/deactivate", {}, {"admin"}),
        ("GET", f"{a}/audit?action=listing.propose", None, EVERYONE),
        ("GET", f"{a}/audit/verify", None, EVERYONE),
        ("GET", f"{a}/publication", None, {"reviewer", "auditor", "admin"}),
        ("GET", f"{a}/api-keys", None, {"admin"}),
        ("POST", f"{a}/api-keys", {"name": "Bank", "scopes": ["screen"]}, {"admin"}),
        ("POST", f"{a}/api-keys/1/revoke", {"reason": "rotated"}, {"admin"}),
    ]


def console_routes(w: dict[str, int]) -> list[tuple[str, str, dict[str, Any] | None, set[str]]]:
    """(method, path, form, roles allowed) for every console route."""
    c, lid = "/admin", w["listing"]
    t = f"{c}/listings/{lid}"
    return [
        ("GET", f"{c}/", None, EVERYONE),
        ("GET", f"{c}/account/totp", None, EVERYONE),
        ("GET", f"{c}/account/password", None, EVERYONE),
        ("GET", f"{c}/subjects", None, READERS),
        ("GET", f"{c}/subjects/{w['subject']}", None, READERS),
        ("POST", f"{c}/subjects", {"kind": "other_org", "name": "Delta Society"}, {"clerk"}),
        ("GET", f"{c}/subjects/{w['subject']}/persons", None, READERS),
        ("POST", f"{c}/subjects/{w['subject']}/persons", PERSON, {"clerk"}),
        ("POST", f"{c}/subjects/{w['subject']}/persons/1/remove", None, {"clerk"}),
        (
            "POST",
            f"{c}/subjects/{w['subject']}/cases",
            {
                "kind": "court_judgment",
                "authority": "Court",
                "document_number": "C-1",
                "decided_on": ON,
            },
            {"clerk"},
        ),
        (
            "POST",
            f"{c}/subjects/{w['subject']}/proposals",
            {"grounds": "deliberate_infringement"},
            {"clerk"},
        ),
        ("GET", f"{c}/cases", None, READERS),
        ("GET", f"{c}/listings", None, READERS),
        ("GET", t, None, READERS),
        ("POST", f"{t}/notify", {"served_on": ON}, {"clerk"}),
        ("POST", f"{t}/request", {"kind": "defence", "lodged_on": ON, "text": "Facts."}, {"clerk"}),
        ("POST", f"{t}/start-review", {"on": ON}, {"clerk", "reviewer"}),
        (
            "POST",
            f"{c}/requests/{w['request']}/decision",
            {"decision": "refuse", "reason": "no"},
            {"reviewer"},
        ),
        ("GET", f"{t}/approval", None, {"reviewer"}),
        ("POST", f"{t}/approval", {"reason": "established"}, {"reviewer"}),
        ("POST", f"{t}/approve", {**APPROVAL, "confirm": "1"}, {"reviewer"}),
        ("POST", f"{t}/reject", {"reason": "not established"}, {"reviewer"}),
        ("POST", f"{t}/withdraw", {"reason": "mistake"}, {"clerk", "reviewer"}),
        ("POST", f"{t}/remove", {"reason_code": "error", "reason": "wrong"}, {"reviewer"}),
        ("POST", f"{t}/amend", {"reason": "typo"}, {"reviewer"}),
        (
            "POST",
            f"{c}/cases/{w['case']}/revoke",
            {"revoked_on": ON, "reason": "appeal"},
            {"reviewer"},
        ),
        ("GET", f"{c}/queue", None, READERS),
        ("GET", f"{c}/national-platform", None, READERS),
        ("POST", f"{c}/national-platform/reported", {"entry_id": "IPL-2026-000001"}, {"clerk"}),
        ("GET", f"{c}/keys", None, {"admin"}),
        ("POST", f"{c}/keys", {"name": "Bank", "scopes": "screen"}, {"admin"}),
        ("GET", f"{c}/keys/1", None, {"admin"}),
        ("POST", f"{c}/keys/1/revoke", {"reason": "done"}, {"admin"}),
        ("GET", f"{c}/publish", None, {"admin"}),
        ("POST", f"{c}/publish", {}, {"admin"}),
        ("GET", f"{c}/publish/runs/999", None, {"admin"}),
        ("GET", f"{c}/publish/runs/999/progress", None, {"admin"}),
        ("GET", f"{c}/users", None, {"admin", "auditor"}),
        (
            "POST",
            f"{c}/users",
            {"username": "made2", "role": "clerk", "password": "long enough password"},
            {"admin"},
        ),
        ("POST", f"{c}/users/{w['spare']}/role", {"role": "auditor"}, {"admin"}),
        ("POST", f"{c}/users/{w['spare']}/reset-password", None, {"admin"}),
        ("POST", f"{c}/users/{w['spare']}/end-sessions", None, {"admin"}),
        ("GET", f"{c}/users/requests", None, {"admin", "auditor"}),
        ("POST", f"{c}/users/requests/999/confirm", None, {"admin"}),
        ("POST", f"{c}/users/requests/999/refuse", None, {"admin"}),
        ("POST", f"{c}/users/{w['spare']}/deactivate", None, {"admin"}),
        ("GET", f"{c}/audit?action=listing.propose&verify=1", None, EVERYONE),
        ("GET", f"{c}/import", None, {"clerk"}),
        ("POST", f"{c}/import", {}, {"clerk"}),
    ]


def _call(who: SignedIn, method: str, path: str, body: Any, console: bool):
    if method == "GET":
        return who.get(path)
    if method == "DELETE":
        return who.client.delete(path, headers={"X-CSRFToken": who.csrf_token})
    return who.form(path, body) if console else who.post(path, body)


@pytest.mark.parametrize("surface", ["api", "console"])
def test_every_route_as_every_role(surface, app, signed_in, anonymous, world, session):
    console = surface == "console"
    # "Publish now" starts a background run; here only who may start it matters.
    publish_now.offer(app, lambda _progress: None)
    routes = console_routes(world) if console else api_routes(world)
    problems = []
    for method, path, body, allowed in routes:
        for name, role in STAFF.items():
            trail_before = audit.count(session)
            status = _call(signed_in[name], method, path, body, console).status_code
            if status >= 500:
                problems.append(f"{name} broke {method} {path} ({status})")
            if role in allowed and status in (401, 403):
                problems.append(f"{name} refused {method} {path} ({status})")
            if role not in allowed and status != 403:
                problems.append(f"{name} not refused {method} {path} ({status})")
            if role == "auditor" and audit.count(session) != trail_before:
                problems.append(f"auditor changed something with {method} {path}")
        anonymous_status = _call(anonymous, method, path, body, console).status_code
        if anonymous_status != (302 if console else 401):
            problems.append(f"anonymous got {anonymous_status} on {method} {path}")
    if publish_now.THREAD in app.extensions:
        app.extensions[publish_now.THREAD].join()
    assert problems == []


def test_nobody_approves_their_own_proposal(app, signed_in, world, users, session):
    # The clerk who proposed is promoted to reviewer (asked by one admin, confirmed by a second);
    # the four-eyes rule on listings still holds.
    asked = signed_in["admin"].post(
        f"/api/v1/admin/users/{users['clerk'].id}/role", {"role": "reviewer"}
    )
    assert asked.status_code == 202
    second = builders.user(session, "admin", username="second")
    confirm_request(
        session, Actor(second.username, "admin", second.id), asked.get_json()["id"], utcnow()
    )
    # A role change ends the account's sessions: the promoted clerk signs in again.
    assert signed_in["clerk"].get("/api/v1/admin/subjects").status_code == 401
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert console_login(client, "clerk").status_code == 303
    promoted = SignedIn(client, client.get("/api/v1/admin/session").get_json()["csrf_token"])
    lid = world["listing"]
    promoted.post(
        f"/api/v1/admin/requests/{world['request']}/decision", {"accepted": False, "reason": "no"}
    )
    refused = promoted.post(f"/api/v1/admin/listings/{lid}/approve", APPROVAL)
    assert refused.status_code == 409
    assert "cannot decide their own proposal" in refused.get_json()["message"]
    page = promoted.get(f"/admin/listings/{lid}").get_data(as_text=True)
    assert "another reviewer must decide it" in page
    assert (
        signed_in["reviewer"].post(f"/api/v1/admin/listings/{lid}/approve", APPROVAL).status_code
        == 200
    )


# Reached only before signing in (login, logout) or covered by their own tests.
OUTSIDE_MATRIX = {
    ("admin_console.login", "GET"),
    ("admin_console.login", "POST"),
    ("admin_console.logout", "POST"),
    ("admin_console.confirm_totp", "POST"),
    ("admin_console.replace_totp", "POST"),
    ("admin_console.change_password", "POST"),
    ("admin_console.end_all_sessions", "POST"),
}


def test_the_matrix_covers_every_admin_route(app, world) -> None:
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, path, _body, _roles in api_routes(world) + console_routes(world):
        endpoint, _args = adapter.match(path.split("?")[0], method=method)
        covered.add((endpoint, method))
    every = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/admin", "/api/v1/admin"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert OUTSIDE_MATRIX.issubset(every)
    assert every - covered - OUTSIDE_MATRIX == set()
