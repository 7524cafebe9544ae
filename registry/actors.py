"""Who is acting, and what each role may do (least privilege)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import Forbidden

# action -> roles allowed to perform it; anything not listed is refused.
PERMISSIONS: dict[str, frozenset[str]] = {
    "case.record": frozenset({"clerk"}),
    # Revoking a case ends every listing resting on it: a reviewer's decision (design, Roles).
    "case.revoke": frozenset({"reviewer"}),
    "subject.record": frozenset({"clerk"}),
    "patent.invalidate": frozenset({"clerk", "reviewer"}),
    "listing.propose": frozenset({"clerk"}),
    "listing.notify": frozenset({"clerk"}),
    "listing.objection": frozenset({"clerk"}),
    "listing.review": frozenset({"clerk", "reviewer"}),
    "listing.withdraw": frozenset({"clerk", "reviewer"}),
    "listing.approve": frozenset({"reviewer"}),
    "listing.reject": frozenset({"reviewer"}),
    "listing.remove": frozenset({"reviewer"}),
    "listing.amend": frozenset({"reviewer"}),
    "listing.decide": frozenset({"reviewer"}),
    "listing.request": frozenset({"clerk"}),
    # The clerk who uploads the national platform export confirms it was reported.
    "listing.national_report": frozenset({"clerk"}),
    # Correcting a recorded subject or case can change published entries: reviewers only.
    "record.correct": frozenset({"reviewer"}),
    "audit.read": frozenset({"auditor", "reviewer", "clerk", "admin"}),
    "user.manage": frozenset({"admin"}),
    "apikey.manage": frozenset({"admin"}),
    "publication.run": frozenset({"admin"}),
    "key.manage": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Actor:
    """A user acting in the registry, or the system itself (scheduler, CLI)."""

    name: str
    role: str
    user_id: int | None = None

    def require(self, action: str) -> None:
        """Raise Forbidden unless this actor's role may perform `action`."""
        if self.role == "system":
            return
        if self.role not in PERMISSIONS.get(action, frozenset()):
            raise Forbidden(
                "role '%(role)s' may not perform %(action)s",
                role=self.role,
                action=action,
            )


SYSTEM = Actor(name="system", role="system")
