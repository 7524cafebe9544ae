"""Account changes an admin makes after creation: role changes and deactivation, audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry import clock
from registry.accounts.sessions import end_user_sessions
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, InvalidValue, NotFound, translatable
from registry.models import ROLES, User
from registry.transaction import atomic


def _target(session: Session, actor: Actor, user_id: int, change: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(
            "user %(user_id)s does not exist",
            user_id=user_id,
        )
    # Guards against an admin locking every admin out by mistake.
    if actor.user_id == user.id:
        raise Conflict(
            "you cannot %(change)s your own account; ask another admin",
            change=change,
        )
    return user


def change_role(session: Session, actor: Actor, user_id: int, role: str) -> User:
    """Give an account another role."""
    actor.require("user.manage")
    if role not in ROLES:
        raise InvalidValue(
            "role",
            "unknown role %(role)r; expected one of %(expected)s",
            role=role,
            expected=", ".join(ROLES),
        )
    with atomic(session):
        user = _target(session, actor, user_id, translatable("change the role of"))
        before = {"role": user.role}
        user.role = role
        # Privileges are decided at sign-in too (second factor); the new role signs in afresh.
        end_user_sessions(session, user.id, clock.utcnow(), "role_changed")
        audit.record(
            session,
            actor=actor.name,
            action="user.role",
            object_type="user",
            object_id=user.id,
            before=before,
            after={"role": role},
        )
    return user


def deactivate(session: Session, actor: Actor, user_id: int) -> User:
    """Close an account and end its sessions."""
    actor.require("user.manage")
    with atomic(session):
        user = _target(session, actor, user_id, translatable("deactivate"))
        if not user.active:
            raise Conflict(
                "user %(username)r is already deactivated",
                username=user.username,
            )
        user.active = False
        end_user_sessions(session, user.id, clock.utcnow(), "account_closed")
        audit.record(
            session,
            actor=actor.name,
            action="user.deactivate",
            object_type="user",
            object_id=user.id,
            before={"active": True},
            after={"active": False},
        )
    return user
