"""Second-factor recovery codes: shown once, stored as argon2 hashes, each spent once."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from registry.accounts.users import hash_password, password_matches
from registry.models import RecoveryCode

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand
_GROUP = 5


def _normalised(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def looks_like_recovery_code(code: str) -> bool:
    """Whether `code` has the shape of a recovery code (two groups of five letters or digits)."""
    plain = _normalised(code)
    return len(plain) == 2 * _GROUP and set(plain) <= set(_ALPHABET)


def issue_recovery_codes(session: Session, user_id: int, now: dt.datetime) -> list[str]:
    """Replace the account's recovery codes with fresh ones (inside the caller's transaction).

    The codes are returned once, for the page that shows them; only their hashes are kept.
    """
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        plain = "".join(secrets.choice(_ALPHABET) for _ in range(2 * _GROUP))
        session.add(RecoveryCode(user_id=user_id, code_hash=hash_password(plain), created_at=now))
        codes.append(f"{plain[:_GROUP]}-{plain[_GROUP:]}")
    return codes


def use_recovery_code(session: Session, user_id: int, code: str, now: dt.datetime) -> bool:
    """Spend one unused recovery code matching `code` (inside the caller's transaction)."""
    if not looks_like_recovery_code(code):
        return False
    plain = _normalised(code)
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if password_matches(row.code_hash, plain):
            # Conditional, so two requests racing with the same code cannot both spend it.
            spent = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
            )
            return bool(getattr(spent, "rowcount", 0))
    return False


def unused_recovery_codes(session: Session, user_id: int) -> int:
    """How many recovery codes the account has left."""
    rows = session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    return len(rows)
