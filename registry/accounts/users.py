"""Administrator accounts: creation, password hashing (argon2), roles, acting as an account."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.passwords import check_password
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, Forbidden, InvalidValue
from registry.models import ROLES, User
from registry.transaction import atomic

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """True when the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    display_name: str = "",
    actor: str = "system",
    allow_demo_password: bool = False,
) -> User:
    """Create an account with a hashed password, recorded in the audit trail.

    Only the demo loader passes `allow_demo_password`; the published demo password is refused
    for every other account.
    """
    username = check_new_account(username, role, password, allow_demo_password)
    with atomic(session):
        return insert_user(session, username, role, hash_password(password), display_name, actor)


def check_new_account(
    username: str, role: str, password: str, allow_demo_password: bool = False
) -> str:
    """Validate a new account's name, role and password; returns the name as stored."""
    username = username.strip().lower()
    if not _USERNAME_RE.match(username):
        raise InvalidValue(
            "username", "use 2-64 lowercase letters, digits, '.', '_' or '-', starting alphanumeric"
        )
    if role not in ROLES:
        raise InvalidValue(
            "role",
            "unknown role %(role)r; expected one of %(expected)s",
            role=role,
            expected=", ".join(ROLES),
        )
    check_password(password, username, allow_demo=allow_demo_password)
    return username


def insert_user(
    session: Session,
    username: str,
    role: str,
    password_hash: str,
    display_name: str,
    actor: str,
) -> User:
    """Add a validated account with an already hashed password (caller's transaction), audited."""
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(
            "a user named %(username)r already exists",
            username=username,
        )
    user = User(
        username=username,
        role=role,
        display_name=display_name or username,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after={"username": username, "role": role},
    )
    return user


def account_actor(session: Session, username: str) -> Actor:
    """The active account named `username`, as the Actor that work is recorded under."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        raise Forbidden(
            "no active account %(username)r; create one with `registry admin create`",
            username=username,
        )
    return Actor(name=user.username, role=user.role, user_id=user.id)
