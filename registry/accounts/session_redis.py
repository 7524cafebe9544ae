"""Sessions kept in Redis: a key per session, named by the token's hash, that expires by itself.

Keys, under the configured prefix:
- `token:<sha256>`: a hash of `user_id`, `created_at` and `last_seen_at` (ISO 8601, UTC), with a
  TTL of the idle timeout or the rest of the absolute lifetime, whichever is shorter, renewed
  when the session is used;
- `user:<id>`: the set of that account's session hashes, so every way of ending an account's
  sessions finds them;
- `users`: the set of accounts that have sessions, so an admin can end them all.

The timestamps are checked as well as the TTL, so the registry's clock decides expiry. Ending a
session deletes its key at once, also when the database transaction around it is rolled back
later: a session may end early, never outlive its ending.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from registry.accounts.session_store import TOUCH_EVERY, SessionLimits, digest, expiry_reason
from registry.models import User

_RENEW = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisStore:
    """Sessions in Redis (`client`: a `redis.Redis` with decode_responses), keys under `prefix`."""

    def __init__(self, client: Any, prefix: str, limits: SessionLimits) -> None:
        self.client, self.prefix, self.limits = client, prefix, limits

    def _token_key(self, hashed: str) -> str:
        return f"{self.prefix}token:{hashed}"

    def _user_key(self, user_id: int | str) -> str:
        return f"{self.prefix}user:{user_id}"

    def _ttl(self, created: dt.datetime, now: dt.datetime, limits: SessionLimits) -> int:
        left = min(limits.idle, limits.absolute - (now - created))
        return max(1, int(left.total_seconds()))

    def start(self, session: Session, user: User, token: str, now: dt.datetime) -> None:
        """Write the session's key and add it to the account's index."""
        hashed, stamp = digest(token), now.isoformat()
        pipe = self.client.pipeline()
        pipe.hset(
            self._token_key(hashed),
            mapping={"user_id": user.id, "created_at": stamp, "last_seen_at": stamp},
        )
        pipe.expire(self._token_key(hashed), self._ttl(now, now, self.limits))
        pipe.sadd(self._user_key(user.id), hashed)
        pipe.expire(self._user_key(user.id), int(self.limits.absolute.total_seconds()))
        pipe.sadd(f"{self.prefix}users", user.id)
        pipe.execute()

    def user_for(
        self, session: Session, token: str, now: dt.datetime, limits: SessionLimits
    ) -> User | None:
        """The account of a live key, renewing its TTL; an expired key is deleted."""
        hashed = digest(token)
        fields = self.client.hgetall(self._token_key(hashed))
        if not fields:
            return None
        created = dt.datetime.fromisoformat(fields["created_at"])
        last_seen = dt.datetime.fromisoformat(fields["last_seen_at"])
        user = session.get(User, int(fields["user_id"]))
        if expiry_reason(created, last_seen, now, limits) or user is None or not user.active:
            self._delete(int(fields["user_id"]), [hashed])
            return None
        if now - last_seen >= TOUCH_EVERY:
            self.renew(hashed, now, self._ttl(created, now, limits))
        return user

    def renew(self, hashed: str, now: dt.datetime, ttl: int) -> bool:
        """Record a use of a live session and extend its TTL; False if it has ended meanwhile."""
        # One script, so a session ended between reading and renewing is not written back.
        return bool(self.client.eval(_RENEW, 1, self._token_key(hashed), now.isoformat(), ttl))

    def end(self, session: Session, token: str, now: dt.datetime) -> None:
        """Delete the token's key (logout)."""
        hashed = digest(token)
        user_id = self.client.hget(self._token_key(hashed), "user_id")
        if user_id is not None:
            self._delete(int(user_id), [hashed])

    def end_user(
        self, session: Session, user_id: int, now: dt.datetime, reason: str, keep_token: str
    ) -> int:
        """Delete every key of one account but `keep_token`'s."""
        keep = digest(keep_token) if keep_token else ""
        hashes = list(self.client.smembers(self._user_key(user_id)))
        return self._delete(user_id, [h for h in hashes if h != keep])

    def end_all(self, session: Session, now: dt.datetime, user_id: int | None) -> int:
        """Delete every key (of one account, or of every account in the index)."""
        if user_id is not None:
            return self.end_user(session, user_id, now, "ended_by_admin", "")
        users = [int(u) for u in self.client.smembers(f"{self.prefix}users")]
        return sum(self.end_user(session, u, now, "ended_by_admin", "") for u in users)

    def _delete(self, user_id: int, hashes: list[str]) -> int:
        """Delete these sessions of one account; how many were still live."""
        deleted = 0
        if hashes:
            pipe = self.client.pipeline()
            for hashed in hashes:
                pipe.delete(self._token_key(hashed))
            pipe.srem(self._user_key(user_id), *hashes)
            deleted = sum(int(n) for n in pipe.execute()[: len(hashes)])
        if not self.client.scard(self._user_key(user_id)):
            self.client.srem(f"{self.prefix}users", user_id)
        return deleted
