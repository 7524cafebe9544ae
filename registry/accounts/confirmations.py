"""Four eyes on power: creating or elevating a reviewer or admin waits for a second admin.

ASVS V1.4/V4.1.5 and the registry's four-eyes rule: one admin alone could otherwise create two
reviewers and approve listings through them. An admin's request to create an account with, or
move an account into, a privileged role is kept pending (the password only as its argon2 hash)
until another admin confirms it; either admin may refuse it. Every step is audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.changes import change_role
from registry.accounts.sessions import end_user_sessions
from registry.accounts.users import check_new_account, create_user, hash_password, insert_user
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, InvalidValue, NotFound
from registry.models import ROLES, AccountRequest, User
from registry.transaction import atomic

PRIVILEGED_ROLES = frozenset({"reviewer", "admin"})


def needs_confirmation(role: str) -> bool:
    """Whether granting `role` waits for a second admin."""
    return role in PRIVILEGED_ROLES


def request_account(
    session: Session,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    display_name: str,
    now: dt.datetime,
) -> AccountRequest:
    """Ask for a reviewer or admin account; it exists once a second admin confirms."""
    actor.require("user.manage")
    username = check_new_account(username, role, password)
    with atomic(session):
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(
                "a user named %(username)r already exists",
                username=username,
            )
        _refuse_duplicate(session, username)
        pending = AccountRequest(
            kind="create",
            username=username,
            role=role,
            display_name=display_name or username,
            password_hash=hash_password(password),
            requested_by=actor.name,
            requested_at=now,
        )
        session.add(pending)
        session.flush()
        _audit(session, actor.name, "user.create_requested", pending)
    return pending


def request_role(
    session: Session, actor: Actor, user_id: int, role: str, now: dt.datetime
) -> AccountRequest:
    """Ask to move an account into a privileged role; applied once a second admin confirms."""
    actor.require("user.manage")
    if role not in ROLES:
        raise InvalidValue(
            "role",
            "unknown role %(role)r; expected one of %(expected)s",
            role=role,
            expected=", ".join(ROLES),
        )
    with atomic(session):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(
                "user %(user_id)s does not exist",
                user_id=user_id,
            )
        if actor.user_id == user.id:
            raise Conflict("you cannot change the role of your own account; ask another admin")
        if user.role == role:
            raise Conflict(
                "%(username)r already has the role %(role)r",
                username=user.username,
                role=role,
            )
        _refuse_duplicate(session, user.username)
        pending = AccountRequest(
            kind="role",
            user_id=user.id,
            username=user.username,
            role=role,
            display_name=user.display_name,
            requested_by=actor.name,
            requested_at=now,
        )
        session.add(pending)
        session.flush()
        _audit(session, actor.name, "user.role_requested", pending, {"role": user.role})
    return pending


def _refuse_duplicate(session: Session, username: str) -> None:
    open_request = session.scalar(
        select(AccountRequest.id).where(
            AccountRequest.username == username, AccountRequest.decided_at.is_(None)
        )
    )
    if open_request is not None:
        raise Conflict(
            "request %(open_request)s for %(username)r is already waiting",
            open_request=open_request,
            username=username,
        )


def _pending(session: Session, request_id: int) -> AccountRequest:
    found = session.get(AccountRequest, request_id)
    if found is None:
        raise NotFound(
            "account request %(request_id)s does not exist",
            request_id=request_id,
        )
    if found.decided_at is not None:
        raise Conflict(
            "account request %(request_id)s was already %(outcome)s",
            request_id=request_id,
            outcome=found.outcome,
        )
    return found


def confirm_request(
    session: Session, actor: Actor, request_id: int, now: dt.datetime
) -> AccountRequest:
    """A second admin confirms: the account is created, or its role changed."""
    actor.require("user.manage")
    with atomic(session):
        pending = _pending(session, request_id)
        if pending.requested_by == actor.name:
            raise Conflict("another admin must confirm a request you made (four eyes)")
        if pending.kind == "create":
            assert pending.password_hash is not None
            user = insert_user(
                session,
                pending.username,
                pending.role,
                pending.password_hash,
                pending.display_name,
                f"{pending.requested_by}+{actor.name}",
            )
            pending.user_id = user.id
        else:
            user = _role_target(session, pending)
            user.role = pending.role
            end_user_sessions(session, user.id, now, "role_changed")
        pending.password_hash = None
        pending.decided_by, pending.decided_at, pending.outcome = actor.name, now, "confirmed"
        _audit(session, actor.name, "user.change_confirmed", pending)
    return pending


def _role_target(session: Session, pending: AccountRequest) -> User:
    user = session.get(User, pending.user_id) if pending.user_id is not None else None
    if user is None or not user.active:
        raise Conflict(
            "the account %(username)r is gone or deactivated",
            username=pending.username,
        )
    return user


def refuse_request(
    session: Session, actor: Actor, request_id: int, now: dt.datetime
) -> AccountRequest:
    """Any admin (the requester included) refuses or withdraws a waiting request."""
    actor.require("user.manage")
    with atomic(session):
        pending = _pending(session, request_id)
        pending.password_hash = None
        pending.decided_by, pending.decided_at, pending.outcome = actor.name, now, "refused"
        _audit(session, actor.name, "user.change_refused", pending)
    return pending


def waiting_requests(session: Session) -> list[AccountRequest]:
    """Requests no second admin has decided yet, oldest first."""
    query = select(AccountRequest).where(AccountRequest.decided_at.is_(None))
    return list(session.scalars(query.order_by(AccountRequest.id)))


def _audit(
    session: Session,
    actor: str,
    action: str,
    pending: AccountRequest,
    before: dict[str, str] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="account_request",
        object_id=pending.id,
        before=before,
        after={
            "kind": pending.kind,
            "username": pending.username,
            "role": pending.role,
            "requested_by": pending.requested_by,
        },
    )


def create_account(
    session: Session,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    display_name: str,
    now: dt.datetime,
) -> User | AccountRequest:
    """An admin creates an account: at once for clerks and auditors, else a request to confirm."""
    actor.require("user.manage")
    if needs_confirmation(role):
        return request_account(session, actor, username, role, password, display_name, now)
    return create_user(session, username, role, password, display_name, actor.name)


def set_role(
    session: Session, actor: Actor, user_id: int, role: str, now: dt.datetime
) -> User | AccountRequest:
    """An admin changes a role: at once towards clerk or auditor, else a request to confirm."""
    if needs_confirmation(role):
        return request_role(session, actor, user_id, role, now)
    return change_role(session, actor, user_id, role)
