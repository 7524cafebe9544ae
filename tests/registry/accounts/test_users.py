"""Acting as an account, and listing accounts."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.queries import list_users
from registry.actors import Actor
from registry.errors import Forbidden

PASSWORD = "a long enough secret"


def test_work_is_recorded_under_the_active_account_named(bare_session: Session) -> None:
    user = accounts.create_user(bare_session, "clerk", "clerk", PASSWORD)
    assert accounts.account_actor(bare_session, " Clerk ") == Actor("clerk", "clerk", user.id)


def test_unknown_or_deactivated_accounts_cannot_act(bare_session: Session) -> None:
    with pytest.raises(Forbidden, match="no active account 'ghost'"):
        accounts.account_actor(bare_session, "ghost")
    accounts.create_user(bare_session, "clerk", "clerk", PASSWORD).active = False
    bare_session.commit()
    with pytest.raises(Forbidden, match="registry admin create"):
        accounts.account_actor(bare_session, "clerk")


def test_accounts_are_listed_by_username(bare_session: Session) -> None:
    for name, role in [("zoe", "auditor"), ("adam", "admin"), ("mia", "clerk")]:
        accounts.create_user(bare_session, name, role, PASSWORD)
    assert [user.username for user in list_users(bare_session)] == ["adam", "mia", "zoe"]
